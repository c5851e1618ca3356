import type { PrismaClient } from "@/generated/prisma/client";
import type { ApplyReport } from "./ops";

// Recording is a thin shell around the apply op: the op itself never touches the database.

export interface ApplyMeta {
  clusterId: string;
  actor: string;
  userId?: string | null;
  hostId: string | null;
  hostName: string;
  /** What was asked for, stored as ApplyRun.plan. */
  plan: unknown;
}

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** Another apply held the director's lock for longer than the caller was willing to wait. */
export class DirectorBusy extends Error {
  constructor(readonly directorKey: string, readonly waitedMs: number, options?: { cause?: unknown }) {
    super(`another apply to ${directorKey} is running; gave up after waiting ${waitedMs} ms`, options);
    this.name = "DirectorBusy";
  }
}

function isLockTimeout(e: unknown): boolean {
  const seen = new Set<unknown>();
  for (let x: unknown = e; x && typeof x === "object" && !seen.has(x); x = (x as { cause?: unknown }).cause) {
    seen.add(x);
    const o = x as { code?: unknown; message?: unknown; meta?: unknown };
    if (o.code === "55P03" || /lock timeout|55P03/.test(String(o.message ?? "")) || /55P03/.test(JSON.stringify(o.meta ?? ""))) return true;
  }
  return false;
}

/**
 * Serialises applies to one director across panel processes: a PostgreSQL advisory lock taken in a
 * transaction (released by commit/rollback, so a crashed process cannot leave it held).
 * A second apply WAITS for the first (FIFO in PostgreSQL's lock queue) up to `waitMs` (default 60 s),
 * then is refused with DirectorBusy; nothing of it has run by then.
 */
export async function withDirectorLock<T>(db: PrismaClient, directorKey: string, fn: (tx: Tx) => Promise<T>, opts: { waitMs?: number; maxRunMs?: number } = {}): Promise<T> {
  const waitMs = Math.max(1, Math.floor(opts.waitMs ?? 60_000));
  try {
    return await db.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${waitMs}ms'`);
        await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`lvs-panel:apply:${directorKey}`}, 0))::text AS locked`;
        await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = 0`);
        return fn(tx);
      },
      { maxWait: waitMs + 5_000, timeout: waitMs + (opts.maxRunMs ?? 10 * 60_000) },
    );
  } catch (e) {
    if (isLockTimeout(e)) throw new DirectorBusy(directorKey, waitMs, { cause: e });
    throw e;
  }
}

/**
 * Runs an apply under the director's lock and records it as an ApplyRun with its ApplySteps,
 * whatever the outcome (a run that lost its host is recorded as failed, with the steps it reached).
 */
export async function recordApply(db: PrismaClient, meta: ApplyMeta, run: () => Promise<ApplyReport>, opts: { waitMs?: number; maxRunMs?: number } = {}): Promise<{ runId: string; report: ApplyReport }> {
  const r = await withDirectorLock(db, meta.hostId ?? meta.hostName, async (tx) => {
    const started = new Date();
    const created = await tx.applyRun.create({
      data: { clusterId: meta.clusterId, userId: meta.userId ?? null, actor: meta.actor, plan: (meta.plan ?? null) as never, outcome: "running", startedAt: started },
    });
    let report: ApplyReport;
    try {
      report = await run();
    } catch (e) {
      // recorded, then re-thrown outside the transaction (throwing inside would roll the record back)
      await tx.applyRun.update({ where: { id: created.id }, data: { outcome: "failed", error: e instanceof Error ? e.message : String(e), finishedAt: new Date() } });
      return { thrown: e };
    }
    if (report.steps.length) {
      await tx.applyStep.createMany({
        data: report.steps.map((s) => ({
          runId: created.id,
          hostId: s.host ? s.host.id : meta.hostId,
          hostName: s.host ? s.host.name : meta.hostName,
          position: s.position,
          command: s.command,
          disruptive: s.disruptive,
          status: s.status,
          exitCode: s.exitCode,
          stdout: s.output,
          stderr: "",
        })),
      });
    }
    await tx.applyRun.update({
      where: { id: created.id },
      data: {
        outcome: report.outcome,
        error: report.error ? `${report.error.code}: ${report.error.message}` : report.failedStep ? `step ${report.failedStep.position} failed: ${report.failedStep.output.trim()}` : report.differences.length ? report.differences.join("; ") : null,
        verification: { differences: report.differences, after: report.after?.save ?? null } as never,
        finishedAt: new Date(),
      },
    });
    return { runId: created.id, report };
  }, opts);
  if ("thrown" in r) throw r.thrown;
  return r;
}
