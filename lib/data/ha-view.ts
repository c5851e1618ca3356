import type { PrismaClient } from "@/generated/prisma/client";
import { directorStates, directorsOf } from "@/lib/data/ha";
import { HA_POLL_MS } from "@/lib/ha/model";
import { directorsView, type DirectorsView } from "@/lib/ha/view";

/** A cluster's directors with their last HA readings, judged now (null: no such cluster). Four small reads. */
export async function loadDirectorsView(prisma: PrismaClient, clusterId: string, pollMs = HA_POLL_MS): Promise<DirectorsView | null> {
  const [cluster, directors, rows, flags] = await Promise.all([
    prisma.cluster.findUnique({ where: { id: clusterId }, select: { haEnabled: true, vrrpAdvertInt: true } }),
    directorsOf(prisma, clusterId),
    directorStates(prisma, clusterId),
    prisma.directorState.findMany({ where: { host: { clusterId } }, select: { hostId: true, behind: true } }),
  ]);
  if (!cluster) return null;
  return directorsView({ haEnabled: cluster.haEnabled, advertInt: cluster.vrrpAdvertInt, directors, rows, behind: new Map(flags.map((f) => [f.hostId, f.behind])), pollMs });
}
