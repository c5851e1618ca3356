// Bounded retention of the tables that only grow. Run by the worker holding the "housekeeping" lock,
// in batches: each DELETE is its own short statement of at most `batch` rows picked through an index,
// so no table-wide lock or long transaction holds up the panel, however large the backlog.
import type { PrismaClient } from "@/generated/prisma/client";
import { IDEMPOTENCY_TTL_MS } from "@/lib/api/idempotency";
import { HEALTH_ACTOR } from "@/lib/desired/desired";

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export interface Retention {
  /** CounterSample rows (SAMPLE_RETENTION_HOURS, 24) */
  samplesMs: number;
  /** LoginAttempt rows whose window and lock are over (LOGIN_ATTEMPT_RETENTION_HOURS, 24) */
  loginAttemptsMs: number;
  /** the health checker's ApplyRuns and their steps (HEALTH_APPLY_RETENTION_DAYS, 30) */
  healthAppliesMs: number;
  /** everyone else's ApplyRuns (APPLY_RETENTION_DAYS, 365); a cluster's last finished one is always kept */
  appliesMs: number;
  /** HealthEvent rows (HEALTH_EVENT_RETENTION_DAYS, 30) */
  healthEventsMs: number;
  /** delivered or failed WebhookDelivery rows (WEBHOOK_DELIVERY_RETENTION_DAYS, 7) */
  webhookDeliveriesMs: number;
  /** the newest ClusterVersions kept per cluster (CLUSTER_VERSIONS_KEPT, 500); a version an ApplyRun pushed is kept as long as that run */
  versionsKept: number;
  /** AuditEvent rows (AUDIT_RETENTION_DAYS, 730): never shorter than any of the above */
  auditMs: number;
  /** rows per DELETE */
  batch: number;
}

