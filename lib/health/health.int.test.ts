// Health checks end to end on the real lab and real PostgreSQL, with TWO worker processes (what
// `npm start` runs) sharing one database: fault → weight 0 in the director's kernel within
// fall × interval, `lab curl` reaches only the healthy server, restore, sorry server in/out, each
// transition acted on exactly once, the leader killed → the other takes over within one interval,
// and a webhook receiver on 127.0.0.1 gets the transitions (with retries after failures).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, assertLabRoute, lab, labEnv, type LabEnv } from "@/lab/env";
import { desiredCore, loadDesired } from "@/lib/desired/desired";
import { encryptSecret } from "@/lib/crypto";
import { applyDirector, bindVip } from "@/lib/director";
import { targetFromHost } from "@/lib/host-target";
import { prepareRealServer } from "@/lib/realserver";
import { SshPool, type SshTarget } from "@/lib/ssh";
import { migratedDatabase } from "@/test/support/database";
import { kernelWeights } from "@/test/support/kernel-weights";
import { registeredLab } from "@/test/support/lab-cluster";

const INTERVAL = 1000;
const FALL = 2;
const RISE = 2;
const SECRET = "webhook-secret-for-the-test-0123";

let release: () => void = () => {};
let env: LabEnv;
let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
const pool = new SshPool();
let director: SshTarget;
let clusterId: string;
let vip: string;
const workers: Array<{ p: ChildProcess; lines: string[] }> = [];
const received: Array<{ body: Record<string, unknown>; headers: http.IncomingHttpHeaders; at: number }> = [];
let failNext = 0;
let receiver: http.Server;
const figures: Record<string, unknown> = {};

