// Health-check throughput of ONE worker against the lab, with the poller running:
//   npx tsx bench/health.ts [--services K] [--interval MS] [--seconds S] [--kind tcp|http] [--rs N]
// K virtual services × the lab's real servers = checks per round (all from the director, ONE exec
// per round). Reports checks/second sustained, round durations, and this process's CPU and RSS
// (this process IS the worker: same Worker class, PostgreSQL leadership). `--rs N` brings the lab
// up with N real servers for the run and back to its previous count afterwards: use it only when
// no one else is using the lab (it waits for the lab lock).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { acquireLab, lab, labEnv } from "@/lab/env";
import { PgLeadership } from "@/lib/worker/leader";
import { retentionFromEnv } from "@/lib/worker/retention";
import { Worker } from "@/lib/worker/worker";
import { SshPool } from "@/lib/ssh";
import { migratedDatabase } from "@/test/support/database";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const KS = arg("services", "1").split(",").map(Number);
const INTERVAL = Number(arg("interval", "1000"));
const SECONDS = Number(arg("seconds", "20"));
const KIND = arg("kind", "http") as "tcp" | "http";
const RS = Number(arg("rs", "0"));

// only a run that changes the lab (--rs) takes the lab lock; checks alone change nothing there
const release = RS ? await acquireLab({ owner: "bench/health" }) : () => {};
let before = (await labEnv()).rsCount;
const ctx = await migratedDatabase("lvs_hbench");
const pool = new SshPool();
try {
  if (RS && RS !== before) await lab(["up", "--rs", String(RS)], { timeoutMs: 600_000 });
  const env = await labEnv();
  await promisify(execFile)(process.execPath, ["--import", "tsx", "lab/register.ts"], { env: { ...process.env, DATABASE_URL: ctx.url } });
  const p = ctx.prisma;
  const cluster = await p.cluster.findUniqueOrThrow({ where: { name: "lab" } });
  for (const K of KS) {
  await p.virtualService.deleteMany({});
  await p.counterSample.deleteMany({});
  for (let k = 0; k < K; k++) {
    // services on the TEST-NET VIP 10.78.0.200 (nothing routes clients to it): the kernel table is
    // real, the checks go to the real servers' httpd on port 80
    const vs = await p.virtualService.create({ data: { clusterId: cluster.id, protocol: "tcp", address: "10.78.0.200", port: 10_000 + k, scheduler: "rr" } });
    for (const r of env.realServers) await p.realServer.create({ data: { virtualServiceId: vs.id, address: r.address, port: 10_000 + k, weight: 1, forwardingMethod: "route" } });
    await p.healthCheck.create({ data: { virtualServiceId: vs.id, kind: KIND, port: 80, path: "/health", intervalMs: INTERVAL, timeoutMs: Math.min(INTERVAL, 2000), rise: 2, fall: 3 } });
  }
  const w = new Worker(p, pool, new PgLeadership(ctx.url), { tickMs: 50, acquireMs: 500, pollMs: 2000, reachabilityMs: 30_000, retention: { ...retentionFromEnv(), samplesMs: 3600_000 }, deliverMs: 1000 });
  const rounds: Array<{ at: number; checks: number; ms: number; ok: number }> = [];
  w.onRound = (_id, r) => rounds.push({ at: r.at, checks: r.checks, ms: r.durationMs, ok: r.results.filter((x) => x.ok).length });
  w.start();
  await new Promise((r) => setTimeout(r, 3000)); // warm-up: connection, first round
  rounds.length = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rssMax = 0;
  const mem = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 200);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(mem);
  await w.stop();
  const checks = rounds.reduce((a, r) => a + r.checks, 0);
  const ok = rounds.reduce((a, r) => a + r.ok, 0);
  const d = rounds.map((r) => r.ms).sort((a, b) => a - b);
  const pct = (q: number) => d[Math.min(d.length - 1, Math.floor(q * d.length))] ?? 0;
  const wanted = (K * env.realServers.length * 1000) / INTERVAL;
  console.log(JSON.stringify({
    realServers: env.realServers.length, services: K, checksPerRound: K * env.realServers.length, kind: KIND, intervalMs: INTERVAL, seconds: Math.round(elapsed),
    checksPerSecond: +(checks / elapsed).toFixed(1), wantedPerSecond: +wanted.toFixed(1), passed: ok, failed: checks - ok,
    rounds: rounds.length, roundMs: { p50: pct(0.5), p95: pct(0.95), max: d.at(-1) ?? 0 },
    workerCpuPercent: +(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(1), workerRssMiB: Math.round(rssMax / 2 ** 20),
    samples: await p.counterSample.count(),
  }));
  }
} finally {
  await pool.close();
  await ctx.close();
  if (RS && RS !== before) await lab(["up", "--rs", String(before)], { timeoutMs: 600_000 });
  release();
}
