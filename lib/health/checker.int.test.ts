// The health checker for real: (1) the round script under dash, over SSH on the lab's `sorry` host
// (a namespace running this machine's Debian /bin/sh, dash), checking rs1 on the same subnet, with rs1's
// httpd stopped and started; the other director scripts where they run there. (2) On the real lab
// director with real PostgreSQL: a checker broken on the director (a read-only /tmp, then a "prohibit"
// route to every real server) is a CHECKER FAULT: event, webhook row, no weight changed; the same setup
// quiesces a real server whose httpd is stopped, so the unchanged weights are the guard's doing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, assertLabRoute, lab, labEnv, type LabEnv } from "@/lab/env";
import { desiredCore, loadDesired } from "@/lib/desired/desired";
import { applyDirector, bindVip, probeDirector, unbindVip } from "@/lib/director";
import { targetFromHost } from "@/lib/host-target";
import { prepareRealServer } from "@/lib/realserver";
import { SshPool, type SshTarget } from "@/lib/ssh";
import { kernelWeights } from "@/test/support/kernel-weights";
import { registeredLab } from "@/test/support/lab-cluster";
import { labTarget } from "@/test/support/sshd";
import { migratedDatabase } from "@/test/support/database";
import { effectiveCheck, type CheckSpec } from "./config";
import { classifyRound } from "./fault";
import { ClusterChecker } from "./runner";
import { checkScript, nonce, parseRound } from "./script";

let release: () => void = () => {};
const HIDE = 'for p in curl wget; do f=$(command -v "$p") && mv "$f" "$f.lvsp-hidden"; done; echo hidden';
const UNHIDE = 'for f in /usr/bin/*.lvsp-hidden /bin/*.lvsp-hidden; do [ -e "$f" ] && mv "$f" "${f%.lvsp-hidden}"; done; true';
let env: LabEnv;
const pool = new SshPool();
const row = { enabled: true, kind: "http" as const, port: null, path: "/health", hostHeader: null, expectStatus: "200-399", bodyContains: "ok", intervalMs: 1000, timeoutMs: 800, rise: 1, fall: 1, runFrom: "director" as const, onFail: "quiesce" as const, quorum: 1 };

beforeAll(async () => {
  release = await acquireLab({ owner: "lib/health/checker.int.test.ts", timeoutMs: 1_200_000 });
  env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  await lab(["reset"]);
}, 1_300_000);

afterAll(async () => {
  try {
    if (env?.up) {
      await lab(["http", "rs1", "start"]);
      await lab(["reset"]);
    }
  } finally {
    await pool.close();
    release();
  }
}, 120_000);

