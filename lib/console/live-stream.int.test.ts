// The live table's stream on a real panel (PostgreSQL): browsers watching the same cluster share one
// read loop, whatever view and interval they ask for (lib/console/live-hub). A cluster without a director
// still ticks (its snapshot says so), which is all this needs: no lab.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { prismaFor, signIn, startPanel, type Panel } from "@/lib/api/testing/panel";
import { hashPassword } from "@/lib/passwords";
import { readLive } from "./live";
import { freshDatabase } from "@/test/support/database";
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
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    while (ats.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const data = buf.slice(0, i).split("\n").find((l) => l.startsWith("data: "));
        buf = buf.slice(i + 2);
        if (data) ats.push((JSON.parse(data.slice(6)) as { at: string; error: { code: string } | null }).at);
      }
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
