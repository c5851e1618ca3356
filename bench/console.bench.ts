// `npx tsx bench/console.bench.ts`: the operator's console under load (issue 6), on a production build
// served by scripts/serve.ts (scripts/next-server.ts with lib/view-cache, + the worker) on a fresh PostgreSQL database holding 200
// clusters, 2,000 virtual services and 20,000 real servers. One browser-like session (next-auth login
// once), then autocannon with 20 concurrent clients, in the same run, on:
//   - the clusters overview (/clusters),
//   - one cluster page (/clusters/<id>: services, real servers, hosts),
//   - a static file of the same server (/favicon.svg),
// printing p50 / p95 / req/s and the p95 ratios against the static file (goal: within 3×); then the
// first view of each page after a change (rendered again: lib/view-cache), and both pages under the same
// load while one cluster changes every second.
// Env: BENCH_PORT (3341), BENCH_SECONDS (15 per target), LVS_API_TEST_TREE (a checkout to build and
// serve instead of this one, so a build does not race other people's edits in a shared tree).
// Then, when the lab is up (BENCH_LIVE=0 skips it): the live view's delay from a kernel change to the
// SSE stream showing it, with BENCH_LIVE_SERVICES (1,000) services loaded on the lab director
// (`ipvsadm -R`), the stream at its 1 s interval in the default view and in the stats view; `ipvsadm -e`
// changes one weight, BENCH_LIVE_N (10) times per view.
import { execFile } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { acquireLab, assertLabRoute, lab, labEnv } from "../lab/env";
import { prismaFor, signIn, startPanel } from "../lib/api/testing/panel";
import { hashPassword } from "../lib/passwords";
import { freshDatabase } from "../test/support/database";
import { sseData } from "../test/support/sse";
// @ts-ignore plain ESM module without type declarations
import { deploy } from "../scripts/migrate.mjs";

const PORT = Number(process.env.BENCH_PORT ?? 3341);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = 20;
const CLUSTERS = 200, SERVICES_PER = 10, RS_PER = 10;
const EMAIL = "bench-admin@example.test", PASSWORD = "bench-password-123";
const LIVE_SERVICES = Number(process.env.BENCH_LIVE_SERVICES ?? 1000);
const LIVE_N = Number(process.env.BENCH_LIVE_N ?? 10);
const repo = path.resolve(import.meta.dirname, "..");

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Seeds with set-based SQL (seconds, not minutes): ids are readable, every VIP and RIP distinct. */
async function seed(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = performance.now();
  await c.query("BEGIN");
  await c.query(`INSERT INTO "Cluster"(id, name, description, "updatedAt")
    SELECT 'bc' || i, 'bench-' || lpad(i::text, 3, '0'), 'benchmark cluster ' || i, now() FROM generate_series(1, $1::int) i`, [CLUSTERS]);
  await c.query(`INSERT INTO "Host"(id, "clusterId", name, address, role, "updatedAt")
    SELECT 'bh' || i, 'bc' || i, 'director', '10.250.' || i || '.2', 'director', now() FROM generate_series(1, $1::int) i`, [CLUSTERS]);
  await c.query(`INSERT INTO "Host"(id, "clusterId", name, address, role, "updatedAt")
    SELECT 'bh' || i || '_' || r, 'bc' || i, 'rs' || r, '10.2.' || i || '.' || (200 + r), 'real_server', now() FROM generate_series(1, $1::int) i, generate_series(1, $2::int) r`, [CLUSTERS, RS_PER]);
  await c.query(`INSERT INTO "VirtualService"(id, "clusterId", protocol, address, port, family, scheduler, "updatedAt")
    SELECT 'bv' || i || '_' || v, 'bc' || i, 'tcp', '10.1.' || i || '.' || v, 80, 'inet', 'wlc', now() FROM generate_series(1, $1::int) i, generate_series(1, $2::int) v`, [CLUSTERS, SERVICES_PER]);
  await c.query(`INSERT INTO "RealServer"(id, "virtualServiceId", "hostId", address, port, weight, "updatedAt")
    SELECT 'br' || i || '_' || v || '_' || r, 'bv' || i || '_' || v, 'bh' || i || '_' || r, '10.2.' || i || '.' || (200 + r), 80, r, now()
    FROM generate_series(1, $1::int) i, generate_series(1, $2::int) v, generate_series(1, $3::int) r`, [CLUSTERS, SERVICES_PER, RS_PER]);
  await c.query(`INSERT INTO "ApplyRun"(id, "clusterId", actor, desired, outcome, "startedAt", "finishedAt")
    SELECT 'ba' || i || '_' || k, 'bc' || i, 'bench@example.test', '{}'::jsonb, 'succeeded', now() - (k || ' hours')::interval, now() - (k || ' hours')::interval
    FROM generate_series(1, $1::int) i, generate_series(1, 5) k`, [CLUSTERS]);
  await c.query("COMMIT");
  await c.query("ANALYZE");
  const counts = await c.query(`SELECT (SELECT count(*) FROM "Cluster") AS clusters, (SELECT count(*) FROM "VirtualService") AS services, (SELECT count(*) FROM "RealServer") AS real_servers`);
  await c.end();
  return { ms: Math.round(performance.now() - t0), ...counts.rows[0] };
}

