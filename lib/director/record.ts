import type { PrismaClient } from "@/generated/prisma/client";
import { LeaseLost, withDirectorLock, type DirectorLease, type LeaseOptions } from "./lease";
import type { ApplyReport, StepResult } from "./ops";

// Recording is a thin shell around the apply op: the op itself never touches the database. The ONE
// mapping of an apply's report to its records (stepRows, outcomeOf) is here; recordApply, the
// console's apply (lib/operations) and the health checker's (lib/health/runner) all write through it.

/** The ApplyStep rows of a report's steps (positions from `base`), on `host` unless a step names its own. */
export function stepRows(runId: string, host: { id: string | null; name: string }, steps: readonly StepResult[], base = 0) {
  const at = new Date();
  return steps.map((s) => ({
    runId, hostId: s.host ? s.host.id : host.id, hostName: s.host ? s.host.name : host.name, position: base + s.position,
    command: s.command, disruptive: s.disruptive, status: s.status, exitCode: s.exitCode, stdout: s.output, finishedAt: at,
  }));
}

/** The ApplyRun fields a finished report sets; `sshError` words an SSH failure (default "code: message"). */
export function outcomeOf(report: ApplyReport, sshError: (e: NonNullable<ApplyReport["error"]>) => string = (e) => `${e.code}: ${e.message}`) {
  const f = report.failedStep;
  return {
    outcome: report.outcome,
    error: report.error ? sshError(report.error) : f ? `step ${f.position} failed: ${f.output.trim()}` : report.differences.length ? report.differences.join("; ") : null,
    verification: { differences: report.differences, after: report.after?.save ?? null } as never,
    finishedAt: new Date(),
  };
}

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
      if (report.steps.length) await tx.applyStep.createMany({ data: stepRows(created.id, { id: meta.hostId, name: meta.hostName }, report.steps) });
      await tx.applyRun.update({ where: { id: created.id }, data: outcomeOf(report) });
    }).catch(lost);
    return { runId: created.id, report };
  }, opts);
}
