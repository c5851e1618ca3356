// `npx tsx bench/pglite-pages.bench.ts`: page loads on the embedded database (PGlite, no DATABASE_URL),
// a production build served by scripts/serve.ts, the lab registered (`lab register`: a director and
// real servers) with VIP:80 on rs1 + rs2 (a two-node cluster). One signed-in client loads each page
// BENCH_N (20) times in turn and prints p50 / p95 against a baseline measured in the same run (a
// static file and /api/health of the same server). Then where the plan page's time goes: its reads of
// the director (full probe or addresses only, dry-run apply) timed from this process with its own SSH
// pool, one after the other and side by side, and the embedded database's queries behind the page.
// Env: BENCH_PORT (3351), BENCH_N (20), LVS_API_TEST_TREE (another checkout to build and serve, e.g.
// the code before a change: the "before" figures).
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PrismaClient } from "../generated/prisma/client";
import { assertLabRoute, labEnv } from "../lab/env";
import { signIn, startPanel } from "../lib/api/testing/panel";
import { hashPassword } from "../lib/passwords";

const PORT = Number(process.env.BENCH_PORT ?? 3351);
const N = Number(process.env.BENCH_N ?? 20);
const EMAIL = "bench-pglite@example.test", PASSWORD = "bench-password-123";
const KEY_SECRET = "api-test-key-secret"; // what startPanel gives the panel
const repo = path.resolve(import.meta.dirname, "..");

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))]!;
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0).padStart(5)} ms  p95 ${pct(xs, 95).toFixed(0).padStart(5)} ms`;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

async function main() {
  const env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  await assertLabRoute(env.hosts.director!.address, env.managementInterface);
  // it only reads the lab (the plan's dry run, the probe): no lab lock
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "lvs-bench-pglite-"));
  try {
    await promisify(execFile)(process.execPath, ["--import", "tsx", "lab/register.ts"], { cwd: repo, env: { ...process.env, DATABASE_URL: "", LVS_PANEL_DATA_DIR: dir, LVS_PANEL_KEY_SECRET: KEY_SECRET } });
    const { PGlite } = await import("@electric-sql/pglite");
    const { PrismaPGlite } = await import("pglite-prisma-adapter");
    const pg = new PGlite(path.join(dir, "pglite"));
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pg) });
    const cluster = await prisma.cluster.findUniqueOrThrow({ where: { name: "lab" } });
    const vs = await prisma.virtualService.create({ data: { clusterId: cluster.id, protocol: "tcp", address: env.vip.single, port: 80, scheduler: "rr" } });
    for (const name of ["rs1", "rs2"]) {
      const h = await prisma.host.findFirstOrThrow({ where: { clusterId: cluster.id, name } });
      await prisma.realServer.create({ data: { virtualServiceId: vs.id, hostId: h.id, address: h.address, port: 80, weight: 1, forwardingMethod: "route" } });
    }
    await prisma.user.create({ data: { email: EMAIL, name: "Bench", role: "admin", passwordHash: await hashPassword(PASSWORD) } });
    await prisma.$disconnect();
    await pg.close();

    const panel = await startPanel({ databaseUrl: null, port: PORT, dataDir: dir });
    try {
      const cookie = await signIn(panel.url, EMAIL, PASSWORD);
      const get = (p: string) => timed(async () => {
        const r = await fetch(`${panel.url}${p}`, { headers: { cookie }, redirect: "manual" });
        await r.text();
        if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status}`);
      }).then(([ms]) => ms);
      const pages: Array<[string, string]> = [
        ["static file (baseline)", "/favicon.svg"],
        ["/api/health (baseline)", "/api/health"],
        ["clusters overview", "/clusters"],
        ["cluster page", `/clusters/${cluster.id}`],
        ["hosts", `/hosts?cluster=${cluster.id}`],
        ["plan page", `/clusters/${cluster.id}/plan`],
        ["apply history", `/clusters/${cluster.id}/applies`],
      ];
      for (const [, p] of pages) await get(p); // first renders load the route's code
      const times = new Map<string, number[]>(pages.map(([n]) => [n, []]));
      for (let i = 0; i < N; i++) for (const [name, p] of pages) times.get(name)!.push(await get(p));
      console.log(`\nPGlite page loads, ${N} each, one client (${path.relative(repo, process.env.LVS_API_TEST_TREE ?? repo) || "this checkout"}):`);
      for (const [name] of pages) console.log(`  ${name.padEnd(24)} ${fmt(times.get(name)!)}`);
    } finally {
      await panel.stop();
    }

    // Where the plan page's time goes: its two SSH reads, from this process (same lab director).
    const { SshPool } = await import("../lib/ssh");
    const { targetFromHost } = await import("../lib/host-target");
    const { probeDirector, readDirectorAddresses, applyDirector } = await import("../lib/director");
    const { desiredCore, desiredOf } = await import("../lib/desired/desired");
    process.env.LVS_PANEL_KEY_SECRET = KEY_SECRET;
    const pg2 = new PGlite(path.join(dir, "pglite"));
    const p2 = new PrismaClient({ adapter: new PrismaPGlite(pg2) });
    const d = await p2.host.findFirstOrThrow({ where: { clusterId: cluster.id, role: "director" }, include: { sshKey: true } });
    const services = await p2.virtualService.findMany({ where: { clusterId: cluster.id }, include: { realServers: true } });
    const desired = desiredOf(services as never, []);
    const t = targetFromHost(d);
    const pool = new SshPool();
    try {
      // connect once; and the plan's light read must say what the full probe says
      const full = await probeDirector(pool, t);
      const light1 = await readDirectorAddresses(pool, t);
      if (JSON.stringify(light1) !== JSON.stringify({ addresses: full.addresses, defaultRoute: full.defaultRoute })) throw new Error("readDirectorAddresses differs from the probe");
      const probe: number[] = [], addrs: number[] = [], dry: number[] = [], serial: number[] = [], side: number[] = [], light: number[] = [];
      const dryRun = () => applyDirector(pool, t, desiredCore, { table: desired.table, remove: desired.remove }, { dryRun: true });
      for (let i = 0; i < Math.min(N, 10); i++) {
        probe.push((await timed(() => probeDirector(pool, t)))[0]);
        dry.push((await timed(dryRun))[0]);
        serial.push((await timed(async () => { await probeDirector(pool, t); await dryRun(); }))[0]);
        side.push((await timed(() => Promise.all([probeDirector(pool, t), dryRun()])))[0]);
        addrs.push((await timed(() => readDirectorAddresses(pool, t)))[0]);
        light.push((await timed(() => Promise.all([readDirectorAddresses(pool, t), dryRun()])))[0]);
      }
      const q: number[] = [];
      for (let i = 0; i < N; i++) {
        q.push((await timed(async () => {
          await p2.cluster.findUnique({ where: { id: cluster.id } });
          await p2.virtualService.findMany({ where: { clusterId: cluster.id }, include: { realServers: true } });
          await p2.host.findMany({ where: { clusterId: cluster.id }, include: { realServers: { include: { virtualService: true } } } });
        }))[0]);
      }
      console.log(`\nThe plan page's reads of the lab director (SSH, from this process):`);
      console.log(`  probe                    ${fmt(probe)}`);
      console.log(`  dry-run apply            ${fmt(dry)}`);
      console.log(`  both, one after other    ${fmt(serial)}`);
      console.log(`  both, side by side       ${fmt(side)}`);
      console.log(`  addresses only           ${fmt(addrs)}  (what the plan needs of the probe)`);
      console.log(`  addresses + dry run, side by side ${fmt(light)}  (the plan page now)`);
      console.log(`  its database reads       ${fmt(q)}  (cluster, services + real servers, hosts: in-process PGlite)`);
    } finally {
      await pool.close();
      await p2.$disconnect();
      await pg2.close();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
