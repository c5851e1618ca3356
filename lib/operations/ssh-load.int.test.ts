// SSH load from viewers, against the lab's director and rs1 (real sshd, real ipvsadm; only read, never
// changed) and real PostgreSQL, counted as commands the process's SSH pool ran on each host:
// - five live streams of one cluster with different intervals and views: one director read per cadence;
// - a reader that stops reading is dropped, the others go on;
// - simultaneous and repeated real-server probes (live view, health page, API): one per host per interval;
// - simultaneous plans and health pages: one read of the director for all of them.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, assertLabRoute, labEnv, type LabEnv } from "@/lab/env";
import { encryptSecret } from "@/lib/crypto";
import { algorithmOf, fingerprintOf, sshPool, type SshTarget } from "@/lib/ssh";
import { migratedDatabase } from "@/test/support/database";
import { sseData } from "@/test/support/sse";
import { LIVE_INTERVAL_MS, LiveHub, liveHub } from "@/lib/live/live-hub";
import { liveStream } from "@/lib/live/live-tick";
import { targetFor } from "@/lib/operations/targets";

process.env.LVS_PANEL_KEY_SECRET ??= "ssh-load-test-key-secret";

let env: LabEnv;
let release: (() => void) | null = null;
let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let clusterId = "";
let director: SshTarget;
let rs1: SshTarget;
const execs = (t: SshTarget) => sshPool().stats(t).execs;

beforeAll(async () => {
  // nothing here changes the lab, but another test's reset meanwhile would fail these reads
  release = await acquireLab({ timeoutMs: 1_200_000, owner: "lib/operations/ssh-load.int.test.ts" });
  env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  for (const h of ["director", "rs1"]) await assertLabRoute(env.hosts[h]!.address, env.managementInterface);
  ctx = await migratedDatabase("lvs_ssh_load_integrity");
  process.env.DATABASE_URL = ctx.url;
  const p = ctx.prisma;
  const k = await p.sshKey.create({ data: { name: "lab", publicKey: "ssh-ed25519 AAAA lab", privateKey: encryptSecret(fs.readFileSync(env.ssh.keyPath, "utf8")) } });
  const c = await p.cluster.create({ data: { name: "watched" } });
  clusterId = c.id;
  const host = async (name: string, role: "director" | "real_server") => {
    const h = env.hosts[name]!;
    const blob = Buffer.from(h.hostKeys.find((x) => x.startsWith("ssh-ed25519 "))!.split(" ")[1]!, "base64");
    return p.host.create({ data: { clusterId, name, address: h.address, sshPort: h.sshPort ?? 22, sshUser: env.ssh.user, role, sshKeyId: k.id,
      hostKeyFingerprint: fingerprintOf(blob), hostKeyAlgorithm: algorithmOf(blob) } });
  };
  const d = await host("director", "director");
  const r = await host("rs1", "real_server");
  // desired state only (never applied): the live view shows it as drift, which is all this needs
  const vs = await p.virtualService.create({ data: { clusterId, protocol: "tcp", address: "10.78.0.213", port: 8084, scheduler: "rr" } });
  await p.realServer.create({ data: { virtualServiceId: vs.id, hostId: r.id, address: r.address, port: 8084, forwardingMethod: "route" } });
  director = await targetFor(p, d);
  rs1 = await targetFor(p, r);
  // connections opened up front (a handshake with the emulated director is slow on a busy machine)
  await Promise.all([sshPool().connect(director), sshPool().connect(rs1)]);
}, 1_300_000);

afterAll(async () => {
  try {
    await sshPool().close();
    await ctx?.close();
  } finally {
    release?.();
  }
});

/** Reads a live stream, collecting each event's `at`, until aborted. */
function reader(query: string, ac: AbortController, hub?: LiveHub) {
  const ats: string[] = [];
  const res = liveStream(ctx.prisma, clusterId, new URLSearchParams(query), ac.signal, async () => true, hub ? { hub } : {});
  const done = (async () => {
    try {
      for await (const e of sseData<{ at: string }>(res.body!)) ats.push(e.at);
    } catch {
      /* aborted or dropped */
    }
    return ats;
  })();
  return { ats, done };
}

