// Director HA on the real lab: two Debian director VMs (`lab up --directors 2`) running Debian's
// keepalived, driven by the panel. The seed's DR service applied to both; only the MASTER holds the
// VIP; a power cut of the MASTER under a client's request stream (the backup answers within
// 3 × advert_int + 1 s, a download opened before the cut completes through the backup: connection
// sync); a director that was down during an apply is kept from MASTER until it is converged; VRRP
// blocked between the directors is split brain, reported by webhook, and cleared; a planned switchover
// loses no request. Leaves the lab with one director again.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdLab, lab, type LabEnv } from "@/lab/env";
import { registeredLab } from "@/test/support/lab-cluster";
import { ClientStream } from "@/test/support/client-stream";
import { migratedDatabase } from "@/test/support/database";
import { previewKeepalived } from "@/lib/keepalived";
import { storeDocument } from "@/lib/data/cluster-document";
import { directorStates, setVrrpPriority, updateHaSettings } from "@/lib/data/ha";
import { expectedFailoverMs, type DirectorHaReading } from "@/lib/ha/model";
import { fsReader } from "@/bin/commands/fs-reader";

const KEY_SECRET = "director-ha-test-key-secret";
process.env.LVS_PANEL_KEY_SECRET = KEY_SECRET;
const SEED = path.resolve(import.meta.dirname, "../fixtures/keepalived/dr-seed.conf");
const ADVERT = 1;

let env: LabEnv;
let release: (() => void) | null = null;
let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let clusterId = "";
let user: { id: string; email: string };
const streams: ClientStream[] = [];

beforeAll(async () => {
  ({ env, release } = await holdLab("test/integration/director-ha.int.test.ts", ["director"], { waitMs: 1_200_000 }));
  await lab(["up", "--directors", "2"], { timeoutMs: 600_000 });
  env = JSON.parse(await lab(["env", "--json"])) as LabEnv;
  ctx = await migratedDatabase("lvs_director_ha");
  process.env.DATABASE_URL = ctx.url;
  const reg = await registeredLab(ctx.prisma, ctx.url);
  clusterId = reg.cluster.id;
  user = await ctx.prisma.user.create({ data: { email: "ha@example.test", name: "HA", role: "admin", passwordHash: "x" } });
}, 1_500_000);

afterAll(async () => {
  for (const s of streams) s.stop();
  try {
    for (const d of ["director", "director2"]) await lab(["ssh", d, "systemctl stop keepalived; rm -f /etc/keepalived/keepalived.conf"]).catch(() => "");
    await lab(["up"], { timeoutMs: 600_000 }).catch(() => ""); // one director again, for the files after this one
    await lab(["reset"]).catch(() => "");
  } finally {
    release?.();
    await ctx?.close();
  }
}, 900_000);

async function waitRun(id: string) {
  for (let i = 0; i < 3000; i++) {
    const r = await ctx.prisma.applyRun.findUniqueOrThrow({ where: { id }, include: { steps: { orderBy: { position: "asc" } } } });
    if (r.outcome !== "running" && r.outcome !== "planned") return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`apply ${id} still running after 300 s`);
}

async function reading(name: string): Promise<DirectorHaReading> {
  const { readHa } = await import("@/lib/director/ha");
  const { pool, targetFor } = await import("@/lib/operations/targets");
  const h = await ctx.prisma.host.findFirstOrThrow({ where: { clusterId, name } });
  return readHa(pool(), await targetFor(ctx.prisma, h), [env.vip.single], "eth0");
}

async function until(what: string, fn: () => Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

const saveOf = async (d: string) => (await lab(["ssh", d, "ipvsadm -S -n"])).trim();
const cluster = () => ctx.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } });
const url = () => `http://${env.vip.single}/`;

async function apply() {
  const { startApply } = await import("@/lib/operations/apply");
  return waitRun(await startApply(ctx.prisma, user, clusterId));
}

