// The sudo helper on a real host: the lab's rs1 (a namespace with a private /etc, this machine's sudo
// and dash), with a private tmpfs on /usr/local/sbin in rs1's mount namespace only (the rest of /usr
// is the machine's). The `lab` user gets ONLY the helper's sudoers line (its NOPASSWD: ALL file is
// removed; `lab reset` restores /etc). Then the real-server side of the seed scenario runs as `lab`,
// and the attacks the old documented sudoers lines allowed are refused.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, lab, labEnv, type LabEnv } from "@/lab/env";
import { prepareRealServer, probeRealServer, undoRealServer } from "@/lib/realserver";
import { HELPER_PATH, HELPER_SUDOERS, SshPool, installSudoHelper, type SshTarget } from "@/lib/ssh";
import { labTarget } from "@/test/support/sshd";

let release: () => void = () => {};
let env: LabEnv;
const pool = new SshPool();
let root: SshTarget;
let user: SshTarget;
let mounted = false;
const ns = (...cmd: string[]) => execFileSync("bash", [env.labScript, "exec", "rs1", ...cmd], { encoding: "utf8" });
const asUser = (cmd: string) => pool.exec(user, ["sh", "-c", cmd], { okExitCodes: "any" });
const helper = (args: string, stdin = "") => asUser(`printf '%s' '${stdin}' | sudo -n ${HELPER_PATH} ${args}`);

