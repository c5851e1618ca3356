// The lab's contract with other tests: env --json, SSH with the lab key and pinned host keys, the
// real servers' private views, the http/sshd switches, the sorry server, and isolation.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertLabRoute, lab, runLab, type LabEnv } from "../env";
import { ensureLab, sh, holdLab, releaseLab } from "./lab-helpers";

const pexec = promisify(execFile);
let env: LabEnv;

/** Plain ssh with only what env --json gives (no ssh config): what the panel will do. */
async function plainSsh(user: string, addr: string, cmd: string): Promise<string> {
  await assertLabRoute(addr, env.managementInterface);
  const { stdout } = await pexec("ssh", [
    "-i", env.ssh.keyPath, "-o", "IdentitiesOnly=yes", "-o", `UserKnownHostsFile=${env.ssh.knownHostsPath}`,
    "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=5", "-p", String(env.ssh.port), `${user}@${addr}`, cmd,
  ]);
  return stdout;
}

const clientCurl = async (url: string): Promise<string> => {
  const r = await runLab(["exec", "client", "curl", "-sS", "-f", "--max-time", "3", url]);
  return r.code === 0 ? r.stdout.trim() : `ERROR ${r.code}`;
};

describe("lab hosts and env", () => {
  beforeAll(async () => {
    await holdLab("lab/test/hosts");
    env = await ensureLab();
    await lab(["reset"]);
  });
  afterAll(() => releaseLab());

  test("env --json describes every host, the keys and the VIPs", () => {
    expect(env.up).toBe(true);
    expect(Object.keys(env.hosts).sort()).toEqual(["client", "director", "router", "rs1", "rs2", "sorry"]);
    expect(env.realServers.map((h) => h.name)).toEqual(["rs1", "rs2"]);
    expect(env.managementInterface).toBe("lvsp0");
    expect(env.clientExec).toEqual(["ip", "netns", "exec", "lvsp-client"]);
    for (const p of [env.ssh.keyPath, env.ssh.publicKeyPath, env.ssh.knownHostsPath, env.ssh.configPath]) expect(existsSync(p)).toBe(true);
    const known = readFileSync(env.ssh.knownHostsPath, "utf8");
    for (const name of ["director", "rs1", "rs2", "sorry"]) {
      const h = env.hosts[name]!;
      expect(h.sshPort).toBe(22);
      expect(h.hostKeys.length).toBe(2);
      for (const k of h.hostKeys) expect(known).toContain(`${h.address} ${k}`);
    }
    expect(env.hosts.router.sshPort).toBeNull();
    expect(env.hosts.client.sshPort).toBeNull();
    for (const a of Object.values(env.hosts).map((h) => h.address)) expect(a).toMatch(/^10\.78\./);
  });

  test("assertLabRoute accepts lab hosts on the server subnet and refuses anything else", async () => {
    await assertLabRoute(env.hosts.director.address);
    await assertLabRoute(env.hosts.rs2!.address);
    await expect(assertLabRoute("192.0.2.1")).rejects.toThrow(/refusing/);
    await expect(assertLabRoute(env.hosts.client.address)).rejects.toThrow(/refusing/); // behind the router: unreachable
    await expect(assertLabRoute("8.8.8.8")).rejects.toThrow(/refusing/);
  });

  test("ssh as root with the lab key and pinned host keys; hostnames are the lab's", async () => {
    expect(await plainSsh("root", env.hosts.director.address, "hostname; ipvsadm -Ln | head -1")).toMatch(/^director\nIP Virtual Server version/);
    expect(await plainSsh("root", env.hosts.rs1!.address, "hostname; id -u")).toBe("rs1\n0\n");
    expect(await plainSsh("root", env.hosts.sorry.address, "hostname")).toBe("sorry\n");
    expect(await plainSsh(env.ssh.sudoUser, env.hosts.rs2!.address, "id -un; sudo -n id -u")).toBe(`${env.ssh.sudoUser}\n0\n`);
  });

  test("each host's kind and sudo user; the Debian director: systemd, dash, Debian's ipvsadm, lvs with the panel's helper only", async () => {
    for (const n of ["rs1", "rs2", "sorry"]) expect(env.hosts[n]).toMatchObject({ kind: "netns", sudoUser: "lab" });
    expect(env.hosts.router).toMatchObject({ kind: "netns", sudoUser: null });
    if (env.directorKind === "initramfs") {
      expect(env.hosts.director).toMatchObject({ kind: "vm", vmKind: "initramfs", sudoUser: null });
      return;
    }
    expect(env.hosts.director).toMatchObject({ kind: "vm", vmKind: "debian", sudoUser: "lvs" });
    expect(await plainSsh("root", env.hosts.director.address, "ps -p 1 -o comm=; readlink -f /bin/sh; dpkg-query -W -f '${Version}\\n' ipvsadm; grep ^AUTO= /etc/default/ipvsadm"))
      .toMatch(/^systemd\n\/usr\/bin\/dash\n1:1\.31[^\n]*\nAUTO="false"\n$/);
    const l = await plainSsh("lvs", env.hosts.director.address, "id -un; sudo -n -l; sudo -n /usr/local/sbin/lvs-panel-helper ipvsadm -Ln | head -1; sudo -n true 2>&1 || echo refused");
    expect(l).toMatch(/^lvs\n/);
    expect(l).toContain("(root) NOPASSWD: /usr/local/sbin/lvs-panel-helper");
    expect(l).not.toMatch(/NOPASSWD: ALL/);
    expect(l).toContain("IP Virtual Server version");
    expect(l).toMatch(/refused\n$/);
  });

  test("a real server's /etc, home, /run and /tmp are its own", async () => {
    // whole-directory view: a rename-based write of /etc/sysctl.conf works (a single-file bind mount gives EBUSY)
    await sh("rs1", "sed -i '$a # lvsp lab test' /etc/sysctl.conf && echo net.ipv4.conf.all.arp_ignore=1 > /etc/sysctl.d/99-lvsp-test.conf");
    expect(await sh("rs1", "tail -1 /etc/sysctl.conf; cat /etc/sysctl.d/99-lvsp-test.conf")).toBe("# lvsp lab test\nnet.ipv4.conf.all.arp_ignore=1\n");
    expect(existsSync("/etc/sysctl.d/99-lvsp-test.conf")).toBe(false);
    expect(readFileSync("/etc/sysctl.conf", "utf8")).not.toContain("lvsp lab test");
    expect(await sh("rs2", "ls /etc/sysctl.d/99-lvsp-test.conf 2>&1 || true")).toMatch(/No such file/);
    expect(await sh("rs1", "echo $HOME; head -1 ~/.bashrc; test -d /etc/systemd/system && echo units")).toBe("/root\n# lab: private home of root on rs1\nunits\n");
    // /run is rs1's own tmpfs: the host's lab state (/run/lvsp-lab) is not in it. (What rs1 itself leaves
    // there, e.g. sudo's timestamps after the reboot tests' sudo user, is rs1's business.)
    expect(await sh("rs1", "touch /tmp/lvsp-probe && grep -c '^lab-run /run tmpfs' /proc/self/mounts; ls /run")).toMatch(/^1\n/);
    expect(await sh("rs1", "ls /run")).not.toContain("lvsp-lab");
    expect(existsSync("/tmp/lvsp-probe")).toBe(false);
    // reset restores /etc from the template
    await lab(["reset"]);
    expect(await sh("rs1", "ls /etc/sysctl.d/99-lvsp-test.conf 2>&1 || true; tail -1 /etc/sysctl.conf")).not.toContain("lvsp lab test");
  });

  test("http and sshd of one real server can be stopped and started", async () => {
    const url = `http://${env.hosts.rs1!.address}/`;
    expect(await clientCurl(url)).toBe("rs1");
    await lab(["http", "rs1", "stop"]);
    expect(await clientCurl(url)).toMatch(/^ERROR/);
    expect((await runLab(["http", "rs1", "status"])).code).toBe(3);
    expect(await clientCurl(`http://${env.hosts.rs2!.address}/`)).toBe("rs2");
    await lab(["http", "rs1", "start"]);
    expect(await clientCurl(url)).toBe("rs1");

    await lab(["sshd", "rs1", "stop"]);
    expect((await runLab(["ssh", "rs1", "true"])).code).not.toBe(0);
    expect(await clientCurl(url)).toBe("rs1"); // httpd unaffected
    await lab(["sshd", "rs1", "start"]);
    expect(await sh("rs1", "hostname")).toBe("rs1\n");
  });

  test("sorry server, health page, whoami CGI, IPv6 through the router", async () => {
    expect(await clientCurl(`http://${env.hosts.sorry.address}/`)).toBe("sorry\nThe service is under maintenance. Please come back later.");
    expect(await clientCurl(`http://${env.hosts.rs2!.address}/health`)).toBe("ok");
    expect(await clientCurl(`http://${env.hosts.rs2!.address}/cgi-bin/whoami`)).toMatch(new RegExp(`^rs2 \\[(::ffff:)?${env.hosts.client.address}\\]$`));
    expect(await clientCurl(`http://[${env.hosts.rs1!.address6}]/`)).toBe("rs1");
  });

  test("isolation: nothing in the lab has a route out; the root namespace has unreachable routes", async () => {
    expect(await lab(["exec", "router", "ip", "-4", "route", "show", "default"])).toBe("");
    expect(await lab(["exec", "router", "ip", "-6", "route", "show", "default"])).toBe("");
    expect(await clientCurl("http://192.0.2.1/")).toMatch(/^ERROR/);
    const { stdout } = await pexec("ip", ["-4", "route", "show", "type", "unreachable"]);
    expect(stdout).toContain(env.subnets.lab);
    const fwd = await pexec("sysctl", ["-n", `net.ipv4.conf.${env.managementInterface}.forwarding`]);
    expect(fwd.stdout.trim()).toBe("0");
  });
});
