// Director operations on the lab's real IPVS director (qemu VM), and the tutorial's DR setup end to end.
// Holds the lab (acquireLab) from beforeAll to afterAll: other engineers' tests share it.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, lab, labEnv, type LabEnv, type LabHost } from "@/lab/env";
import { labTarget } from "@/test/support/sshd";
import { SshPool, type SshTarget } from "@/lib/ssh";
import { applyDirector, bindVip, ipvsCore, persistDirector, probeDirector, unbindVip, InvalidDesired, type IpvsCore, type DirectorDesired } from "@/lib/director";
import { prepareRealServer, undoRealServer } from "@/lib/realserver";

let env: LabEnv;
let release: (() => void) | null = null;
let pool: SshPool;
let d: SshTarget;
let vip: string;
let rss: LabHost[];
const UNMANAGED = "-t 10.78.0.200:8080";
const ssh = (cmd: string) => lab(["ssh", "director", cmd]);
const svc = (over: Record<string, unknown> = {}, dests: Array<Record<string, unknown>> = rss.map((r) => ({ address: r.address, port: 80, forward: "route", weight: 1 }))) =>
  ({ protocol: "tcp", address: vip, port: 80, scheduler: "rr", destinations: dests, ...over });

beforeAll(async () => {
  release = await acquireLab({ timeoutMs: 1_200_000, owner: "lib/director/director.int.test.ts" });
  env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  vip = env.vip.current;
  rss = env.realServers.slice(0, 2);
  pool = new SshPool();
  d = await labTarget(env, "director");
}, 1_300_000);

afterAll(async () => {
  try {
    if (pool) {
      await ssh(`ipvsadm -D -t ${vip}:80 2>/dev/null; ipvsadm -D ${UNMANAGED} 2>/dev/null; ipvsadm -D -t 10.78.0.201:80 2>/dev/null; true`);
      await unbindVip(pool, d, { vip, iface: "eth0" });
      for (const r of rss) await undoRealServer(pool, await labTarget(env, r.name), { vips: [vip] });
      await pool.close();
    }
  } finally {
    release?.();
  }
});