beforeAll(async () => {
  release = await acquireLab({ owner: "lib/ssh/helper.int.test.ts", timeoutMs: 1_200_000 });
  env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  await lab(["reset"]);
  root = await labTarget(env, "rs1");
  user = await labTarget(env, "rs1", { username: env.ssh.sudoUser });
  ns("mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "lvsp-helper-test", "/usr/local/sbin");
  mounted = true;
  // the machine itself must not see it (that would hand every non-root test on it to the helper)
  expect(() => execFileSync("mountpoint", ["-q", "/usr/local/sbin"])).toThrow();
  await pool.exec(root, ["rm", "-f", "/etc/sudoers.d/lvsp-lab"]);
}, 1_300_000);

afterAll(async () => {
  try {
    await pool.close();
    if (mounted) ns("umount", "/usr/local/sbin");
    if (env?.up) await lab(["reset"]);
  } finally {
    release();
  }
}, 120_000);

describe("the sudo helper on rs1, for the non-root user lab", () => {
  it("without it the user has no sudo at all; the panel installs it (as root) and the user gets exactly one line", async () => {
    expect((await asUser("sudo -n true")).exitCode).not.toBe(0);
    const r = await installSudoHelper(pool, root, env.ssh.sudoUser);
    expect(r.output).toBe(`installed ${HELPER_PATH} and ${HELPER_SUDOERS}`);
    expect((await pool.exec(root, ["stat", "-c", "%U %a", HELPER_PATH])).stdout.trim()).toBe("root 755");
    expect((await pool.exec(root, ["cat", HELPER_SUDOERS])).stdout).toContain(`${env.ssh.sudoUser} ALL=(root) NOPASSWD: ${HELPER_PATH}\n`);
    const l = await asUser("sudo -n -l");
    expect(l.stdout).toContain(`(root) NOPASSWD: ${HELPER_PATH}`);
    expect(l.stdout).not.toMatch(/NOPASSWD: ALL/);
    expect((await asUser("sudo -n true")).exitCode).not.toBe(0);
    expect((await asUser("sudo -n /usr/sbin/ip netns list")).exitCode).not.toBe(0);
  });

  it("the real-server side of the seed scenario runs as lab through the helper: prepare, probe, undo", async () => {
    const vip = env.vip.current;
    const params = { vips: [vip], port: 80, iface: "eth0", director: env.hosts.director!.address };
    const prep = await prepareRealServer(pool, user, params);
    expect(prep.events).toEqual(expect.arrayContaining(["ok sysctls", `ok vip ${vip} bound`, "ok persisted /etc/sysctl.d/90-lvs-panel.conf"]));
    expect(prep.ready).toBe(true);
    expect(ns("cat", "/proc/sys/net/ipv4/conf/all/arp_ignore").trim()).toBe("1");
    expect(ns("cat", "/etc/sysctl.d/90-lvs-panel.conf")).toContain("net.ipv4.conf.eth0.arp_announce = 2");
    expect((await probeRealServer(pool, user, params)).ready).toBe(true);
    const undo = await undoRealServer(pool, user, params);
    expect(undo.events).toContain("ok reset");
    expect(ns("sh", "-c", "test -e /etc/sysctl.d/90-lvs-panel.conf && echo present || echo absent").trim()).toBe("absent");
    expect(ns("cat", "/proc/sys/net/ipv4/conf/all/arp_ignore").trim()).toBe("0");
  });

  it("refuses what the old sudoers lines allowed: ip netns exec, any sysctl, any file, any content, any unit", async () => {
    const attacks: Array<[string, string?]> = [
      ["ip netns add lvsp-x"],
      ["ip netns exec lvsp-x sh -c id"],
      ["ip link set lo down"],
      ["ip addr add 10.78.0.100/24 dev eth0"],
      ["sysctl -q -w kernel.core_pattern=/tmp/core"],
      ["sysctl -q -w net.ipv4.conf.all.arp_ignore=8"],
      ["sysctl -q -w net/ipv4/conf/../../../kernel/core_pattern=x"],
      ["sysctl -p /tmp/x"],
      ["tee /etc/sudoers.d/evil", "lab ALL=(ALL) NOPASSWD: ALL\n"],
      ["tee /etc/sysctl.d/90-lvs-panel.conf", "kernel.core_pattern = |/tmp/x\n"],
      ["tee /etc/systemd/system/lvs-panel-vip.service", "[Service]\nExecStart=/bin/sh -c id\n"],
      ["tee /etc/systemd/system/lvs-panel-director-vip.service", "[Service]\nExecStart=/bin/sh -c id\n"],
      ["tee -a /etc/sysctl.d/90-lvs-panel.conf", "net.ipv4.conf.all.arp_ignore = 1\n"],
      ["rm -f /etc/shadow"],
      ["mkdir -p /root/.ssh"],
      ["systemctl start ssh"],
      ["modprobe dummy"],
      ["ipvsadm --start-daemon master"],
      ["env PATH=/tmp apt-get install -y ipvsadm"],
      ["sh -c id"],
      ["ha-track behind 2"],
      ["ha-track ../../etc/passwd 1"],
      ["ha-track behind 1 extra"],
      ["keepalived-json --now"],
      ["keepalived-conf /tmp/x"],
      ["systemctl stop ssh"],
      ["systemctl enable --now keepalived"],
      ["rm -f /etc/keepalived/other.conf"],
    ];
    for (const [args, stdin] of attacks) {
      const r = await helper(args, stdin);
      expect({ args, exit: r.exitCode, stderr: r.stderr.trim() }).toEqual({ args, exit: 64, stderr: expect.stringMatching(/^lvs-panel-helper: refused: /) });
    }
    expect(ns("sh", "-c", "ls /etc/sudoers.d; ip netns list; cat /proc/sys/net/ipv4/conf/all/arp_ignore")).not.toMatch(/evil|lvsp-x|8/);
    expect(execFileSync("cat", ["/proc/sys/kernel/core_pattern"], { encoding: "utf8" })).not.toMatch(/\/tmp\//);
  });

  it("with the old documented lines, the same user was root (what the helper replaces)", async () => {
    await pool.exec(root, ["sh", "-c", `printf '%s\\n' '${env.ssh.sudoUser} ALL=(root) NOPASSWD: /usr/sbin/ip, /sbin/ip' > /etc/sudoers.d/lvsp-old && chmod 440 /etc/sudoers.d/lvsp-old`]);
    try {
      const r = await asUser("sudo -n /usr/sbin/ip netns add lvsp-old && sudo -n /usr/sbin/ip netns exec lvsp-old id -u; sudo -n /usr/sbin/ip netns del lvsp-old");
      expect(r.stdout.trim()).toBe("0");
    } finally {
      await pool.exec(root, ["rm", "-f", "/etc/sudoers.d/lvsp-old"]);
    }
  });
});