describe("a pair of directors under keepalived's VRRP, driven by the panel", () => {
  it("applies the seed to both directors: the same table in both kernels, the VIP only on the MASTER, traffic alternates", async () => {
    const r = previewKeepalived(SEED, fsReader);
    expect(r.ok).toBe(true);
    await storeDocument(ctx.prisma, clusterId, { ...r.document, cluster: { name: "lab" } }, user.email, "import");
    const [d1, d2] = await Promise.all(["director", "director2"].map((n) => ctx.prisma.host.findFirstOrThrow({ where: { clusterId, name: n } })));
    await setVrrpPriority(ctx.prisma, { actor: user.email, source: "ui" }, { hostId: d1!.id, vrrpPriority: 150 });
    await setVrrpPriority(ctx.prisma, { actor: user.email, source: "ui" }, { hostId: d2!.id, vrrpPriority: 100 });
    const c = await cluster();
    await updateHaSettings(ctx.prisma, { actor: user.email, source: "ui" }, { id: clusterId, version: c.version, haEnabled: true, vrrpRouterId: 78, vrrpInterface: "eth0",
      vrrpAdvertInt: ADVERT, vrrpPreempt: true, vrrpPreemptDelay: 5, vrrpUnicast: true, vrrpAuthPass: null, syncDaemon: true });
    const run = await apply();
    expect([run.outcome, run.error]).toEqual(["succeeded", null]);
    expect(new Set(run.steps.map((s) => s.hostName))).toEqual(new Set(["director", "director2"]));
    const { realServerOp } = await import("@/lib/operations/cluster");
    const prepared = await realServerOp(ctx.prisma, user.email, clusterId, "prepare");
    expect(prepared.filter((p) => p.host === "rs1" || p.host === "rs2").map((p) => p.error)).toEqual([null, null]);
    // read independently, over the lab's own SSH
    const [s1, s2] = [await saveOf("director"), await saveOf("director2")];
    expect(s1).toContain("-A -t 10.78.0.100:80 -s rr");
    expect(s2).toBe(s1);
    await until("director is MASTER with the VIP", async () => {
      const [a, b] = [await reading("director"), await reading("director2")];
      return a.vrrpState === "MASTER" && a.vipsHeld.includes(env.vip.single) && b.vrrpState === "BACKUP" && !b.vipsHeld.length;
    }, 30_000);
    const lines = (await lab(["curl", "6"])).trim().split("\n");
    expect(new Set(lines.map((l) => l.split(/\s/)[0]))).toEqual(new Set(["rs1", "rs2"]));
  });

  it("power cut of the MASTER under a request stream: the backup answers within 3 × advert_int + 1 s; a download opened before completes (sync)", async () => {
    // a 12 MB file served slowly (2 MB/s: about 6 s), opened before the cut
    for (const rs of ["rs1", "rs2"]) await lab(["exec", rs, "sh", "-c", "head -c 12000000 /dev/zero > /srv/www/big"]);
    await until("the sync daemon runs on both", async () => (await reading("director")).syncDaemon.includes("master") && (await reading("director2")).syncDaemon.includes("backup"), 20_000);
    const dl = lab(["exec", "client", "sh", "-c", `curl -s -o /dev/null -w '%{http_code} %{size_download}' --limit-rate 2M --max-time 60 http://${env.vip.single}/big`], { timeoutMs: 90_000 });
    const stream = new ClientStream(url());
    streams.push(stream);
    await stream.waitFor(10);
    await new Promise((r) => setTimeout(r, 1500)); // the download's connection is synced (sync_threshold: after 3 packets)
    const { pool, targetFor } = await import("@/lib/operations/targets");
    const d2 = await targetFor(ctx.prisma, await ctx.prisma.host.findFirstOrThrow({ where: { clusterId, name: "director2" } }));
    const holds = async () => (await pool().exec(d2, ["ip", "-4", "-o", "addr", "show", "dev", "eth0"])).stdout.includes(` ${env.vip.single}/32 `);
    expect(await holds()).toBe(false);
    const crashAt = Date.now();
    await lab(["crash", "director"]);
    const killed = Date.now(); // qemu is gone: a request started from now on cannot reach director
    await until("director2 holds the VIP", holds, 30_000);
    const vipAt = Date.now() - crashAt;
    await until("a request through the backup", async () => !!stream.firstOkAfter(killed), 30_000);
    // from the cut to the end of the first successful request started after it
    const gap = stream.firstOkAfter(killed)!.end - crashAt;
    const bound = expectedFailoverMs(ADVERT, 100) + 1000;
    console.log(`failover: director2 held the VIP ${vipAt} ms after the power cut (bound ${bound} ms; keepalived's own figure ` +
      `${expectedFailoverMs(ADVERT, 100)} ms); the first successful request ended ${gap} ms after it; ${stream.failures(crashAt).length} requests failed`);
    expect(vipAt).toBeLessThanOrEqual(bound);
    // a request sent meanwhile waits for TCP's SYN retry (1 s, then 2 s more) and curl's 2 s limit
    expect(gap).toBeLessThanOrEqual(vipAt + 3000);
    expect((await reading("director2")).vrrpState).toBe("MASTER");
    const [code, size] = (await dl).trim().split(" ");
    expect([code, size]).toEqual(["200", "12000000"]);
    stream.stop();
  }, 180_000);

  it("a director that was down during an apply is converged before it may be MASTER again", async () => {
    // the MASTER (director2) gets a change while director is down: director is behind
    const vs = await ctx.prisma.virtualService.findFirstOrThrow({ where: { clusterId }, include: { realServers: { orderBy: { address: "asc" } } } });
    await ctx.prisma.realServer.update({ where: { id: vs.realServers[1]!.id }, data: { weight: 3 } });
    const run = await apply();
    expect(run.outcome).toBe("failed");
    expect(run.error).toMatch(/^director is behind/);
    expect(await saveOf("director2")).toContain("-r 10.78.0.12:80 -g -w 3");
    expect((await directorStates(ctx.prisma, clusterId)).find((s) => s.name === "director")!.reading?.behind ?? true).toBe(true);
    // it comes back from its own disk (keepalived.conf and the old rules in it), with the higher priority
    await lab(["up", "--directors", "2"], { timeoutMs: 600_000 });
    await until("keepalived runs on director", async () => (await reading("director")).keepalived === "running", 120_000);
    // it refuses MASTER while behind: well past the preempt delay, director2 still holds the VIP
    await new Promise((r) => setTimeout(r, 8000));
    const [back, other] = [await reading("director"), await reading("director2")];
    expect(back.vrrpState).not.toBe("MASTER");
    expect(back.vipsHeld).toEqual([]);
    expect(other.vipsHeld).toEqual([env.vip.single]);
    // the worker's HA poll converges it; then, verified, it takes the VIP back (preempt after 5 s)
    const { HaPoller } = await import("@/lib/operations/ha-poll");
    const { pool } = await import("@/lib/operations/targets");
    const r = await new HaPoller(clusterId, { prisma: ctx.prisma, pool: pool(), log: () => {} }, 2000).round();
    expect(r?.converging).toEqual(["director"]);
    const conv = await ctx.prisma.applyRun.findFirstOrThrow({ where: { clusterId, actor: "director-ha" }, orderBy: { startedAt: "desc" } });
    const done = await waitRun(conv.id);
    expect([done.outcome, done.error]).toEqual(["succeeded", null]);
    expect(await saveOf("director")).toBe(await saveOf("director2"));
    await until("director is MASTER again once converged", async () => (await reading("director")).vrrpState === "MASTER", 30_000);
  }, 900_000);

  it("VRRP blocked between the directors is split brain (shown, webhook queued); unblocked, it clears", async () => {
    await ctx.prisma.webhook.upsert({ where: { name: "ha" }, create: { name: "ha", url: "http://127.0.0.1:9/hook", events: ["split-brain"] }, update: {} });
    await ctx.prisma.webhookDelivery.deleteMany({ where: { event: "split-brain" } });
    const { HaPoller } = await import("@/lib/operations/ha-poll");
    const { pool } = await import("@/lib/operations/targets");
    const poller = new HaPoller(clusterId, { prisma: ctx.prisma, pool: pool(), log: () => {} }, 2000);
    expect((await poller.round())?.splitBrain).toBeNull();
    // each director's peer at a MAC nobody has: the adverts leave and go nowhere (keepalived binds its
    // socket to eth0, so a blackhole route would not stop them); the panel still reaches both
    const peers = [["director", env.hosts.director2!.address], ["director2", env.hosts.director!.address]];
    const block = (on: boolean) => Promise.all(peers.map(([d, peer]) =>
      lab(["ssh", d!, on ? `ip neigh replace ${peer} lladdr 02:00:00:00:de:ad dev eth0 nud permanent` : `ip neigh del ${peer} dev eth0`])));
    await block(true);
    try {
      await until("both directors MASTER", async () => (await reading("director2")).vrrpState === "MASTER" && (await reading("director")).vrrpState === "MASTER", 20_000);
      const r = await poller.round();
      expect(r?.splitBrain?.vips).toEqual([{ vip: env.vip.single, holders: ["director", "director2"] }]);
      const hooks = await ctx.prisma.webhookDelivery.findMany({ where: { event: "split-brain" } });
      expect(hooks).toHaveLength(1);
    } finally {
      await block(false);
    }
    await until("one MASTER again", async () => (await reading("director2")).vrrpState === "BACKUP", 20_000);
    expect((await poller.round())?.splitBrain).toBeNull();
    const after = await ctx.prisma.webhookDelivery.findMany({ where: { event: "split-brain" }, orderBy: { createdAt: "asc" } });
    expect(after.map((h) => (h.payload as { data: { cleared: boolean } }).data.cleared)).toEqual([false, true]);
  }, 120_000);

  it("a planned switchover with `lvs failover` loses no request", async () => {
    const { handleApi } = await import("@/lib/api/routes");
    const { failoverCommand } = await import("@/bin/commands/ha");
    const { processIo } = await import("@/bin/commands/io");
    const { userWithToken } = await import("@/lib/api/testing/panel");
    const token = (await userWithToken(ctx.prisma, "ha-cli@example.test", "operator")).token;
    const deps = { env: { LVS_URL: "http://127.0.0.1", LVS_TOKEN: token, HOME: "/nonexistent" } as unknown as NodeJS.ProcessEnv,
      fetch: (async (u: string | URL | Request, init?: RequestInit) => handleApi(new Request(u, init))) as typeof fetch };
    const stream = new ClientStream(url(), { maxTimeS: 5 });
    streams.push(stream);
    await stream.waitFor(10);
    const t0 = Date.now();
    let out = "", err = "";
    const code = await failoverCommand(deps).run(["lab"], { ...processIo, out: (t: string) => void (out += t), err: (t: string) => void (err += t) });
    expect([code, err]).toEqual([0, ""]);
    const done = /switched over: director2 is MASTER \(took the VIPs from director in (\d+) ms\)/.exec(out);
    expect(done, out).not.toBeNull();
    const r = { ms: Number(done![1]) };
    await stream.waitFor(20);
    stream.stop();
    console.log(`switchover (lvs failover): ${r.ms} ms until director2 held the VIP; ${stream.results.filter((x) => x.at >= t0).length} requests during and after, ${stream.failures(t0).length} failed`);
    expect(stream.failures(t0)).toEqual([]);
    const [a, b] = [await reading("director"), await reading("director2")];
    expect([a.vrrpState, b.vrrpState, b.vipsHeld]).toEqual(["BACKUP", "MASTER", [env.vip.single]]);
  }, 180_000);
});
