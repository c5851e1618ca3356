import type { Prisma, PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { isUniqueViolation, StaleError, UserError } from "@/lib/errors";
import { lockCluster, recordVersion, type Writer } from "@/lib/data/cluster-versions";
import type { ClusterCreate, ClusterUpdate } from "@/lib/validation/cluster";

const publicFields = (c: { name: string; description: string; defaultForwardingMethod: string }) =>
  ({ name: c.name, description: c.description, defaultForwardingMethod: c.defaultForwardingMethod });

export async function createCluster(prisma: PrismaClient, { actor, source }: Writer, input: ClusterCreate) {
  try {
    return await prisma.$transaction(async (tx) => {
      const c = await tx.cluster.create({ data: input });
      await audit(tx, { actor, action: "cluster.create", target: `cluster:${c.name}`, after: publicFields(c) });
      await recordVersion(tx, c.id, actor, source);
      return c;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new UserError(`A cluster named ${input.name} already exists.`, { name: [`a cluster named ${input.name} already exists`] });
    throw e;
  }
}

/** Saves only if nobody saved since `version` was read; bumps the version. */
export async function updateCluster(prisma: PrismaClient, { actor, source }: Writer, input: ClusterUpdate) {
  const { id, version, ...data } = input;
  try {
    return await prisma.$transaction(async (tx) => {
      await lockCluster(tx, id);
      const before = await tx.cluster.findUnique({ where: { id } });
      if (!before) throw new UserError("This cluster no longer exists.");
      const res = await tx.cluster.updateMany({ where: { id, version }, data: { ...data, version: { increment: 1 } } });
      if (res.count !== 1) throw new StaleError(`Cluster ${before.name}`);
      const after = await tx.cluster.findUniqueOrThrow({ where: { id } });
      await audit(tx, { actor, action: "cluster.update", target: `cluster:${after.name}`, before: publicFields(before), after: publicFields(after) });
      await recordVersion(tx, id, actor, source);
      return after;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new UserError(`A cluster named ${input.name} already exists.`, { name: [`a cluster named ${input.name} already exists`] });
    throw e;
  }
}

/**
 * Deletes the cluster's desired state (hosts, services, real servers). Its apply history stays, the
 * permanent record (ApplyRun.clusterId becomes NULL, the name is kept in clusterName), as do the audit
 * events. `note` says in the audit record what became of the director's kernel (lib/operations/teardown).
 */
export async function deleteCluster(prisma: PrismaClient, actor: string, id: string, version: number, note: Record<string, string> = {}) {
  return prisma.$transaction(async (tx) => {
    const before = await tx.cluster.findUnique({ where: { id }, include: { _count: { select: { virtualServices: true, hosts: true, applyRuns: true } } } });
    if (!before) throw new UserError("This cluster no longer exists.");
    await tx.applyRun.updateMany({ where: { clusterId: id }, data: { clusterName: before.name } });
    const res = await tx.cluster.deleteMany({ where: { id, version } });
    if (res.count !== 1) throw new StaleError(`Cluster ${before.name}`);
    const { applyRuns, ...counts } = before._count;
    await audit(tx, { actor, action: "cluster.delete", target: `cluster:${before.name}`, before: { ...publicFields(before), ...counts }, after: { applyRunsKept: applyRuns, ...note } });
  });
}

/** Creates the cluster named `name`, or updates its description (a new version); no audit event (the caller records one). */
export async function putCluster(tx: Prisma.TransactionClient, name: string, description: string) {
  return tx.cluster.upsert({ where: { name }, create: { name, description }, update: { description, version: { increment: 1 } } });
}
