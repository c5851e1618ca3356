import type { PrismaClient } from "@/generated/prisma/client";
import { applySteps, type Table } from "@/lib/ipvs";
import { healthSteps, type HealthDesired } from "@/lib/ipvs/health-plan";
import { healthDesired, loadCluster } from "@/lib/health/runner";
import type { HealthStatus } from "@/lib/health/state";
import { desiredOf, lastOwned, type Desired } from "@/lib/desired/desired";

// The operator's desired state with the health checker's decisions laid over it, so that an Apply (or
// the plan, or the live view's drift) does not undo the checker: real servers health holds down stay
// at weight 0 (or out, in "remove" mode) and the sorry server stays in while it is wanted. The overlay
// is health's own planner (healthSteps) run against the desired table instead of the kernel's, so the
// two can never disagree about what "health's part" is.

/** Pure: the desired table after health's steps; the reasons say what health changed. */
export function overlayTable(desired: Table, health: HealthDesired): { table: Table; reasons: string[] } {
  const steps = healthSteps(health, desired);
  if (!steps.length) return { table: desired, reasons: [] };
  return { table: applySteps(desired, steps), reasons: steps.map((s) => s.reason) };
}

export interface DesiredWithHealth extends Desired {
  /** what the health checker changed in the desired state (empty: nothing) */
  health: string[];
}

/** The cluster's rows as lib/health reads them (services, real servers, their checks and health state). */
export type ClusterRows = NonNullable<Awaited<ReturnType<typeof loadCluster>>>;

/**
 * The desired state with the health overlay, and the rows it was made of (null: no such cluster): ONE
 * read of the services and real servers (lib/health's loadCluster, which has their health state too)
 * serves the desired table and the overlay.
 */
export async function loadDesiredAndCluster(
  prisma: PrismaClient, clusterId: string,
): Promise<{ desired: DesiredWithHealth; cluster: ClusterRows | null }> {
  const [c, previous] = await Promise.all([loadCluster(prisma, clusterId), lastOwned(prisma, clusterId)]);
  const d = desiredOf(c?.virtualServices ?? [], previous);
  if (!c || !c.virtualServices.some((vs) => vs.healthCheck?.enabled)) return { desired: { ...d, health: [] }, cluster: c };
  const status = new Map<string, HealthStatus>();
  for (const vs of c.virtualServices) {
    for (const rs of vs.realServers) status.set(rs.id, (rs.healthState?.status ?? "unknown") as HealthStatus);
  }
  const hd = healthDesired(c, (id) => status.get(id) ?? "unknown");
  const o = overlayTable(d.table, hd);
  if (!o.reasons.length) return { desired: { ...d, health: [] }, cluster: c };
  return { desired: { ...d, table: o.table, health: o.reasons }, cluster: c };
}

/** loadDesired + the health overlay from the checker's persisted state (HealthState rows). */
export async function loadDesiredWithHealth(prisma: PrismaClient, clusterId: string): Promise<DesiredWithHealth> {
  return (await loadDesiredAndCluster(prisma, clusterId)).desired;
}
