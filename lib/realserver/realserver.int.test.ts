// Real-server operations on the lab's rs1 (a network namespace with its own sshd): no mocks.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateKeypair, labTarget } from "@/test/support/sshd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, lab, labEnv, type LabEnv } from "@/lab/env";
import { SshError, SshPool } from "@/lib/ssh";
import { InvalidParams, prepareRealServer, probeRealServer, undoRealServer, renderRsScript } from "@/lib/realserver";

// Holds the lab (acquireLab) from beforeAll to afterAll: other engineers' tests share it.
describe("real server on the lab (rs1)", () => {
  let env: LabEnv;
  let pool: SshPool;
  let vip: string;
  let release: (() => void) | null = null;
  const nsExec = (ns: string, ...cmd: string[]) => execFileSync("ip", ["netns", "exec", ns, ...cmd], { encoding: "utf8" });

  beforeAll(async () => {
    release = await acquireLab({ timeoutMs: 1_200_000, owner: "lib/realserver/realserver.int.test.ts" });
    env = await labEnv();
    if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
    vip = env.vip.current;
    pool = new SshPool();
  }, 1_300_000);
  afterAll(async () => {
    try {
      if (pool) {
        await undoRealServer(pool, await await labTarget(env, "rs1"), { vips: [vip] });
        await undoRealServer(pool, await await labTarget(env, "rs2"), { vips: [vip] });
        await pool.close();
      }
    } finally {
      release?.();
    }
  });

  it("probe, prepare, probe, undo, probe", async () => {
    const t = await labTarget(env, "rs1");
    const params = { vips: [vip], port: 80, iface: "eth0", director: env.hosts.director!.address };
    await undoRealServer(pool, t, params); // start from a clean real server
    const before = await probeRealServer(pool, t, params);
    expect(before.ready).toBe(false);
    expect(before.verdicts[0]!.problems).toContain(`VIP ${vip} is not bound on lo`);
    expect(before.facts.listening).toContainEqual(expect.objectContaining({ port: 80 }));

    const prep = await prepareRealServer(pool, t, params);
    expect(prep.events).toContain("ok sysctls");
    expect(prep.events).toContain(`ok vip ${vip} bound`);
    expect(prep.verdicts).toEqual([expect.objectContaining({ vip, ready: true, problems: [] })]);
    expect(prep.facts.files.sysctl).toBe(true);
    // the kernel agrees, seen from outside SSH
    const lo = JSON.parse(nsExec("lvsp-rs1", "ip", "-j", "addr", "show", "dev", "lo")) as Array<{ addr_info: Array<{ local: string; prefixlen: number; label?: string }> }>;
    expect(lo[0]!.addr_info).toContainEqual(expect.objectContaining({ local: vip, prefixlen: 32, label: "lo:1" }));
    expect(nsExec("lvsp-rs1", "cat", "/proc/sys/net/ipv4/conf/all/arp_ignore").trim()).toBe("1");

    const again = await prepareRealServer(pool, t, params); // idempotent
    expect(again.events).toContain(`ok vip ${vip} already bound`);
    expect(again.ready).toBe(true);

    const undo = await undoRealServer(pool, t, params);
    expect(undo.events).toContain(`ok vip ${vip} removed`);
    expect(undo.events).toContain("ok reset");
    expect(undo.facts.conf.all).toMatchObject({ arp_ignore: 0, arp_announce: 0 });
    expect(undo.facts.files.sysctl).toBe(false);
    const after = await probeRealServer(pool, t, params);
    expect(after.verdicts[0]!.problems).toContain(`VIP ${vip} is not bound on lo`);
  });

  it("the exported script does the same as the panel (run by hand over the lab's ssh)", () => {
    const script = renderRsScript({ vips: [vip] });
    const out = execFileSync("bash", ["lab/lab.sh", "ssh", "rs1", "sh", "-s", "start", "status", "stop"], { input: script, encoding: "utf8" });
    expect(out).toContain(`@@lvs ok vip ${vip} bound`);
    expect(out).toContain(`@@lvs ok vip ${vip} removed`);
  });

  it("works as a non-root user through sudo -n", async () => {
    const t = await labTarget(env, "rs1", { username: env.ssh.sudoUser });
    const r = await prepareRealServer(pool, t, { vips: [vip] });
    expect(r.verdicts[0]!.problems).toEqual([]);
    const u = await undoRealServer(pool, t, { vips: [vip] });
    expect(u.events).toContain("ok reset");
  });

  it("sshd stopped on a real server: unreachable; started again: the next prepare converges", async () => {
    const p = new SshPool({ connectAttempts: 2, backoffMs: 100, connectTimeoutMs: 3_000 });
    const t = await labTarget(env, "rs2");
    try {
      await lab(["sshd", "rs2", "stop"]);
      const e = await prepareRealServer(p, t, { vips: [vip] }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SshError);
      expect((e as SshError).code).toBe("unreachable");
    } finally {
      await lab(["sshd", "rs2", "start"]);
    }
    const r = await prepareRealServer(p, t, { vips: [vip] });
    expect(r.ready).toBe(true);
    await undoRealServer(p, t, { vips: [vip] });
    await p.close();
  });

  it("a hostile value is refused before any connection is made", async () => {
    const p = new SshPool();
    const t = await labTarget(env, "rs1");
    for (const bad of [`${vip}; reboot`, "$(reboot)", `${vip}\nreboot`, "１０.78.0.100", "x".repeat(10_240)]) {
      await expect(prepareRealServer(p, t, { vips: [bad] })).rejects.toBeInstanceOf(InvalidParams);
      await expect(prepareRealServer(p, t, { vips: [vip], iface: bad })).rejects.toBeInstanceOf(InvalidParams);
    }
    expect(p.stats(t).connectsMade).toBe(0);
    await p.close();
  });

  it("a wrong key is authentication-failed and a different pinned key is host-key-changed", async () => {
    const p = new SshPool();
    const other = await labTarget(env, "rs2");
    const e1 = await probeRealServer(p, await labTarget(env, "rs1", { hostKeyFingerprint: other.hostKeyFingerprint }), { vips: [vip] }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(SshError);
    expect((e1 as SshError).code).toBe("host-key-changed");
    const { PrivateKey } = await import("@/lib/ssh");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-k-"));
    const pem = generateKeypair(dir, "stranger").privateKey;
    fs.rmSync(dir, { recursive: true });
    const e2 = await probeRealServer(p, await labTarget(env, "rs1", { key: new PrivateKey(pem) }), { vips: [vip] }).catch((e: unknown) => e);
    expect((e2 as SshError).code).toBe("authentication-failed");
    await p.close();
  });
});
