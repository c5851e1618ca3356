import type { PrismaClient } from "@/generated/prisma/client";
import { LeaseLost, withDirectorLock, type DirectorLease, type LeaseOptions } from "./lease";
import type { ApplyReport } from "./ops";

// Recording is a thin shell around the apply op: the op itself never touches the database.

export interface ApplyMeta {
  clusterId: string;
  actor: string;
  userId?: string | null;
  hostId: string | null;
  hostName: string;
  /** What was asked for, stored as ApplyRun.desired. */
  desired: unknown;
}

/**
 * Runs an apply under the director's lease and records it as an ApplyRun with its ApplySteps,
 * whatever the outcome (a run that lost its host is recorded as failed, with the steps it reached).
 * Every record is a short transaction fenced by the lease: a holder that lost it records no step
 * and no outcome; its own run is then marked failed with the reason, so it does not stay "running".
 */
export async function recordApply(db: PrismaClient, meta: ApplyMeta, run: (lease: DirectorLease) => Promise<ApplyReport>, opts: LeaseOptions = {}): Promise<{ runId: string; report: ApplyReport }> {
  return withDirectorLock(db, meta.hostId ?? meta.hostName, async (lease) => {
    const created = await lease.write((tx) => tx.applyRun.create({
      data: { clusterId: meta.clusterId, userId: meta.userId ?? null, actor: meta.actor, desired: (meta.desired ?? null) as never, outcome: "running", startedAt: new Date() },
    }));
    const lost = async (e: unknown) => {
      if (e instanceof LeaseLost) await db.applyRun.update({ where: { id: created.id }, data: { outcome: "failed", error: e.message, finishedAt: new Date() } });
      throw e;
    };
    let report: ApplyReport;
    try {
      report = await run(lease);
    } catch (e) {
      await lease.write((tx) => tx.applyRun.update({ where: { id: created.id }, data: { outcome: "failed", error: e instanceof Error ? e.message : String(e), finishedAt: new Date() } }))
        .catch(lost);
      throw e;
    }
    await lease.write(async (tx) => {
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
    }).catch(lost);
    return { runId: created.id, report };
  }, opts);
}
