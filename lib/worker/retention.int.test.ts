// Retention on real PostgreSQL, run by the worker as it runs in production (lib/worker Worker.tick,
// the "housekeeping" advisory lock): in every growing table old rows go and recent ones stay, in
// batches smaller than the backlog; a running apply and a cluster's last operator apply are kept at any age;
// a cluster keeps its newest versions and every version an apply still on record pushed.
import { afterAll, beforeAll, expect, it } from "vitest";
import { SshPool } from "@/lib/ssh/pool";
import { migratedDatabase } from "@/test/support/database";
import { PgLeadership } from "./leader";
import { retentionFromEnv, runRetention } from "./retention";
import { Worker, WORKER_DEFAULTS } from "./worker";

let db: Awaited<ReturnType<typeof migratedDatabase>>;
const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms);

beforeAll(async () => {
  db = await migratedDatabase("lvs_retention");
});
afterAll(async () => {
  await db?.close();
});

async function seed(clusterName: string, recentOperatorApply: boolean) {
  const { prisma } = db;
  const c = await prisma.cluster.create({ data: { name: clusterName } });
  const sample = (at: Date) => ({ clusterId: c.id, at, service: "TCP 10.0.0.100:80" });
  await prisma.counterSample.createMany({ data: [...Array.from({ length: 25 }, () => sample(ago(2 * DAY))), sample(ago(60_000))] });
  const run = async (actor: string, startedAt: Date, outcome: "succeeded" | "running" | "failed" = "succeeded") => {
    const r = await prisma.applyRun.create({ data: { clusterId: c.id, actor, desired: { owned: ["TCP 10.0.0.100:80"] }, outcome, startedAt, finishedAt: outcome === "running" ? null : startedAt } });
    await prisma.applyStep.createMany({ data: [1, 2].map((position) => ({ runId: r.id, position, hostName: "d1", command: "ipvsadm -A -t 10.0.0.100:80", disruptive: false })) });
    return r.id;
  };
  const ids: Record<string, string> = {
    healthOld: await run("health-checker", ago(40 * DAY)), healthNew: await run("health-checker", ago(DAY)),
    opOldest: await run("op@example.test", ago(500 * DAY)), opOld: await run("op@example.test", ago(400 * DAY), "failed"),
    // without a more recent one, the operator's last finished apply is old too: it still says what the panel manages, so it stays
    opLast: await run("op@example.test", ago(380 * DAY)),
    opRunning: await run("op@example.test", ago(600 * DAY), "running"),
  };
  // the health checker's old runs are kept well under the operator's: 40 days is gone for it, not for an operator
  if (recentOperatorApply) ids.opMid = await run("op@example.test", ago(40 * DAY));
  await prisma.healthEvent.createMany({ data: [{ clusterId: c.id, kind: "real-server.down", subject: "s", createdAt: ago(31 * DAY) }, { clusterId: c.id, kind: "real-server.up", subject: "s", createdAt: ago(DAY) }] });
  return { c, ids };
}

async function seedGlobal() {
  const { prisma } = db;
  await prisma.loginAttempt.createMany({ data: [
    { key: "address:203.0.113.1", failures: 3, windowStart: ago(2 * DAY) },
    { key: "address:203.0.113.2", failures: 20, windowStart: ago(2 * DAY), lockedUntil: new Date(Date.now() + 60_000) },
    { key: "account:a@example.test", failures: 1, windowStart: ago(60_000) },
    ...Array.from({ length: 12 }, (_, i) => ({ key: `address:198.51.100.${i}`, failures: 1, windowStart: ago(3 * DAY) })),
  ] });
  await prisma.auditEvent.createMany({ data: [
    ...Array.from({ length: 9 }, () => ({ actor: "op", action: "cluster.update", target: "cluster:x", createdAt: ago(800 * DAY) })),
    { actor: "op", action: "cluster.update", target: "cluster:kept", createdAt: ago(700 * DAY) },
  ] });
  const hook = await prisma.webhook.create({ data: { name: "w", url: "https://hooks.example/x" } });
  await prisma.webhookDelivery.createMany({ data: [
    { webhookId: hook.id, event: "drift", payload: {}, status: "delivered", createdAt: ago(8 * DAY) },
    { webhookId: hook.id, event: "drift", payload: {}, status: "pending", createdAt: ago(8 * DAY) },
    { webhookId: hook.id, event: "drift", payload: {}, status: "failed", createdAt: ago(DAY) },
  ] });
}