/** next-auth credentials login (lib/api/testing/panel.ts), checked against the overview. */
async function login(base: string): Promise<string> {
  const cookie = await signIn(base, EMAIL, PASSWORD);
  const check = await fetch(`${base}/clusters`, { headers: { cookie }, redirect: "manual" });
  if (check.status !== 200) throw new Error(`the session does not open /clusters: HTTP ${check.status}`);
  return cookie;
}

interface Figures { name: string; path: string; requests: number; rps: number; p50: number; p95: number; p99: number; errors: number; non2xx: number; bytes: number }

function measure(base: string, name: string, path: string, cookie: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    let bytes = 0;
    const inst = autocannon({ url: `${base}${path}`, connections: CONNECTIONS, duration: SECONDS, headers: { cookie } }, (err, res) => {
      if (err) return reject(err);
      times.sort((a, b) => a - b);
      resolve({ name, path, requests: times.length, rps: Math.round((times.length / res.duration) * 10) / 10, p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), errors: res.errors, non2xx: res.non2xx, bytes: Math.round(bytes / Math.max(1, times.length)) });
    }) as { on(ev: "response", fn: (client: unknown, status: number, resBytes: number, ms: number) => void): void };
    inst.on("response", (_c, _s, resBytes, ms) => {
      times.push(ms);
      bytes += resBytes;
    });
  });
}

/**
 * Kernel change → SSE: the lab registered as cluster "lab", LIVE_SERVICES services put on its director
 * with one `ipvsadm -R`, the live stream opened (interval 1 s), then `ipvsadm -e` on one real server's
 * weight; the delay is from the moment the ssh command returned to the first event carrying the weight.
 */