function startWorker() {
  const p = spawn(process.execPath, ["--import", "tsx", "lib/worker/main.ts"], {
    env: { ...process.env, DATABASE_URL: ctx.url, WORKER_POLL_MS: "2000", WEBHOOK_BACKOFF_MS: "300", WORKER_ACQUIRE_MS: "300", LVS_PANEL_ALLOW_EGRESS: "127.0.0.1/32" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const w = { p, lines: [] as string[] };
  p.stdout!.setEncoding("utf8").on("data", (s: string) => w.lines.push(...s.split("\n").filter(Boolean)));
  p.stderr!.setEncoding("utf8").on("data", (s: string) => w.lines.push(...s.split("\n").filter(Boolean).map((l) => `stderr: ${l}`)));
  workers.push(w);
  return w;
}

const leading = (w: (typeof workers)[number]) => w.lines.some((l) => l.includes('"leading cluster"') && l.includes(clusterId));

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${workers.map((w) => w.lines.slice(-15).join("\n")).join("\n---\n")}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const weights = () => kernelWeights(pool, director, vip);

async function curl(n = 10): Promise<string[]> {
  await promisify(execFile)("ip", ["netns", "exec", "lvsp-client", "ip", "neigh", "flush", "all"]).catch(() => undefined);
  const r = await promisify(execFile)("bash", [env.labScript, "curl", String(n)]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  return r.stdout.trim().split("\n");
}

const rs = (i: number) => env.realServers[i]!;

beforeAll(async () => {
  release = await acquireLab({ owner: "lib/health" });
  env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  await lab(["reset"]);
  for (const h of [env.hosts.director, rs(0), rs(1), env.hosts.sorry]) await assertLabRoute(h.address);
  vip = env.vip.current;
  ctx = await migratedDatabase("lvs_health");
  const p = ctx.prisma;
  const { cluster, host, director: d } = await registeredLab(p, ctx.url);
  clusterId = cluster.id;
  director = d;
  const vs = await p.virtualService.create({ data: { clusterId, protocol: "tcp", address: vip, port: 80, scheduler: "rr", sorryAddress: env.hosts.sorry.address, sorryPort: 80 } });
  for (const i of [0, 1]) await p.realServer.create({ data: { virtualServiceId: vs.id, hostId: host(rs(i).name).id, address: rs(i).address, port: 80, weight: 3, forwardingMethod: "route" } });
  await p.healthCheck.create({ data: { virtualServiceId: vs.id, kind: "http", path: "/health", bodyContains: "ok", intervalMs: INTERVAL, timeoutMs: 500, rise: RISE, fall: FALL } });
  // the operator's setup: real servers and sorry prepared for DR, VIP bound, table applied
  for (const h of [rs(0), rs(1), env.hosts.sorry]) expect((await prepareRealServer(pool, targetFromHost(host(h.name)), { vips: [vip], port: 80 })).ready).toBe(true);
  await bindVip(pool, director, { vip, iface: "eth0" });
  const desired = await loadDesired(p, clusterId);
  expect((await applyDirector(pool, director, desiredCore, { table: desired.table, remove: desired.remove })).outcome).toBe("succeeded");

  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c)).on("end", () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end("not now");
        return;
      }
      received.push({ body: JSON.parse(body) as Record<string, unknown>, headers: req.headers, at: Date.now() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const port = (receiver.address() as AddressInfo).port;
  await p.webhook.create({ data: { name: "test receiver", url: `http://127.0.0.1:${port}/hook`, secret: encryptSecret(SECRET), events: ["health.transition", "apply.failed", "drift"] } });
  startWorker();
  startWorker();
}, 300_000);

afterAll(async () => {
  for (const w of workers) if (w.p.exitCode === null && w.p.signalCode === null) w.p.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  for (const w of workers) if (w.p.exitCode === null && w.p.signalCode === null) w.p.kill("SIGKILL");
  try {
    if (env?.up) {
      for (const i of [0, 1]) await lab(["http", rs(i).name, "start"]);
      await lab(["reset"]);
    }
  } finally {
    receiver?.close();
    await pool.close();
    await ctx?.close();
    release();
    console.log("health figures:", JSON.stringify(figures));
  }
}, 120_000);

describe("health checks on the lab with two workers on one PostgreSQL", () => {
  it("exactly one worker leads the cluster; both real servers come up healthy", async () => {
    await until("a leader", async () => workers.some(leading), 15_000);
    const states = await until("both up", async () => {
      const s = await ctx.prisma.healthState.findMany();
      return s.length === 2 && s.every((x) => x.status === "up") ? s : null;
    }, 15_000);
    expect(states.every((s) => s.lastOk && s.lastLatencyMs !== null && s.lastMessage === "HTTP 200")).toBe(true);
    expect(workers.filter(leading)).toHaveLength(1);
    expect(await ctx.prisma.applyRun.count({ where: { actor: "health-checker" } })).toBe(0);
  });

  it("rs1's HTTP server stopped → weight 0 in the kernel within fall × interval, and clients reach only rs2", async () => {
    await lab(["http", rs(0).name, "stop"]);
    const t0 = Date.now();
    await until("rs1 weight 0", async () => (await weights()).get(rs(0).address) === 0, FALL * INTERVAL + 5000, 50);
    const delay = Date.now() - t0;
    figures.detectionDelayMs = delay;
    figures.fallTimesInterval = FALL * INTERVAL;
    // worst case: the fault lands just after a check, then `fall` failing rounds, then the apply
    expect(delay).toBeLessThanOrEqual((FALL + 1) * INTERVAL + 1500);
    expect((await weights()).get(rs(1).address)).toBe(3);
    const answers = await curl(10);
    expect(answers).toEqual(Array(10).fill(rs(1).name));
  });

  it("rs1 started again → its weight is restored and clients reach both", async () => {
    await lab(["http", rs(0).name, "start"]);
    const t0 = Date.now();
    await until("rs1 weight 3", async () => (await weights()).get(rs(0).address) === 3, RISE * INTERVAL + 5000, 50);
    figures.restoreDelayMs = Date.now() - t0;
    const answers = await curl(10);
    expect(new Set(answers)).toEqual(new Set([rs(0).name, rs(1).name]));
  });

  it("both stopped → the sorry server answers; one started → the sorry server is gone", async () => {
    await lab(["http", rs(0).name, "stop"]);
    await lab(["http", rs(1).name, "stop"]);
    await until("sorry in", async () => {
      const w = await weights();
      return w.get(env.hosts.sorry.address) === 1 && w.get(rs(0).address) === 0 && w.get(rs(1).address) === 0;
    }, (FALL + 2) * INTERVAL + 5000, 100);
    expect((await curl(5)).every((a) => a === "sorry")).toBe(true);
    await lab(["http", rs(1).name, "start"]);
    await until("sorry out", async () => {
      const w = await weights();
      return !w.has(env.hosts.sorry.address) && w.get(rs(1).address) === 3;
    }, (RISE + 2) * INTERVAL + 5000, 100);
    expect(await curl(6)).toEqual(Array(6).fill(rs(1).name));
    await lab(["http", rs(0).name, "start"]);
    await until("rs1 back", async () => (await weights()).get(rs(0).address) === 3, (RISE + 2) * INTERVAL + 5000);
  });

  it("each transition was acted on exactly once (two workers, one apply history)", async () => {
    await new Promise((r) => setTimeout(r, 2 * INTERVAL)); // a duplicate would show up by now
    const events = await ctx.prisma.healthEvent.findMany({ where: { clusterId }, orderBy: { createdAt: "asc" } });
    const count = (kind: string, who?: string) => events.filter((e) => e.kind === kind && (!who || e.subject.includes(`${who}:80`) || e.subject.includes(`${who} `))).length;
    expect(count("real-server.down", rs(0).address)).toBe(2);
    expect(count("real-server.up", rs(0).address)).toBe(2);
    expect(count("real-server.down", rs(1).address)).toBe(1);
    expect(count("real-server.up", rs(1).address)).toBe(1);
    expect(count("sorry.in")).toBe(1);
    expect(count("sorry.out")).toBe(1);
    const runs = await ctx.prisma.applyRun.findMany({ where: { actor: "health-checker" }, include: { steps: true }, orderBy: { startedAt: "asc" } });
    expect(runs.every((r) => r.outcome === "succeeded" && r.steps.length > 0)).toBe(true);
    // every command appears once: nobody applied a transition twice
    const cmds = runs.flatMap((r) => r.steps.map((s) => s.command));
    const rs1Quiesce = `ipvsadm -e -t ${vip}:80 -r ${rs(0).address}:80 -g -w 0`;
    expect(cmds.filter((c) => c === rs1Quiesce)).toHaveLength(2);
    expect(cmds.filter((c) => c.startsWith(`ipvsadm -a -t ${vip}:80 -r ${env.hosts.sorry.address}:80`))).toHaveLength(1);
    expect(cmds.filter((c) => c.startsWith(`ipvsadm -d -t ${vip}:80 -r ${env.hosts.sorry.address}:80`))).toHaveLength(1);
    // every down/up event is linked to the run that acted on it; each run is audited
    expect(events.filter((e) => e.kind === "real-server.down").every((e) => e.applyRunId)).toBe(true);
    expect(await ctx.prisma.auditEvent.count({ where: { actor: "health-checker", action: "cluster.apply" } })).toBe(runs.length);
    figures.applyRuns = runs.length;
  });

  it("the webhook receiver on 127.0.0.1 got each transition, signed", async () => {
    await until("webhooks", async () => received.filter((r) => r.body.event === "health.transition").length >= 8, 10_000);
    const down = received.find((r) => (r.body.data as { to?: string }).to === "down" && String((r.body.data as { realServer?: string }).realServer).includes(rs(0).address))!;
    expect(down).toBeTruthy();
    const raw = JSON.stringify(down.body);
    expect(down.headers["x-lvs-panel-signature"]).toBe(`sha256=${crypto.createHmac("sha256", SECRET).update(raw).digest("hex")}`);
    expect(down.headers["x-lvs-panel-event"]).toBe("health.transition");
    expect((down.body.cluster as { name: string }).name).toBe("lab");
    const ids = received.map((r) => r.body.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("the worker holding leadership killed → the other takes over within one interval and acts", async () => {
    const leader = workers.find(leading)!;
    const other = workers.find((w) => w !== leader)!;
    expect(leading(other)).toBe(false);
    // The next two webhook requests are refused, whichever deliveries they belong to: they must be retried.
    failNext = 2;
    leader.p.kill("SIGKILL");
    const t0 = Date.now();
    const since = new Date(t0);
    await until("takeover", async () => leading(other), 5000, 20);
    const takeover = Date.now() - t0;
    figures.takeoverMs = takeover;
    expect(takeover).toBeLessThanOrEqual(INTERVAL);
    await lab(["http", rs(0).name, "stop"]);
    try {
      await until("rs1 weight 0 by the new leader", async () => (await weights()).get(rs(0).address) === 0, (FALL + 2) * INTERVAL + 5000, 50);
      await until("both refusals used and every delivery since the kill delivered", async () =>
        failNext === 0 && (await ctx.prisma.webhookDelivery.count({ where: { createdAt: { gte: since }, status: { not: "delivered" } } })) === 0, 15_000);
      const deliveries = await ctx.prisma.webhookDelivery.findMany({ where: { createdAt: { gte: since } } });
      expect(deliveries.length).toBeGreaterThan(0);
      // the two refused attempts were retried, not lost
      expect(deliveries.reduce((n, d) => n + d.attempts - 1, 0)).toBe(2);
    } finally {
      await lab(["http", rs(0).name, "start"]);
    }
    await until("rs1 back", async () => (await weights()).get(rs(0).address) === 3, (RISE + 2) * INTERVAL + 5000);
  });

  it("a real server added behind the panel's back is reported as drift (webhook), health's own changes are not", async () => {
    expect(received.filter((r) => r.body.event === "drift").map((r) => r.body.data)).toEqual([]);
    const rogue = "10.78.0.13:80";
    await pool.exec(director, ["ipvsadm", "-a", "-t", `${vip}:80`, "-r", rogue, "-g", "-w", "1"]);
    try {
      const d = await until("drift webhook", async () => received.find((r) => r.body.event === "drift"), 4 * 2000 + 3000);
      expect((d.body.data as { differences: string[] }).differences).toEqual([`service TCP ${vip}:80: real server ${rogue} should not be there`]);
    } finally {
      await pool.exec(director, ["ipvsadm", "-d", "-t", `${vip}:80`, "-r", rogue]);
    }
  });
});