describe("probes and reads that viewers cause are rate-limited and coalesced", () => {
  it("real-server probes: six at once and three more right after cost rs1 one exec", async () => {
    const { realServerOp } = await import("@/lib/operations/cluster");
    const before = execs(rs1);
    const first = await Promise.all(Array.from({ length: 6 }, () => realServerOp(ctx.prisma, "viewer", clusterId, "probe")));
    for (let i = 0; i < 3; i++) await realServerOp(ctx.prisma, "viewer", clusterId, "probe");
    expect(execs(rs1) - before).toBe(1);
    expect(first.every((r) => r[0]!.report !== null && r[0]!.error === null)).toBe(true);
    expect(new Set(first.map((r) => JSON.stringify(r))).size).toBe(1);
  }, 60_000);

  it("four plans and four health pages at once: one read of the director for the plans, one for the health pages", async () => {
    const { planCluster, realServerOp } = await import("@/lib/operations/cluster");
    const { clusterHealth } = await import("@/lib/live/cluster-health");
    let before = execs(director);
    const plans = await Promise.all(Array.from({ length: 4 }, () => planCluster(ctx.prisma, clusterId)));
    expect(execs(director) - before).toBe(2); // the probe and the dry run, once
    // (other tests may be changing the shared director meanwhile: then the dry run says so in `error`)
    const dh = plans[0]![0]!;
    if (!dh.error) expect(dh.steps.map((s) => s.command)).toEqual(expect.arrayContaining([expect.stringMatching(/^ipvsadm -A -t 10\.78\.0\.213:8084 -s rr/)]));
    expect(dh.host).toBe("director");
    expect(new Set(plans.map((p) => JSON.stringify(p))).size).toBe(1);
    await realServerOp(ctx.prisma, "viewer", clusterId, "probe"); // a probe a moment ago (or the one above, if still recent)
    before = execs(director);
    const rsBefore = execs(rs1);
    const pages = await Promise.all(Array.from({ length: 4 }, () => clusterHealth(ctx.prisma, clusterId)));
    expect(execs(director) - before).toBe(2); // probe + table read, once
    expect(execs(rs1) - rsBefore).toBe(0); // the probe of a moment ago answers
    expect(pages[0]!.director.find((c) => c.name === "Director reachable")?.ok).toBe(true);
  }, 60_000);
});

describe("live streams: one shared poller per cluster", () => {
  it("five viewers asking 500 ms .. 5 s in different views cost one director read per 2 s cadence", async () => {
    const before = execs(director);
    const ac = new AbortController();
    const t0 = Date.now();
    const viewers = ["interval=500&view=list", "interval=1000&view=stats", "interval=2000&view=rate", "interval=5000&view=raw", "interval=2000"].map((q) => reader(q, ac));
    expect(liveHub().listeners(`live:${clusterId}`)).toBe(5);
    await new Promise((r) => setTimeout(r, 12_000));
    ac.abort();
    const got = await Promise.all(viewers.map((v) => v.done));
    const elapsed = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 1_500)); // a tick under way at the abort reaches its exec
    const reads = execs(director) - before;
    const ticks = liveHub().ticks.get(`live:${clusterId}`) ?? 0;
    console.log(`5 viewers, ${elapsed} ms: ${reads} director execs, ${ticks} loop ticks; events per viewer ${got.map((a) => a.length).join(", ")}`);
    expect(reads).toBe(ticks); // one exec (readDirector's one script) per tick of the ONE loop
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(Math.ceil(elapsed / LIVE_INTERVAL_MS) + 1);
    // the fast viewers got the shared reads (the same events), at the cadence, not every 500 ms
    expect(new Set(got[0]).size).toBe(got[0]!.length);
    expect(got[1]).toEqual(got[0]);
    for (const a of got) expect(a.every((at) => got[0]!.includes(at))).toBe(true);
    const gaps = got[0]!.slice(1).map((at, i) => Date.parse(at) - Date.parse(got[0]![i]!));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(LIVE_INTERVAL_MS - 100);
    // the 5 s viewer: its events ~5 s apart, never at the 2 s cadence (an event's `at` is when the
    // shared read finished, so two reads' SSH times apart: a loaded machine moves it by a second)
    const slow = got[3]!.map((at) => Date.parse(at));
    expect(slow.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < slow.length; i++) expect(slow[i]! - slow[i - 1]!).toBeGreaterThanOrEqual(4_000);
    expect(liveHub().listeners(`live:${clusterId}`)).toBe(0);
  }, 60_000);

  it("a reader that stops reading is dropped once its backlog passes the bound; a reader that reads goes on", async () => {
    const hub = new LiveHub({ intervalMs: 300 });
    const key = `live:${clusterId}`;
    const ac = new AbortController();
    const stuck = liveStream(ctx.prisma, clusterId, new URLSearchParams("interval=300&view=list"), ac.signal, async () => true, { hub, maxBacklogBytes: 8 * 1024 });
    const live = reader("interval=300&view=list", ac, hub);
    try {
      expect(hub.listeners(key)).toBe(2);
      let waited = 0;
      while (hub.listeners(key) > 1 && waited < 40_000) { await new Promise((r) => setTimeout(r, 200)); waited += 200; }
      expect(hub.listeners(key), "the stuck reader is still subscribed").toBe(1);
      const n = live.ats.length;
      for (let t = 0; t < 30 && live.ats.length <= n; t++) await new Promise((r) => setTimeout(r, 500));
      expect(live.ats.length).toBeGreaterThan(n);
      // the stuck reader's stream errored: its unread backlog is gone, not kept
      await expect(stuck.body!.getReader().read()).rejects.toThrow(/dropped/);
    } finally {
      ac.abort();
      await live.done;
    }
    expect(hub.size).toBe(0);
  }, 60_000);
});
