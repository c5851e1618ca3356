// The live table's stream on a real panel (PostgreSQL): browsers watching the same cluster share one
// read loop, whatever view and interval they ask for (lib/live/live-hub). A cluster without a director
// still ticks (its snapshot says so), which is all this needs: no lab. Each stream re-reads
// its user at every tick: a user disabled while watching gets an "ended" event and the stream closes.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { prismaFor, signIn, startPanel, type Panel } from "@/lib/api/testing/panel";
import { hashPassword } from "@/lib/passwords";
import { readLive } from "@/lib/live/live";
import { freshDatabase } from "@/test/support/database";
import { sseData } from "@/test/support/sse";
// @ts-ignore plain ESM module without type declarations
import { deploy } from "@/scripts/migrate.mjs";

const PORT = Number(process.env.LVS_LIVE_TEST_PORT ?? 3324);
let db: Awaited<ReturnType<typeof freshDatabase>>;
let panel: Panel;
let cookie: string;

beforeAll(async () => {
  db = await freshDatabase("lvs_live_stream");
  await deploy({ databaseUrl: db.url, pgliteDir: null });
  const prisma = prismaFor(db.url);
  await prisma.user.create({ data: { email: "live@example.test", name: "Live", role: "viewer", passwordHash: await hashPassword("live-stream-pass-1") } });
  await prisma.$disconnect();
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query(`INSERT INTO "Cluster"(id, name, "updatedAt") VALUES ('ls1', 'live-one', now())`);
  await c.end();
  panel = await startPanel({ databaseUrl: db.url, port: PORT });
  cookie = await signIn(panel.url, "live@example.test", "live-stream-pass-1");
});
afterAll(async () => {
  await panel?.stop();
  await db?.drop();
});

/** Opens the live stream and collects each event's `at` until `n` arrived. */
function watch(query: string, n: number) {
  const ac = new AbortController();
  const ats: string[] = [];
  const done = (async () => {
    const res = await fetch(`${panel.url}/api/clusters/ls1/live?${query}`, { headers: { cookie }, signal: ac.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    for await (const e of sseData<{ at: string }>(res.body!)) {
      ats.push(e.at);
      if (ats.length >= n) break;
    }
    ac.abort();
    return ats;
  })();
  return done;
}

it("browsers on one cluster share one loop whatever their view and interval; a short interval gets the shared cadence", async () => {
  const first = watch("interval=500&view=list", 3);
  await new Promise((r) => setTimeout(r, 700)); // the others join a running loop
  const [a, b, other] = await Promise.all([first, watch("interval=500&view=list", 2), watch("interval=1000&view=stats", 2)]);
  // the joiners' events are the loop's: their first is the last one sent, the rest are the same reads
  expect(b.every((at) => a.includes(at))).toBe(true);
  expect(other.every((at) => a.includes(at))).toBe(true);
  expect(new Set(a).size).toBe(3);
  // asked for 500 ms, served at the 2 s cadence
  for (let i = 1; i < a.length; i++) expect(Date.parse(a[i]!) - Date.parse(a[i - 1]!)).toBeGreaterThanOrEqual(1_900);
});

it("refuses a signed-out stream and an unknown cluster", async () => {
  expect((await fetch(`${panel.url}/api/clusters/ls1/live`, { redirect: "manual" })).status).toBe(401);
  expect((await fetch(`${panel.url}/api/clusters/nope/live`, { headers: { cookie } })).status).toBe(404);
});

it("a cluster without a director: the snapshot says so and the cluster rows are not loaded", async () => {
  const prisma = prismaFor(db.url);
  try {
    const { snap, cluster } = await readLive(prisma, "ls1");
    expect(snap).toMatchObject({ ok: false, error: { code: "no-director" }, rows: [], driftCount: 0, raw: "" });
    expect(cluster).toBeNull();
  } finally {
    await prisma.$disconnect();
  }
});

/**
 * Reads one SSE stream until it ends: each event's kind and when it came. `onData(n)` runs after the
 * n-th data event (the test disables the user there).
 */
async function readStream(path: string, who: string, onData: (n: number) => Promise<void>, maxMs: number) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), maxMs);
  const events: Array<{ kind: string; at: number }> = [];
  const res = await fetch(`${panel.url}${path}`, { headers: { cookie: who }, signal: ac.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) { ended = true; break; }
      buf += value;
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (!block.includes("data: ")) continue;
        const kind = /^event: (\w+)/m.exec(block)?.[1] ?? "data";
        events.push({ kind, at: Date.now() });
        if (kind === "data") await onData(events.filter((e) => e.kind === "data").length);
      }
    }
  } catch {
    /* aborted: the stream did not end by itself */
  } finally {
    clearTimeout(timer);
  }
  return { events, ended };
}

async function setDisabled(email: string, disabled: boolean) {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query(`UPDATE "User" SET disabled = $2 WHERE email = $1`, [email, disabled]);
  await c.end();
}

it("a user disabled while watching: the live stream and an apply's stream end within a tick or two", async () => {
  const prisma = prismaFor(db.url);
  try {
    await prisma.user.create({ data: { email: "leaver@example.test", name: "Leaver", role: "operator", passwordHash: await hashPassword("live-stream-pass-2") } });
    const run = await prisma.applyRun.create({ data: { clusterId: "ls1", actor: "op@example.test", desired: {}, outcome: "running" } });
    for (const [path, tickMs] of [["/api/clusters/ls1/live?interval=500&view=list", 2000 /* the shared poller's cadence (lib/live/live-hub) */], [`/api/clusters/ls1/applies/${run.id}`, 500]] as const) {
      await setDisabled("leaver@example.test", false);
      const who = await signIn(panel.url, "leaver@example.test", "live-stream-pass-2");
      let disabledAt = 0;
      const r = await readStream(path, who, async (n) => {
        if (n === 2) { await setDisabled("leaver@example.test", true); disabledAt = Date.now(); }
      }, 10_000);
      expect(disabledAt, path).toBeGreaterThan(0);
      expect(r.ended, `${path}: the stream kept running after the user was disabled`).toBe(true);
      const after = r.events.filter((e) => e.at > disabledAt);
      // at most one data event already on its way, then the "ended" event, within two ticks (+ the guard's read)
      expect(after.filter((e) => e.kind === "data").length, path).toBeLessThanOrEqual(1);
      expect(after.at(-1)?.kind, path).toBe("ended");
      expect(after.at(-1)!.at - disabledAt, path).toBeLessThan(2 * tickMs + 500);
      // the browser's reconnect is refused
      expect((await fetch(`${panel.url}${path}`, { headers: { cookie: who } })).status).toBe(401);
    }
  } finally {
    await prisma.$disconnect();
  }
});