describe("the round script under dash on a real sshd host (sorry checks rs1)", () => {
  let sorry: SshTarget;
  let specs: CheckSpec[];
  const runRound = async () => {
    const n = nonce();
    const r = await pool.script(sorry, checkScript(n, specs, { poll: false, table: false }), [], { okExitCodes: "any" });
    const out = parseRound(r.stdout, n, specs);
    expect(out.complete).toBe(true);
    return out;
  };

  beforeAll(async () => {
    sorry = await labTarget(env, "sorry");
    const rs1 = env.hosts.rs1!;
    await assertLabRoute(rs1.address);
    specs = [
      effectiveCheck(row, { id: "http4", address: rs1.address, port: 80 })!,
      effectiveCheck({ ...row, kind: "tcp" }, { id: "tcp4", address: rs1.address, port: 80 })!,
      effectiveCheck(row, { id: "http6", address: rs1.address6!, port: 80 })!,
    ];
  });

  it("the host's /bin/sh is dash, which rejects what the old round script was made of", async () => {
    expect((await pool.exec(sorry, ["readlink", "-f", "/bin/sh"])).stdout.trim()).toBe("/usr/bin/dash");
    const old = await pool.script(sorry, 't0=${EPOCHREALTIME/./}; echo "$t0"', [], { okExitCodes: "any" });
    expect(old.exitCode).not.toBe(0);
    expect(old.stderr).toMatch(/Bad substitution/);
  });

  it("rs1 up: every check passes; httpd stopped: every check fails as the server's failure; started: passes again", async () => {
    const up = await runRound();
    expect(up.results.map((r) => [r.id, r.ok, r.message])).toEqual([["http4", true, "HTTP 200"], ["tcp4", true, "connected"], ["http6", true, "HTTP 200"]]);
    expect(up.results.every((r) => r.latencyMs !== null && r.latencyMs >= 0 && r.latencyMs < 800)).toBe(true);

    await lab(["http", "rs1", "stop"]);
    const down = await runRound();
    expect(down.results.map((r) => [r.id, r.ok, r.message])).toEqual([["http4", false, "connection refused"], ["tcp4", false, "connection refused"], ["http6", false, "connection refused"]]);
    expect(down.results.some((r) => r.fault || r.local)).toBe(false);
    expect(classifyRound(specs.map((s) => ({ spec: s, vsId: "web" })), down.results).faults).toEqual([]);

    await lab(["http", "rs1", "start"]);
    expect((await runRound()).results.every((r) => r.ok)).toBe(true);
  });

  it("a server that never answers is a timeout (the watchdog's), not a checker fault", async () => {
    // 10.78.0.77: on the server subnet, nobody holds it (ARP fails: the kernel's "No route to host" or a timeout)
    const ghost = [effectiveCheck({ ...row, kind: "tcp", timeoutMs: 500 }, { id: "ghost", address: "10.78.0.77", port: 80 })!];
    await assertLabRoute("10.78.0.77");
    const n = nonce();
    const r = await pool.script(sorry, checkScript(n, ghost, { poll: false, table: false }), [], { okExitCodes: "any" });
    const out = parseRound(r.stdout, n, ghost);
    expect(out.results[0]!.ok).toBe(false);
    expect(out.results[0]!.message).toMatch(/^(timeout after 500 ms|no route to host)$/);
    expect(out.results[0]!.fault).toBeUndefined();
  });

  it("the director probe and the VIP scripts run to the end under dash", async () => {
    const p = await probeDirector(pool, sorry); // throws when the script does not reach its end
    expect(p.os.id).toBe("debian");
    expect(p.addresses.some((a) => a.local === env.hosts.sorry!.address)).toBe(true);
    const vip = { vip: "10.78.0.199", iface: "lo" };
    await assertLabRoute(vip.vip);
    expect(await bindVip(pool, sorry, vip)).toEqual({ changed: true });
    expect(await bindVip(pool, sorry, vip)).toEqual({ changed: false });
    expect(await unbindVip(pool, sorry, vip)).toEqual({ changed: true });
    expect(await unbindVip(pool, sorry, vip)).toEqual({ changed: false });
  });
});