it("defaults: the audit log is kept longest, the operator's applies longer than the health checker's; a bad value names its variable", () => {
  const r = retentionFromEnv({});
  expect(r.auditMs).toBeGreaterThan(r.appliesMs);
  expect(r.appliesMs).toBeGreaterThan(r.healthAppliesMs);
  expect(retentionFromEnv({ AUDIT_RETENTION_DAYS: "1", APPLY_RETENTION_DAYS: "90" }).auditMs).toBe(90 * DAY);
  expect(() => retentionFromEnv({ APPLY_RETENTION_DAYS: "forever" })).toThrow(/APPLY_RETENTION_DAYS/);
});

it("the worker deletes old rows and keeps recent ones, in batches", async () => {
  const { prisma } = db;
  const a = await seed("ret-a", true);
  const b = await seed("ret-b", false);
  await seedGlobal();
  const logged: unknown[] = [];
  const worker = new Worker(prisma, new SshPool(), new PgLeadership(db.url), { ...WORKER_DEFAULTS, deliverMs: 0, retention: { ...retentionFromEnv({}), batch: 7 } },
    (m, e) => { if (m.startsWith("retention")) logged.push(e); });
  await worker.tick();
  // retention runs in the background of the tick (a backlog must not hold up health rounds)
  for (let i = 0; i < 100 && !logged.length; i++) await new Promise((r) => setTimeout(r, 100));
  await worker.stop();
  expect(logged).toEqual([{ samples: 50, loginAttempts: 13, healthApplies: 2, applies: 5, versions: 0, healthEvents: 2, webhookDeliveries: 1, idempotency: 0, audit: 9 }]);
  for (const { c, ids } of [a, b]) {
    expect(await prisma.counterSample.count({ where: { clusterId: c.id } })).toBe(1);
    const runs = new Set((await prisma.applyRun.findMany({ where: { clusterId: c.id }, select: { id: true } })).map((r) => r.id));
    const kept = ids.opMid ? [ids.healthNew, ids.opRunning, ids.opMid] : [ids.healthNew, ids.opRunning, ids.opLast];
    expect([...runs].sort()).toEqual(kept.sort());
    expect(await prisma.applyStep.count({ where: { run: { clusterId: c.id } } })).toBe(2 * 3);
    expect(await prisma.healthEvent.count({ where: { clusterId: c.id } })).toBe(1);
  }
  expect((await prisma.loginAttempt.findMany({ orderBy: { key: "asc" } })).map((l) => l.key)).toEqual(["account:a@example.test", "address:203.0.113.2"]);
  expect((await prisma.auditEvent.findMany()).map((e) => e.target)).toEqual(["cluster:kept"]);
  expect((await prisma.webhookDelivery.findMany({ orderBy: { createdAt: "asc" } })).map((d) => d.status)).toEqual(["pending", "failed"]);
  // a second pass has nothing left to do
  expect(Object.values(await runRetention(prisma, { ...retentionFromEnv({}), batch: 7 })).every((n) => n === 0)).toBe(true);
});

it("versions: the newest CLUSTER_VERSIONS_KEPT of each cluster stay, and every version a kept apply pushed; an old apply's goes with it", async () => {
  const { prisma } = db;
  expect(retentionFromEnv({}).versionsKept).toBe(500);
  expect(() => retentionFromEnv({ CLUSTER_VERSIONS_KEPT: "0" })).toThrow(/CLUSTER_VERSIONS_KEPT/);
  const make = async (name: string) => {
    const c = await prisma.cluster.create({ data: { name } });
    await prisma.clusterVersion.createMany({ data: Array.from({ length: 12 }, (_, i) => ({ clusterId: c.id, number: i + 1, actor: "op", source: "ui", document: { version: 1, services: [] } })) });
    const run = (clusterVersion: number, startedAt: Date) =>
      prisma.applyRun.create({ data: { clusterId: c.id, actor: "op@example.test", desired: { owned: [] }, clusterVersion, outcome: "succeeded", startedAt, finishedAt: startedAt } });
    await run(1, ago(400 * DAY)); // past APPLY_RETENTION_DAYS: the run goes, and so may its version
    await run(2, ago(300 * DAY));
    await run(5, ago(DAY));
    return c;
  };
  const [x, y] = [await make("ver-x"), await make("ver-y")];
  const report = await runRetention(prisma, { ...retentionFromEnv({}), versionsKept: 4, batch: 3 });
  expect(report.versions).toBe(2 * 6);
  for (const c of [x, y])
    expect((await prisma.clusterVersion.findMany({ where: { clusterId: c.id }, orderBy: { number: "asc" } })).map((v) => v.number)).toEqual([2, 5, 9, 10, 11, 12]);
  expect((await runRetention(prisma, { ...retentionFromEnv({}), versionsKept: 4, batch: 3 })).versions).toBe(0);
});