function num(env: Record<string, string | undefined>, name: string, dflt: number): number {
  const v = env[name];
  if (v === undefined || v.trim() === "") return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(v)}`);
  return n;
}

/** The retention the environment asks for (a bad value stops the worker with its name). */
export function retentionFromEnv(env: Record<string, string | undefined> = process.env): Retention {
  const r: Retention = {
    samplesMs: num(env, "SAMPLE_RETENTION_HOURS", 24) * HOUR,
    loginAttemptsMs: num(env, "LOGIN_ATTEMPT_RETENTION_HOURS", 24) * HOUR,
    healthAppliesMs: num(env, "HEALTH_APPLY_RETENTION_DAYS", 30) * DAY,
    appliesMs: num(env, "APPLY_RETENTION_DAYS", 365) * DAY,
    healthEventsMs: num(env, "HEALTH_EVENT_RETENTION_DAYS", 30) * DAY,
    webhookDeliveriesMs: num(env, "WEBHOOK_DELIVERY_RETENTION_DAYS", 7) * DAY,
    auditMs: num(env, "AUDIT_RETENTION_DAYS", 730) * DAY,
    versionsKept: Math.round(num(env, "CLUSTER_VERSIONS_KEPT", 500)),
    batch: Math.round(num(env, "RETENTION_BATCH", 1000)),
  };
  // the audit log is the record of who did what: it outlives what it describes
  r.auditMs = Math.max(r.auditMs, r.appliesMs, r.healthAppliesMs, r.healthEventsMs, r.samplesMs, r.loginAttemptsMs, r.webhookDeliveriesMs);
  return r;
}

/** Repeats one batched DELETE until it deletes fewer than `batch` rows (or `keepGoing` says stop). */
async function drain(prisma: PrismaClient, sql: string, params: unknown[], batch: number, keepGoing: () => boolean): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await prisma.$executeRawUnsafe(sql, ...params, batch);
    total += n;
    if (n < batch || !keepGoing()) return total;
  }
}

export type RetentionReport = Record<"samples" | "loginAttempts" | "healthApplies" | "applies" | "versions" | "healthEvents" | "webhookDeliveries" | "idempotency" | "audit", number>;

/**
 * Deletes what is older than the retention, in batches. Per cluster where the index starts with the
 * cluster (CounterSample, ApplyRun, HealthEvent), so each batch is an index range, never a scan.
 */
export async function runRetention(prisma: PrismaClient, r: Retention, now = Date.now(), keepGoing: () => boolean = () => true): Promise<RetentionReport> {
  const cut = (ms: number) => new Date(now - ms);
  const out: RetentionReport = { samples: 0, loginAttempts: 0, healthApplies: 0, applies: 0, versions: 0, healthEvents: 0, webhookDeliveries: 0, idempotency: 0, audit: 0 };
  const clusters = (await prisma.cluster.findMany({ select: { id: true } })).map((c) => c.id);
  for (const id of clusters) {
    if (!keepGoing()) return out;
    out.samples += await drain(prisma, `DELETE FROM "CounterSample" WHERE id IN (SELECT id FROM "CounterSample" WHERE "clusterId" = $1 AND at < $2 LIMIT $3)`, [id, cut(r.samplesMs)], r.batch, keepGoing);
    out.healthEvents += await drain(prisma, `DELETE FROM "HealthEvent" WHERE id IN (SELECT id FROM "HealthEvent" WHERE "clusterId" = $1 AND "createdAt" < $2 LIMIT $3)`, [id, cut(r.healthEventsMs)], r.batch, keepGoing);
    // finished runs only (a running apply is someone's work in progress); ApplyStep rows go with their run (ON DELETE CASCADE)
    out.healthApplies += await drain(prisma, `DELETE FROM "ApplyRun" WHERE id IN (SELECT id FROM "ApplyRun" WHERE "clusterId" = $1 AND "startedAt" < $2
      AND actor = $3 AND outcome NOT IN ('planned', 'running') LIMIT $4)`, [id, cut(r.healthAppliesMs), HEALTH_ACTOR], r.batch, keepGoing);
    // the operator's last finished apply says which services the panel manages (lib/desired/desired lastOwned): kept at any age
    out.applies += await drain(prisma, `DELETE FROM "ApplyRun" WHERE id IN (SELECT id FROM "ApplyRun" WHERE "clusterId" = $1 AND "startedAt" < $2
      AND actor <> $3 AND outcome NOT IN ('planned', 'running') AND id IS DISTINCT FROM (SELECT id FROM "ApplyRun" WHERE "clusterId" = $1 AND actor <> $3
      AND outcome IN ('succeeded', 'verify_failed', 'failed') ORDER BY "startedAt" DESC LIMIT 1) LIMIT $4)`, [id, cut(r.appliesMs), HEALTH_ACTOR], r.batch, keepGoing);
    // after the applies: a version an apply that is kept pushed stays (its run says what was pushed; rollback may want it)
    out.versions += await drain(prisma, `DELETE FROM "ClusterVersion" WHERE id IN (SELECT v.id FROM "ClusterVersion" v WHERE v."clusterId" = $1
      AND v.number <= (SELECT max(number) FROM "ClusterVersion" WHERE "clusterId" = $1) - $2
      AND NOT EXISTS (SELECT 1 FROM "ApplyRun" a WHERE a."clusterId" = $1 AND a."clusterVersion" = v.number) ORDER BY v.number LIMIT $3)`, [id, r.versionsKept], r.batch, keepGoing);
  }
  if (!keepGoing()) return out;
  out.loginAttempts = await drain(prisma, `DELETE FROM "LoginAttempt" WHERE key IN (SELECT key FROM "LoginAttempt" WHERE "windowStart" < $1
    AND ("lockedUntil" IS NULL OR "lockedUntil" < $2) LIMIT $3)`, [cut(r.loginAttemptsMs), new Date(now)], r.batch, keepGoing);
  out.webhookDeliveries = await drain(prisma, `DELETE FROM "WebhookDelivery" WHERE id IN (SELECT id FROM "WebhookDelivery" WHERE status <> 'pending' AND "createdAt" < $1 LIMIT $2)`,
    [cut(r.webhookDeliveriesMs)], r.batch, keepGoing);
  out.idempotency = await drain(prisma, `DELETE FROM "IdempotencyRecord" WHERE id IN (SELECT id FROM "IdempotencyRecord" WHERE "createdAt" < $1 LIMIT $2)`,
    [cut(IDEMPOTENCY_TTL_MS)], r.batch, keepGoing);
  out.audit = await drain(prisma, `DELETE FROM "AuditEvent" WHERE id IN (SELECT id FROM "AuditEvent" WHERE "createdAt" < $1 LIMIT $2)`, [cut(r.auditMs)], r.batch, keepGoing);
  return out;
}