describe("director on the lab", () => {
  it("probes: ipvsadm version, IPVS available, addresses, default route, schedulers, the table", async () => {
    const p = await probeDirector(pool, d);
    expect(p.ipvsadm).toEqual({ present: true, version: "v1.31" });
    expect(p.ipvs.available).toBe(true);
    expect(p.addresses).toContainEqual(expect.objectContaining({ ifname: "eth0", local: env.hosts.director.address }));
    expect(p.defaultRoute?.gateway).toBe(env.hosts.director.gateway);
    expect(p.schedulers).toEqual(expect.arrayContaining(["rr", "wlc", "sh"]));
    expect(p.save).toBe(await ssh("ipvsadm -S -n"));
    expect(p.stats).toContain("Conns   InPkts  OutPkts  InBytes OutBytes");
  });

  it("applies the tutorial's DR table in one exec, verifies it, leaves an unmanaged service alone, and the client alternates", async () => {
    await ssh(`ipvsadm -D -t ${vip}:80 2>/dev/null; ipvsadm -A ${UNMANAGED} -s wlc; true`);
    for (const r of rss) expect((await prepareRealServer(pool, await labTarget(env, r.name), { vips: [vip], port: 80 })).ready).toBe(true);
    await bindVip(pool, d, { vip, iface: "eth0" });
    const desired = { services: [svc()] };

    const dry = await applyDirector(pool, d, ipvsCore, desired, { dryRun: true });
    expect(dry.steps.map((s) => s.status)).toEqual(["skipped", "skipped", "skipped"]);
    expect(await ssh("ipvsadm -S -n")).not.toContain(`-A -t ${vip}:80`);

    const progress: string[] = [];
    const r = await applyDirector(pool, d, ipvsCore, desired, { onProgress: (e) => void (e.kind === "read" ? progress.push(`read ${e.steps}`) : e.status !== "running" && progress.push(`${e.position} ${e.status}`)) });
    expect(r.outcome).toBe("succeeded");
    expect(r.steps.map((s) => [s.command, s.status])).toEqual([
      [`ipvsadm -A -t ${vip}:80 -s rr`, "succeeded"],
      ...rss.map((x) => [`ipvsadm -a -t ${vip}:80 -r ${x.address}:80 -g -w 1`, "succeeded"]),
    ]);
    expect(progress).toEqual(["read 3", "0 succeeded", "1 succeeded", "2 succeeded"]);
    expect(r.differences).toEqual([]);
    expect(r.after?.save).toBe(await ssh("ipvsadm -S -n"));
    expect(await ssh("ipvsadm -S -n")).toContain(`-A ${UNMANAGED} -s wlc`);

    const again = await applyDirector(pool, d, ipvsCore, desired);
    expect(again.steps).toEqual([]);
    expect(again.outcome).toBe("succeeded");

    execFileSync("ip", ["netns", "exec", "lvsp-client", "ip", "neigh", "flush", "all"]);
    const answers = (await lab(["curl", "10"])).trim().split("\n");
    expect(answers).toHaveLength(10);
    const names = rss.map((x) => x.name);
    for (let i = 0; i < answers.length; i++) {
      expect(names).toContain(answers[i]);
      if (i > 0) expect(answers[i]).not.toBe(answers[i - 1]); // rr alternates
    }
  });

  it("thresholds (lost by -S) are read with -Ln --thresholds: a hand-made change is drift, re-applied", async () => {
    const dests = rss.map((r, i) => ({ address: r.address, port: 80, forward: "route", weight: 1, ...(i === 0 ? { upperThreshold: 40, lowerThreshold: 30 } : {}) }));
    const desired = { services: [svc({}, dests)] };
    const r = await applyDirector(pool, d, ipvsCore, desired);
    expect(r.outcome).toBe("succeeded");
    expect(r.steps.map((s) => s.command)).toEqual([`ipvsadm -e -t ${vip}:80 -r ${rss[0]!.address}:80 -g -w 1 -x 40 -y 30`]);
    await ssh(`ipvsadm -e -t ${vip}:80 -r ${rss[0]!.address}:80 -g -w 1 -x 50 -y 30`);
    const dry = await applyDirector(pool, d, ipvsCore, desired, { dryRun: true });
    expect(dry.steps.map((s) => s.command)).toEqual([`ipvsadm -e -t ${vip}:80 -r ${rss[0]!.address}:80 -g -w 1 -x 40 -y 30`]);
    expect(ipvsCore.verify(ipvsCore.validate(desired), dry.before!)).toEqual([`service TCP ${vip}:80: real server ${rss[0]!.address}:80: upperThreshold differ`]);
    expect((await applyDirector(pool, d, ipvsCore, desired)).outcome).toBe("succeeded");
    expect(await ssh(`ipvsadm -Ln --thresholds -t ${vip}:80`)).toMatch(new RegExp(`${rss[0]!.address.replace(/\./g, "\\.")}:80\\s+40\\s+30`));
  });

  it("graceful removal drains first (weight 0), deletes once ActiveConn is 0", async () => {
    expect((await applyDirector(pool, d, ipvsCore, { services: [svc()] })).outcome).toBe("succeeded");
    const desired = { table: { services: [svc({}, [{ address: rss[0]!.address, port: 80, forward: "route", weight: 1 }])] }, graceful: true };
    const first = await applyDirector(pool, d, ipvsCore, desired);
    expect(first.steps.map((s) => s.command)).toEqual([`ipvsadm -e -t ${vip}:80 -r ${rss[1]!.address}:80 -g -w 0`]);
    expect(first.outcome).toBe("succeeded");
    expect(first.notes).toEqual([expect.stringContaining(`apply again: ipvsadm -d -t ${vip}:80 -r ${rss[1]!.address}:80 (`)]);
    const second = await applyDirector(pool, d, ipvsCore, desired);
    expect(second.steps.map((s) => s.command)).toEqual([`ipvsadm -d -t ${vip}:80 -r ${rss[1]!.address}:80`]);
    expect(second.notes).toEqual([]);
    expect(await ssh("ipvsadm -S -n")).not.toContain(`${rss[1]!.address}:80`);
    expect((await applyDirector(pool, d, ipvsCore, { services: [svc()] })).outcome).toBe("succeeded");
  });

  it("an existing service the panel does not own is a conflict unless adopted; prune removes unowned ones", async () => {
    await ssh(`ipvsadm -A -t 10.78.0.201:80 -s wlc`);
    const other = { protocol: "tcp", address: "10.78.0.201", port: 80, scheduler: "rr", destinations: [] };
    const desired = { table: { services: [svc(), other] }, owned: [`TCP ${vip}:80`] };
    const r = await applyDirector(pool, d, ipvsCore, desired);
    expect(r.steps).toEqual([]);
    expect(r.outcome).toBe("verify_failed");
    expect(r.differences).toEqual(["TCP 10.78.0.201:80 exists but was not created by the panel: adopt it to manage it"]);
    const adopted = await applyDirector(pool, d, ipvsCore, { ...desired, adopt: true });
    expect(adopted.steps.map((s) => s.command)).toEqual(["ipvsadm -E -t 10.78.0.201:80 -s rr"]);
    expect(adopted.outcome).toBe("succeeded");
    const dryPrune = await applyDirector(pool, d, ipvsCore, { table: { services: [svc()] }, prune: true }, { dryRun: true });
    expect(dryPrune.steps.map((s) => s.command).sort()).toEqual([`ipvsadm -D ${UNMANAGED}`, "ipvsadm -D -t 10.78.0.201:80"].sort());
    await ssh("ipvsadm -D -t 10.78.0.201:80");
  });

  it("a step the kernel refuses is reported as the failed step, later steps are not run, and the re-read says what the kernel holds", async () => {
    // A core that plans ipvsCore's steps and then one the kernel refuses (a real server for a service that is not there).
    const refusing: IpvsCore<DirectorDesired> = {
      ...ipvsCore,
      plan: (x, a) => [
        ...ipvsCore.plan(x, a),
        { argv: ["-a", "-t", "10.78.0.202:80", "-r", "10.78.0.11:80", "-g", "-w", "1"], text: "ipvsadm -a -t 10.78.0.202:80 -r 10.78.0.11:80 -g -w 1", disruptive: false },
        { argv: ["-A", "-t", "10.78.0.203:80", "-s", "rr"], text: "ipvsadm -A -t 10.78.0.203:80 -s rr", disruptive: false },
      ],
    };
    const desired = { services: [svc({ scheduler: "wlc" })] };
    const r = await applyDirector(pool, d, refusing, desired);
    expect(r.outcome).toBe("failed");
    expect(r.steps.map((s) => s.status)).toEqual(["succeeded", "failed", "skipped"]);
    expect(r.failedStep?.command).toContain("10.78.0.202");
    expect(r.failedStep?.exitCode).not.toBe(0);
    expect(r.failedStep?.output).toMatch(/Service not defined|No such service/);
    expect(r.after?.save).toBe(await ssh("ipvsadm -S -n"));
    expect(r.after?.save).toContain(`-A -t ${vip}:80 -s wlc`);
    expect(r.after?.save).not.toContain("10.78.0.203");
    expect((await applyDirector(pool, d, ipvsCore, { services: [svc()] })).outcome).toBe("succeeded");
  });

  it("hostile values are refused before any command", async () => {
    const p = new SshPool();
    for (const v of [";", "$(reboot)", "10.78.0.100\n-C", "１０.0.0.1", "x".repeat(10_240)]) {
      await expect(applyDirector(p, d, ipvsCore, { services: [svc({ address: v })] })).rejects.toBeInstanceOf(InvalidDesired);
      await expect(applyDirector(p, d, ipvsCore, { services: [svc({ scheduler: v })] })).rejects.toBeInstanceOf(InvalidDesired);
      await expect(applyDirector(p, d, ipvsCore, { services: [svc({}, [{ address: rss[0]!.address, port: 80, weight: v }])] })).rejects.toBeInstanceOf(InvalidDesired);
      await expect(applyDirector(p, d, ipvsCore, { table: { services: [svc()] }, owned: [v] })).rejects.toBeInstanceOf(InvalidDesired);
    }
    await expect(applyDirector(p, d, ipvsCore, { table: { services: [svc()] }, extra: "-C" })).rejects.toBeInstanceOf(InvalidDesired);
    await expect(applyDirector(p, d, ipvsCore, "-A -t 10.78.0.100:80 -s rr")).rejects.toBeInstanceOf(InvalidDesired);
    expect(p.stats(d).connectsMade).toBe(0);
    await p.close();
  });

  it("persists what ipvsadm -S -n prints, the distribution's way (Debian director; the RAM-only one keeps nothing)", async () => {
    const auto = await persistDirector(pool, d);
    expect(auto.flavor).toBe(env.directorKind === "debian" ? "debian" : "none");
    const deb = await persistDirector(pool, d, "debian");
    expect(deb.file).toBe("/etc/ipvsadm.rules");
    expect(deb.content).toBe(await ssh("ipvsadm -S -n"));
    expect(await ssh("cat /etc/ipvsadm.rules")).toBe(await ssh("ipvsadm -S -n"));
    expect(await ssh("cat /etc/default/ipvsadm")).toContain('AUTO="true"');
    // back to what the director shipped with (the lab keeps Debian's /etc/default/ipvsadm)
    await ssh("rm -f /etc/ipvsadm.rules; if [ -f /usr/local/lib/lvsp-lab/default-ipvsadm ]; then cp /usr/local/lib/lvsp-lab/default-ipvsadm /etc/default/ipvsadm; else rm -f /etc/default/ipvsadm; fi");
  });
});