async function liveDelay(base: string, dbUrl: string, cookie: string) {
  const env = await labEnv();
  if (!env.up) throw new Error("the lab is down");
  await assertLabRoute(env.hosts.director!.address, env.managementInterface);
  const release = await acquireLab({ owner: "bench/console.bench.ts", timeoutMs: 900_000 });
  try {
    await lab(["reset"]);
    await new Promise<void>((resolve, reject) => execFile(process.execPath, ["--import", "tsx", "lab/register.ts"], { cwd: repo, env: { ...process.env, DATABASE_URL: dbUrl, LVS_PANEL_KEY_SECRET: "api-test-key-secret" } },
      (e, _o, stderr) => (e ? reject(new Error(stderr)) : resolve())));
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    const id = (await c.query(`SELECT id FROM "Cluster" WHERE name = 'lab'`)).rows[0].id as string;
    await c.end();
    const lines: string[] = [];
    for (let i = 0; i < LIVE_SERVICES; i++) {
      const vip = `10.79.${Math.floor(i / 250)}.${(i % 250) + 1}:80`;
      lines.push(`-A -t ${vip} -s wlc`, `-a -t ${vip} -r ${env.hosts.rs1!.address}:80 -g -w 1`);
    }
    await lab(["ssh", "director", `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(" ")} | ipvsadm -R && ipvsadm -Ln | grep -c TCP`], { timeoutMs: 120_000 });
    const target = `TCP 10.79.0.1:80 -> ${env.hosts.rs1!.address}:80`;
    // the browser's default view (connections: -Ln, -S and --thresholds), then the stats view (+ --stats)
    let w = 1;
    for (const [view, listings] of [["list", 3], ["stats", 4]] as const) {
    const ac = new AbortController();
    const res = await fetch(`${base}/api/clusters/${id}/live?interval=1000&view=${view}`, { headers: { cookie }, signal: ac.signal });
    if (!res.ok || !res.body) throw new Error(`live stream: HTTP ${res.status}`);
    const readings: Array<{ at: number; weight: number | null; ms: number }> = [];
    const pump = (async () => {
      for await (const snap of sseData<{ rows?: Array<{ key: string; weight?: number | null }>; durationMs?: number }>(res.body!)) {
        const row = snap.rows?.find((r) => r.key === target);
        readings.push({ at: performance.now(), weight: row?.weight ?? null, ms: snap.durationMs ?? 0 });
      }
    })().catch(() => undefined);
    const until = async (pred: () => boolean, ms: number) => {
      const end = performance.now() + ms;
      while (!pred()) {
        if (performance.now() > end) throw new Error("timed out waiting for the stream");
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const first = w;
    await until(() => readings.some((r) => r.weight === first), 60_000);
    const delays: number[] = [];
    for (let n = 0; n < LIVE_N; n++) {
      w++;
      await lab(["ssh", "director", `ipvsadm -e -t 10.79.0.1:80 -r ${env.hosts.rs1!.address}:80 -g -w ${w}`]);
      const t = performance.now();
      const want = w;
      await until(() => readings.some((r) => r.at >= t && r.weight === want), 30_000);
      delays.push(readings.find((r) => r.at >= t && r.weight === want)!.at - t);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
    }
    ac.abort();
    await pump;
    const reads = readings.map((r) => r.ms).sort((a, b) => a - b);
    delays.sort((a, b) => a - b);
    console.log(`live view "${view}", ${LIVE_SERVICES} services on the lab director, stream interval 1000 ms: kernel change -> SSE event p50 ${Math.round(pct(delays, 50))} ms, max ${Math.round(delays[delays.length - 1]!)} ms (n=${delays.length}); one read of the director (${listings} listings + parse + drift) p50 ${pct(reads, 50)} ms, p95 ${pct(reads, 95)} ms`);
    }
  } finally {
    await lab(["reset"]).catch(() => "");
    release();
  }
}

async function main() {
  const db = await freshDatabase("lvs_console_bench");
  let panel: Awaited<ReturnType<typeof startPanel>> | null = null;
  try {
    await deploy({ databaseUrl: db.url, pgliteDir: null });
    const seeded = await seed(db.url);
    console.log(`seeded ${seeded.clusters} clusters, ${seeded.services} virtual services, ${seeded.real_servers} real servers in ${seeded.ms} ms`);
    const prisma = prismaFor(db.url);
    await prisma.user.create({ data: { email: EMAIL, name: "Bench Admin", role: "admin", passwordHash: await hashPassword(PASSWORD) } });
    await prisma.$disconnect();
    const t0 = performance.now();
    panel = await startPanel({ databaseUrl: db.url, port: PORT });
    console.log(`panel up in ${Math.round(performance.now() - t0)} ms (production build, scripts/serve.ts, worker on)`);
    const cookie = await login(panel.url);
    const targets: Array<[string, string]> = [["clusters overview", "/clusters"], ["one cluster page", "/clusters/bc100"], ["static file", "/favicon.svg"]];
    // baselines (not part of the goal): the smallest dynamic page behind the same login, and a JSON route
    if (process.env.BENCH_BASELINES !== "0") targets.push(["new-cluster form", "/clusters/new"], ["api/health", "/api/health"]);
    // warm-up: compile caches, connection pools
    for (const [, p] of targets) for (let i = 0; i < 20; i++) await fetch(`${panel.url}${p}`, { headers: { cookie } }).then((r) => r.arrayBuffer());
    const out: Figures[] = [];
    for (const [name, p] of targets) {
      const f = await measure(panel.url, name, p, cookie);
      out.push(f);
      console.log(`${name.padEnd(18)} ${p.padEnd(16)} ${String(f.requests).padStart(6)} req  ${String(f.rps).padStart(7)} req/s  p50 ${f.p50.toFixed(1)} ms  p95 ${f.p95.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms  ${f.bytes} B/resp  errors ${f.errors} non-2xx ${f.non2xx}`);
    }
    const stat = out[2]!;
    // The price of a change: the first view after any committed change renders again (lib/view-cache).
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    for (const [name, p] of targets.slice(0, 2)) {
      const ms: number[] = [];
      for (let i = 0; i < 10; i++) {
        await c.query(`UPDATE "Cluster" SET description = $1 WHERE id = 'bc1'`, [`benchmark cluster 1 (${i})`]);
        const t = performance.now();
        const r = await fetch(`${panel.url}${p}`, { headers: { cookie } });
        await r.arrayBuffer();
        if (r.headers.get("x-lvs-view-cache") !== "miss") throw new Error(`${p} after a change: expected a render, got ${r.headers.get("x-lvs-view-cache")}`);
        ms.push(performance.now() - t);
      }
      ms.sort((a, b) => a - b);
      console.log(`${name} first view after a change (one client, rendered again): p50 ${pct(ms, 50).toFixed(1)} ms, max ${ms[ms.length - 1]!.toFixed(1)} ms (n=${ms.length})`);
    }
    // The same load while the database changes once a second (an operator editing, the worker's verdicts).
    let k = 0;
    const writer = setInterval(() => void c.query(`UPDATE "Cluster" SET description = $1 WHERE id = 'bc2'`, [`benchmark cluster 2 (${k++})`]), 1000);
    for (const [name, p] of targets.slice(0, 2)) {
      const f = await measure(panel.url, `${name}, 1 change/s`, p, cookie);
      console.log(`${f.name.padEnd(30)} ${String(f.requests).padStart(6)} req  ${String(f.rps).padStart(7)} req/s  p50 ${f.p50.toFixed(1)} ms  p95 ${f.p95.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms  (p95 ${(f.p95 / stat.p95).toFixed(2)}x static)  errors ${f.errors} non-2xx ${f.non2xx}`);
      if (f.errors || f.non2xx) process.exitCode = 1;
    }
    clearInterval(writer);
    await c.end();
    if (process.env.BENCH_LIVE !== "0") await liveDelay(panel.url, db.url, cookie).catch((e) => console.log(`live-view delay: not measured (${e instanceof Error ? e.message : String(e)})`));
    const ratios = { overview: out[0]!.p95 / stat.p95, cluster: out[1]!.p95 / stat.p95 };
    console.log(`p95 ratio vs static: overview ${ratios.overview.toFixed(2)}x, cluster page ${ratios.cluster.toFixed(2)}x (goal <= 3x)`);
    console.log(JSON.stringify({ connections: CONNECTIONS, seconds: SECONDS, seeded, results: out, ratios }));
    if (out.some((f) => f.non2xx > 0 || f.errors > 0)) process.exitCode = 1;
  } finally {
    await panel?.stop();
    await db.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
