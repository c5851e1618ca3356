import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { deleteCluster } from "@/lib/data/clusters";
import { applyDirector, probeDirector, recordApply, stepLine, unbindVip, type ApplyReport, type StepResult } from "@/lib/director";
import { StaleError, UserError } from "@/lib/errors";
import { isSshError, shJoin } from "@/lib/ssh";
import { desiredCore, lastOwned, loadDesired } from "@/lib/desired/desired";
import { directorOf } from "@/lib/data/hosts";
import { holdsSomething, leftRunning, type TeardownPlan } from "@/lib/operations/teardown-plan";

export { leftRunning, type TeardownPlan };
import { pool, targetFor } from "@/lib/operations/targets";

// Deleting a cluster whose services still run: the panel forgets them, the director's kernel does
// not. Before a cluster goes, its director is read (one probe) and what of the cluster it still
// holds is shown: the ipvsadm -D of each virtual service the panel manages(d) for it, and each VIP
// bound for it. The operator removes them from the director too (recorded as an apply, kept in the
// history), or deletes the cluster and leaves them running, knowingly; a plain delete is refused.

export type DirectorChoice = "check" | "remove" | "leave";

const message = (e: unknown) => (isSshError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));

/** The service keys the panel manages for the cluster now or managed at its last apply ("TCP VIP:PORT"). */
async function clusterKeys(prisma: PrismaClient, clusterId: string) {
  const [desired, previous] = await Promise.all([loadDesired(prisma, clusterId), lastOwned(prisma, clusterId)]);
  return { keys: [...new Set([...desired.owned, ...previous])], vips: desired.vips };
}

/** What of the cluster the director still runs, from one read of it (nothing is changed). */
export async function teardownPlan(prisma: PrismaClient, clusterId: string): Promise<TeardownPlan> {
  const director = await directorOf(prisma, clusterId);
  if (!director) return { director: null, services: [], vips: [], error: null };
  const plan: TeardownPlan = { director: director.name, services: [], vips: [], error: null };
  // never trusted: the panel never ran anything there (nor can it read it), so nothing of it is left
  if (!director.hostKeyFingerprint) return plan;
  const { keys, vips } = await clusterKeys(prisma, clusterId);
  // a VIP another cluster's service also uses stays bound
  const others = await prisma.virtualService.findMany({ where: { clusterId: { not: clusterId }, address: { in: vips } }, select: { address: true } });
  const shared = new Set(others.map((s) => s.address));
  try {
    const probe = await probeDirector(pool(), await targetFor(prisma, director));
    const d = desiredCore.validate({ table: { services: [] }, remove: keys });
    plan.services = desiredCore.plan(d, { save: probe.save, thresholds: probe.thresholds })
      .map((s) => ({ command: stepLine(s), disruptive: s.disruptive }));
    for (const vip of vips) {
      const held = probe.addresses.find((a) => a.local === vip);
      if (!held || shared.has(vip) || vip === director.address) continue;
      const command = shJoin(["ip", "addr", "del", `${vip}/${vip.includes(":") ? 128 : 32}`, "dev", held.ifname]);
      plan.vips.push({ vip, iface: held.ifname, command });
    }
  } catch (e) {
    plan.error = message(e);
  }
  return plan;
}

/**
 * Removes the cluster's virtual services and VIPs from its director, as an apply recorded in the
 * history (actor: the user). Throws a UserError when anything is left, so the cluster is kept.
 */
export async function teardownDirector(prisma: PrismaClient, user: { id: string; email: string }, clusterId: string): Promise<string> {
  const director = await directorOf(prisma, clusterId);
  if (!director) throw new UserError("This cluster has no director: there is nothing to remove.");
  const plan = await teardownPlan(prisma, clusterId);
  if (plan.error) {
    throw new UserError(`Could not read the director ${director.name}: ${plan.error}. Nothing was removed and the cluster is kept.`);
  }
  const { keys } = await clusterKeys(prisma, clusterId);
  const t = await targetFor(prisma, director);
  const { runId, report } = await recordApply(prisma, {
    clusterId, actor: user.email, userId: user.id, hostId: director.id, hostName: director.name,
    desired: { kind: "teardown", director: director.name, remove: keys, owned: [], vips: plan.vips.map((v) => v.vip) },
  }, async () => {
    const r: ApplyReport = await applyDirector(pool(), t, desiredCore, { table: { services: [] }, remove: keys });
    if (r.outcome !== "succeeded") return r;
    // the VIPs only once no service of the cluster is left on them
    for (const v of plan.vips) {
      const step: StepResult = { position: r.steps.length, command: v.command, disruptive: true, status: "succeeded", exitCode: 0, output: "" };
      try {
        step.output = (await unbindVip(pool(), t, { vip: v.vip, iface: v.iface })).changed ? "removed" : "already gone";
      } catch (e) {
        Object.assign(step, { status: "failed", exitCode: 1, output: message(e) });
        r.steps.push(step);
        return { ...r, outcome: "failed", failedStep: step };
      }
      r.steps.push(step);
    }
    return r;
  }, { waitMs: 60_000 });
  if (report.outcome !== "succeeded") {
    const f = report.failedStep;
    const why = report.error ? `${report.error.code}: ${report.error.message}` : f ? `${f.command}: ${f.output.trim()}` : report.differences.join("; ");
    throw new UserError(`Removing the cluster from ${director.name} did not finish (${why}). The cluster is kept; see its apply history.`);
  }
  return runId;
}

export type DeleteOutcome = { deleted: true; runId: string | null; left: TeardownPlan | null } | { deleted: false; plan: TeardownPlan };

/**
 * Deletes a cluster the way its director allows: "check" deletes only when the director holds
 * nothing of it (else returns the plan, nothing deleted); "remove" removes that first; "leave"
 * deletes and leaves it running (said in the audit record). The version is checked before the
 * director is touched and again by the delete itself.
 */
export async function deleteClusterWithDirector(
  prisma: PrismaClient, user: { id: string; email: string }, id: string, version: number, choice: DirectorChoice,
): Promise<DeleteOutcome> {
  const c = await prisma.cluster.findUnique({ where: { id } });
  if (!c) throw new UserError("This cluster no longer exists.");
  if (c.version !== version) throw new StaleError(`Cluster ${c.name}`);
  let runId: string | null = null;
  let left: TeardownPlan | null = null;
  if (choice === "remove") runId = await teardownDirector(prisma, user, id);
  else {
    const plan = await teardownPlan(prisma, id);
    if (choice === "check" && (plan.error || holdsSomething(plan))) return { deleted: false, plan };
    if (holdsSomething(plan) || plan.error) left = plan;
  }
  const note: Record<string, string> = left ? { leftOnDirector: left.error ? `unknown (${left.error})` : leftRunning(left) } : runId ? { removedFromDirector: runId } : {};
  await deleteCluster(prisma, user.email, id, version, note);
  return { deleted: true, runId, left };
}
