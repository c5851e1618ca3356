// `npx tsx bench/api.bench.ts`: the runtime API under load, on a production build on PostgreSQL.
//  1. sustained mutating calls against the lab director: POST …/weight then POST …/apply?wait=true,
//     back to back for BENCH_MUTATE_S seconds (applies of one cluster are serialised by design);
//  2. read throughput with 50 concurrent clients (autocannon): GET /api/v1/clusters/lab/services and
//     GET /api/v1/clusters vs the static /favicon.svg of the same server, in the same run.
// Self-contained: fresh database, panel (LVS_API_TEST_TREE may name another checkout to build/serve),
// lab registered, the tutorial service applied. Holds the lab lock while it changes the lab.
import path from "node:path";
import { execFile } from "node:child_process";
import autocannon from "autocannon";
import { acquireLab, assertLabRoute, labEnv, runLab } from "../lab/env";
import { api, prismaFor, startPanel, userWithToken } from "../lib/api/testing/panel";
import { freshDatabase } from "../test/support/database";

const PORT = Number(process.env.BENCH_PORT ?? 3331);
const MUTATE_S = Number(process.env.BENCH_MUTATE_S ?? 20);
const READ_S = Number(process.env.BENCH_READ_S ?? 10);
const repo = path.resolve(import.meta.dirname, "..");

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function cannon(url: string, headers: Record<string, string>, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: 50, duration: seconds, headers }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function main() {
  const db = await freshDatabase("lvs_api_bench");
  const panel = await startPanel({ databaseUrl: db.url, port: PORT });
  const prisma = prismaFor(db.url);
  const release = await acquireLab({ owner: "bench/api.bench.ts", timeoutMs: 1_800_000 });
  try {
    let env = await labEnv();
    if (!env.up) {
      if ((await runLab(["up"], { timeoutMs: 600_000 })).code !== 0) throw new Error("lab up failed");
      env = await labEnv();
    }
    await assertLabRoute(env.hosts.director.address);
    await runLab(["reset"], { timeoutMs: 60_000 });
    await new Promise<void>((resolve, reject) => execFile(process.execPath, ["--import", "tsx", "lab/register.ts"], { cwd: repo, env: { ...process.env, DATABASE_URL: db.url, LVS_PANEL_KEY_SECRET: "api-test-key-secret" } },
      (e, _o, stderr) => (e ? reject(new Error(stderr)) : resolve())));
    const { token } = await userWithToken(prisma, "bench@example.test", "operator", { name: "bench" });
    const call = api(panel.url, token);
    const vip = env.vip.current;
    const svc = `/clusters/lab/services/tcp:${vip}:80`;
    const [rs1, rs2] = env.realServers;
    const must = async (p: Promise<{ status: number; body: unknown }>, want: number) => {
      const r = await p;
      if (r.status !== want) throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 400)}`);
      return r;
    };
    await must(call("POST", "/clusters/lab/services", { protocol: "tcp", address: vip, port: 80, scheduler: "wrr" }), 201);
    for (const rs of [rs1!, rs2!]) await must(call("POST", `${svc}/real-servers`, { address: rs.address, weight: 1 }), 201);
    await must(call("POST", "/clusters/lab/prepare", {}), 200);
    await must(call("POST", "/clusters/lab/apply?wait=true"), 200);

    // 1. sustained weight change + apply
    const weightMs: number[] = [], applyMs: number[] = [];
    let n = 0, failed = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < MUTATE_S * 1000) {
      const w = (n % 9) + 1;
      let t = performance.now();
      await must(call("POST", `${svc}/real-servers/${rs1!.address}/weight`, { weight: w }), 200);
      weightMs.push(performance.now() - t);
      t = performance.now();
      const a = await must(call("POST", "/clusters/lab/apply?wait=true"), 200);
      applyMs.push(performance.now() - t);
      if ((a.body as { outcome: string }).outcome !== "succeeded") failed++;
      n++;
    }
    const secs = (performance.now() - t0) / 1000;
    const table = await runLab(["exec", "director", "ipvsadm", "-S", "-n"], { timeoutMs: 30_000 });
    const finalWeight = ((n - 1) % 9) + 1;
    const inKernel = table.stdout.includes(`-r ${rs1!.address}:80 -g -w ${finalWeight}`);

    // 2. reads, 50 concurrent clients, same server, same run
    const auth = { authorization: `Bearer ${token}` };
    const services = await cannon(`${panel.url}/api/v1${svc.replace(/\/tcp:.*$/, "")}`, auth, READ_S);
    const clusters = await cannon(`${panel.url}/api/v1/clusters`, auth, READ_S);
    const staticRes = await cannon(`${panel.url}/favicon.svg`, {}, READ_S);

    const row = (name: string, r: autocannon.Result) =>
      `${name.padEnd(38)} ${r.requests.average.toFixed(0).padStart(7)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(5)} ms  non-2xx ${r.non2xx}  errors ${r.errors}`;
    console.log(`\n== lvs-panel API benchmark (production build, PostgreSQL, lab director ${env.hosts.director.address}) ==`);
    console.log(`mutating: ${n} × (POST weight + POST apply?wait=true) in ${secs.toFixed(1)} s = ${(n / secs).toFixed(2)} weight+apply/s (${((2 * n) / secs).toFixed(2)} calls/s); failed applies ${failed}; final weight ${finalWeight} in the kernel: ${inKernel}`);
    console.log(`  weight: p50 ${pct(weightMs, 50).toFixed(1)} ms, p95 ${pct(weightMs, 95).toFixed(1)} ms;  apply (until verified): p50 ${pct(applyMs, 50).toFixed(0)} ms, p95 ${pct(applyMs, 95).toFixed(0)} ms`);
    console.log(`reads, 50 connections, ${READ_S} s each:`);
    console.log(row("GET /api/v1/clusters/lab/services", services));
    console.log(row("GET /api/v1/clusters", clusters));
    console.log(row("GET /favicon.svg (static)", staticRes));
    console.log(`API read / static: ${(services.requests.average / staticRes.requests.average * 100).toFixed(0)} % (services), ${(clusters.requests.average / staticRes.requests.average * 100).toFixed(0)} % (clusters)`);
    if (failed || !inKernel || services.non2xx || clusters.non2xx) process.exitCode = 1;
  } finally {
    await runLab(["reset"], { timeoutMs: 60_000 }).catch(() => {});
    release();
    await prisma.$disconnect();
    await panel.stop();
    await db.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
