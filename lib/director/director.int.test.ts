// Director operations on the lab's real IPVS director (qemu VM), and the tutorial's DR setup end to end.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labAvailable, labEnv, labTarget, lab, type LabEnv } from "@/test/support/lab";
import { SshPool, type SshTarget } from "@/lib/ssh";
import { applyDirector, bindVip, persistDirector, probeDirector, saveLinesCore, unbindVip, InvalidDesired } from "@/lib/director";
import { prepareRealServer, undoRealServer } from "@/lib/realserver";

const haveLab = labAvailable() && (() => {
  try {
    return labEnv().up;
  } catch {
    return false;
  }
})();

describe.skipIf(!haveLab)("director on the lab", () => {
  let env: LabEnv;
  let pool: SshPool;
  let d: SshTarget;
  let vip: string;
  const VSVC = () => `-t ${vip}:80`;
  const UNMANAGED = "-t 10.78.0.200:8080";
  const desired = () => [`-A ${VSVC()} -s rr`, ...env.realServers.map((r) => `-a ${VSVC()} -r ${r.address}:80 -g -w 1`)].join("\n");
  const ssh = (cmd: string) => lab("ssh", "director", cmd);

  beforeAll(() => {
    env = labEnv();
    vip = env.vip.current;
    pool = new SshPool();
    d = labTarget(env, "director");
  });
  afterAll(async () => {
    try {
      ssh(`ipvsadm -D ${VSVC()} 2>/dev/null; ipvsadm -D ${UNMANAGED} 2>/dev/null; true`);
      await unbindVip(pool, d, { vip, iface: "eth0" });
      for (const r of env.realServers) await undoRealServer(pool, labTarget(env, r.name), { vips: [vip] });
    } finally {
      await pool.close();
    }
  });

  it("probes: ipvsadm version, IPVS available, addresses, default route, schedulers", async () => {
    const p = await probeDirector(pool, d);
    expect(p.ipvsadm).toEqual({ present: true, version: "v1.31" });
    expect(p.ipvs.available).toBe(true);
    expect(p.addresses).toContainEqual(expect.objectContaining({ ifname: "eth0", local: env.hosts.director!.address }));
    expect(p.defaultRoute?.gateway).toBe(env.hosts.director!.gateway);
    expect(p.schedulers).toEqual(expect.arrayContaining(["rr", "wlc", "sh"]));
    expect(p.save).toBe(ssh("ipvsadm -S -n"));
  });

  it("applies the tutorial's DR table in one exec, verifies it, leaves an unmanaged service alone, and the client alternates", async () => {
    ssh(`ipvsadm -D ${VSVC()} 2>/dev/null; ipvsadm -A ${UNMANAGED} -s wlc; true`);
    for (const r of env.realServers) expect((await prepareRealServer(pool, labTarget(env, r.name), { vips: [vip], port: 80 })).ready).toBe(true);
    await bindVip(pool, d, { vip, iface: "eth0" });

    const dry = await applyDirector(pool, d, saveLinesCore, desired(), { dryRun: true });
    expect(dry.steps.map((s) => s.status)).toEqual(["skipped", "skipped", "skipped"]);
    expect(ssh("ipvsadm -S -n")).not.toContain(`-A ${VSVC()}`);

    const r = await applyDirector(pool, d, saveLinesCore, desired());
    expect(r.outcome).toBe("succeeded");
    expect(r.steps.map((s) => [s.command, s.status])).toEqual([
      [`ipvsadm -A ${VSVC()} -s rr`, "succeeded"],
      ...env.realServers.map((x) => [`ipvsadm -a ${VSVC()} -r ${x.address}:80 -g -w 1`, "succeeded"]),
    ]);
    expect(r.differences).toEqual([]);
    expect(ssh("ipvsadm -S -n")).toContain(`-A ${UNMANAGED} -s wlc`);

    const again = await applyDirector(pool, d, saveLinesCore, desired());
    expect(again.steps).toEqual([]);
    expect(again.outcome).toBe("succeeded");

    execFileSync("ip", ["netns", "exec", "lvsp-client", "ip", "neigh", "flush", "all"]);
    const answers = lab("curl", "10").trim().split("\n");
    expect(answers).toHaveLength(10);
    const names = env.realServers.map((x) => x.name);
    for (let i = 0; i < answers.length; i++) {
      expect(names).toContain(answers[i]);
      if (i > 0) expect(answers[i]).not.toBe(answers[i - 1]); // rr alternates
    }
  });

  it("a step the kernel refuses is reported as the failed step, with what the kernel holds", async () => {
    // weight above INT_MAX parses in the model's token check but the tool refuses it (exit 2)
    const bad = `-A ${VSVC()} -s rr\n-a ${VSVC()} -r ${env.realServers[0]!.address}:80 -g -w 1\n-a ${VSVC()} -r 10.78.0.99:80 -g -w 99999999999`;
    const r = await applyDirector(pool, d, saveLinesCore, bad);
    expect(r.outcome).toBe("failed");
    expect(r.failedStep?.command).toContain("10.78.0.99");
    expect(r.failedStep?.exitCode).toBe(2);
    expect(r.after?.save).toBe(ssh("ipvsadm -S -n"));
  });

  it("hostile values are refused before any command", async () => {
    const p = new SshPool();
    for (const v of [";", "$(reboot)", "\n-C", "１０.0.0.1", "x".repeat(10_240)]) {
      await expect(applyDirector(p, d, saveLinesCore, `-A -t ${v}:80 -s rr`)).rejects.toBeInstanceOf(InvalidDesired);
    }
    await expect(applyDirector(p, d, saveLinesCore, `-A ${VSVC()} -s rr\n-C`)).rejects.toBeInstanceOf(InvalidDesired);
    expect(p.stats(d).connectsMade).toBe(0);
    await p.close();
  });

  it("persists what ipvsadm -S -n prints (Debian layout on the RAM-only director)", async () => {
    const auto = await persistDirector(pool, d);
    expect(auto.flavor).toBe("none");
    const deb = await persistDirector(pool, d, "debian");
    expect(deb.file).toBe("/etc/ipvsadm.rules");
    expect(deb.content).toBe(ssh("ipvsadm -S -n"));
    expect(ssh("cat /etc/ipvsadm.rules")).toBe(ssh("ipvsadm -S -n"));
    expect(ssh("cat /etc/default/ipvsadm")).toContain('AUTO="true"');
    ssh("rm -f /etc/ipvsadm.rules /etc/default/ipvsadm");
  });
});