describe("a broken checker on the real lab director changes no weight", () => {
  let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
  let director: SshTarget;
  let checker: ClusterChecker;
  let clusterId: string;
  let vsId: string;
  let vip: string;
  const logs: string[] = [];
  const onDirector = (cmd: string) => pool.exec(director, ["sh", "-c", cmd], { okExitCodes: "any" });
  const weights = () => kernelWeights(pool, director, vip);
  const rsAddr = (i: number) => env.realServers[i]!.address;
  const statuses = async () => (await ctx.prisma.healthState.findMany({ orderBy: { realServerId: "asc" } })).map((s) => s.status);
  const events = async (kind: string) => ctx.prisma.healthEvent.findMany({ where: { clusterId, kind }, orderBy: { createdAt: "asc" } });

  beforeAll(async () => {
    await lab(["reset"]);
    vip = env.vip.current;
    for (const h of [env.hosts.director!, env.realServers[0]!, env.realServers[1]!]) await assertLabRoute(h.address);
    ctx = await migratedDatabase("lvs_hostscripts");
    const p = ctx.prisma;
    const { cluster, host, director: d } = await registeredLab(p, ctx.url);
    clusterId = cluster.id;
    director = d;
    const vs = await p.virtualService.create({ data: { clusterId, protocol: "tcp", address: vip, port: 80, scheduler: "rr" } });
    vsId = vs.id;
    for (const i of [0, 1]) await p.realServer.create({ data: { virtualServiceId: vs.id, hostId: host(env.realServers[i]!.name).id, address: rsAddr(i), port: 80, weight: 3, forwardingMethod: "route" } });
    // fall 1: ONE failing round would quiesce a server, so one faulty round that counted would show
    await p.healthCheck.create({ data: { virtualServiceId: vs.id, kind: "http", path: "/health", bodyContains: "ok", intervalMs: 1000, timeoutMs: 800, rise: 1, fall: 1 } });
    await p.webhook.create({ data: { name: "outbox only", url: "http://127.0.0.1:9/hook", events: ["health.transition"] } });
    for (const i of [0, 1]) expect((await prepareRealServer(pool, targetFromHost(host(env.realServers[i]!.name)), { vips: [vip], port: 80 })).ready).toBe(true);
    await bindVip(pool, director, { vip, iface: "eth0" });
    const desired = await loadDesired(p, clusterId);
    expect((await applyDirector(pool, director, desiredCore, { table: desired.table, remove: desired.remove })).outcome).toBe("succeeded");
    checker = new ClusterChecker(clusterId, { prisma: p, pool, fence: async () => true, log: (m, x) => logs.push(`${m} ${JSON.stringify(x)}`) }, { pollMs: 0, reachabilityMs: 3_600_000 });
  }, 300_000);

  afterAll(async () => {
    if (director) {
      await onDirector(UNHIDE);
      await onDirector("umount /tmp 2>/dev/null; ip route del prohibit 10.78.0.11/32 2>/dev/null; ip route del prohibit 10.78.0.12/32 2>/dev/null; true");
    }
    await ctx?.close();
  }, 60_000);

  let at = Date.now();
  const round = async () => {
    at += 2000; // every check due
    const r = await checker.round(at);
    if (!r) throw new Error("no round ran");
    return r;
  };

  it("the lab director is the Debian VM (dash, Debian's ipvsadm) unless LVSP_LAB_DIRECTOR=initramfs", async () => {
    const sh = (await onDirector("readlink -f /bin/sh; dpkg-query -W -f '${Version}' ipvsadm 2>/dev/null")).stdout;
    if (env.directorKind === "debian") expect(sh).toMatch(/^\/usr\/bin\/dash\n1:1\.31/);
    else expect(env.directorKind).toBe("initramfs");
  });

  it("healthy: both up at weight 3", async () => {
    const r = await round();
    expect(r.results.map((x) => x.ok)).toEqual([true, true]);
    expect(await statuses()).toEqual(["up", "up"]);
    expect(await weights()).toEqual(new Map([[rsAddr(0), 3], [rsAddr(1), 3]]));
  });

  it("/tmp read-only on the director: CHECKER FAULT, said once, no weight and no state changed", async () => {
    expect((await onDirector("mount -t tmpfs -o ro,size=64k lvsp-hc-test /tmp && echo mounted")).stdout).toContain("mounted");
    const first = await round();
    expect(first.faults).toEqual([expect.objectContaining({ vsId, checks: 2, reason: expect.stringMatching(/^cannot make a temporary directory on the director/) })]);
    for (let i = 0; i < 3; i++) expect((await round()).faults).toHaveLength(1);
    expect(await weights()).toEqual(new Map([[rsAddr(0), 3], [rsAddr(1), 3]]));
    expect(await statuses()).toEqual(["up", "up"]);
    expect(await ctx.prisma.applyRun.count({ where: { actor: "health-checker" } })).toBe(0);
    const faults = await events("checker.fault");
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ virtualServiceId: vsId, subject: `TCP ${vip}:80` });
    const states = await ctx.prisma.healthState.findMany();
    expect(states.every((s) => s.lastMessage.startsWith("checker fault: cannot make a temporary directory"))).toBe(true);
    const hooks = await ctx.prisma.webhookDelivery.findMany({ where: { event: "health.transition" } });
    expect(hooks.map((h) => (h.payload as { summary: string }).summary)).toEqual([expect.stringMatching(/^CHECKER FAULT on director for TCP .*: cannot make a temporary directory.*no weight is changed/)]);
    expect(logs.filter((l) => l.startsWith("CHECKER FAULT"))).toHaveLength(1);
  });

  it("/tmp back: the checker works again (checker.ok), both still up", async () => {
    await onDirector("umount /tmp");
    const r = await round();
    expect(r.faults).toEqual([]);
    expect(r.results.map((x) => x.ok)).toEqual([true, true]);
    expect(await events("checker.ok")).toHaveLength(1);
    expect(await statuses()).toEqual(["up", "up"]);
  });

  it("every real server behind a 'prohibit' route on the director (a local errno): CHECKER FAULT, no weight changed", async () => {
    await onDirector(`ip route add prohibit ${rsAddr(0)}/32 && ip route add prohibit ${rsAddr(1)}/32`);
    try {
      const r = await round();
      expect(r.results.map((x) => x.local)).toEqual(["the director cannot connect: Permission denied", "the director cannot connect: Permission denied"]);
      expect(r.faults).toHaveLength(1);
      expect((await round()).faults).toHaveLength(1);
      expect(await weights()).toEqual(new Map([[rsAddr(0), 3], [rsAddr(1), 3]]));
      expect(await statuses()).toEqual(["up", "up"]);
      expect(await events("checker.fault")).toHaveLength(2);
    } finally {
      await onDirector(`ip route del prohibit ${rsAddr(0)}/32; ip route del prohibit ${rsAddr(1)}/32`);
    }
  });

  it("an HTTPS check on a director with neither curl nor wget: CHECKER FAULT, no weight changed", async () => {
    // take curl and wget away (renamed, put back below): "not found", as on a host without them
    // (a non-executable file in their place is not "absent": bash's command -v still finds it)
    expect((await onDirector(HIDE)).stdout).toContain("hidden");
    expect((await onDirector("command -v curl || command -v wget || echo none")).stdout).toBe("none\n");
    await ctx.prisma.healthCheck.updateMany({ where: { virtualServiceId: vsId }, data: { kind: "https", port: 443 } });
    try {
      const r = await round();
      expect(r.faults).toEqual([expect.objectContaining({ vsId, reason: expect.stringMatching(/HTTPS checks need curl or wget on the director/) })]);
      expect(await weights()).toEqual(new Map([[rsAddr(0), 3], [rsAddr(1), 3]]));
      expect(await statuses()).toEqual(["up", "up"]);
    } finally {
      await ctx.prisma.healthCheck.updateMany({ where: { virtualServiceId: vsId }, data: { kind: "http", port: null } });
      await onDirector(UNHIDE);
    }
    expect((await round()).faults).toEqual([]);
  });

  it("the same checker quiesces a real server that really fails, and restores it", async () => {
    expect((await round()).faults).toEqual([]);
    await lab(["http", env.realServers[0]!.name, "stop"]);
    const r = await round();
    expect(r.results.find((x) => !x.ok)?.message).toBe("connection refused");
    expect(await weights()).toEqual(new Map([[rsAddr(0), 0], [rsAddr(1), 3]]));
    await lab(["http", env.realServers[0]!.name, "start"]);
    await round();
    expect(await weights()).toEqual(new Map([[rsAddr(0), 3], [rsAddr(1), 3]]));
  });
});
