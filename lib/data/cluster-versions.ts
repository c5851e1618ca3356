import type { Prisma, PrismaClient } from "@/generated/prisma/client";
import { diffDocuments, jsonEqual, type ClusterDocument } from "@/lib/declarative";
import { UserError } from "@/lib/errors";
import { documentOf, storeDocument, type DocumentSource } from "@/lib/data/cluster-document";

// Versions of a cluster's desired state: every write of it (forms, API, CLI, import, rollback) calls
// recordVersion in its own transaction, which stores the whole document when it differs from the
// latest version. The health checker writes no desired-state rows, so its overlays are never versions.

type Tx = Prisma.TransactionClient;
export type VersionSource = DocumentSource | "untracked";

/**
 * Locks the cluster row: every desired-state write takes it FIRST in its transaction, so writes of one
 * cluster (and the version numbers they record) are serialised, and never deadlock on each other's rows.
 */
export async function lockCluster(tx: Tx, clusterId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Cluster" WHERE id = ${clusterId} FOR UPDATE`;
}

/** Who writes through the forms' functions (lib/data), and which way in: the panel's forms (ui) or /api/v1 (api). */
export interface Writer { actor: string; source: "ui" | "api" }

/**
 * Records the cluster's desired state as a new version when it differs from the latest one; returns
 * the number of the version that now holds it. Call inside the writing transaction, after lockCluster;
 * `document`: the state as the caller already read it (storeDocument), else it is read here.
 */
export async function recordVersion(tx: Tx, clusterId: string, actor: string, source: VersionSource, document?: ClusterDocument): Promise<number> {
  const now = document ?? (await documentOf(tx, clusterId))?.document;
  if (!now) throw new UserError("This cluster no longer exists.");
  const last = await tx.clusterVersion.findFirst({ where: { clusterId }, orderBy: { number: "desc" } });
  const lastDoc = (last?.document ?? null) as ClusterDocument | null;
  const doc = plain(now);
  if (last && jsonEqual(lastDoc, doc)) return last.number;
  const number = (last?.number ?? 0) + 1;
  const changes = diffDocuments(lastDoc, now).map((d) => d.text);
  await tx.clusterVersion.create({ data: { clusterId, number, actor, source, document: doc as never, changes } });
  return number;
}

const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

export async function latestVersionNumber(db: PrismaClient | Tx, clusterId: string): Promise<number | null> {
  return (await db.clusterVersion.findFirst({ where: { clusterId }, orderBy: { number: "desc" }, select: { number: true } }))?.number ?? null;
}

/** The versions of a cluster, newest first, with the applies that pushed each (and whether they verified). */
export async function listVersions(prisma: PrismaClient, clusterId: string, take = 200) {
  const versions = await prisma.clusterVersion.findMany({
    where: { clusterId }, orderBy: { number: "desc" }, take, select: { number: true, actor: true, source: true, changes: true, createdAt: true },
  });
  const runs = versions.length ? await prisma.applyRun.findMany({
    where: { clusterId, clusterVersion: { in: versions.map((v) => v.number) } }, orderBy: { startedAt: "desc" },
    select: { id: true, clusterVersion: true, outcome: true, actor: true, startedAt: true },
  }) : [];
  return versions.map((v) => ({ ...v, changes: (v.changes ?? []) as string[], applies: runs.filter((r) => r.clusterVersion === v.number) }));
}

export async function getVersion(prisma: PrismaClient, clusterId: string, number: number) {
  const v = await prisma.clusterVersion.findUnique({ where: { clusterId_number: { clusterId, number } } });
  return v ? { ...v, document: v.document as unknown as ClusterDocument } : null;
}

/** The newest version an apply pushed and verified (null: none). */
export async function lastVerifiedVersion(prisma: PrismaClient, clusterId: string): Promise<number | null> {
  const r = await prisma.applyRun.findFirst({ where: { clusterId, outcome: "succeeded", clusterVersion: { not: null } }, orderBy: { startedAt: "desc" }, select: { clusterVersion: true } });
  return r?.clusterVersion ?? null;
}

/**
 * Roll back: the desired state of version `number` stored as a NEW version (source rollback); nothing
 * is pushed (the operator sees the plan, then applies). Unchanged when the state already is that.
 */
export async function rollbackTo(prisma: PrismaClient, clusterId: string, number: number, actor: string, opts: { ifVersion?: number } = {}) {
  const v = await getVersion(prisma, clusterId, number);
  if (!v) throw new UserError(`Version ${number} of this cluster does not exist.`, { version: [`no version ${number}`] });
  // the name may have changed since: the document is of this cluster whatever it was called then
  const cluster = await prisma.cluster.findUniqueOrThrow({ where: { id: clusterId }, select: { name: true } });
  const doc = { ...v.document, cluster: { ...(v.document.cluster ?? {}), name: cluster.name } };
  return storeDocument(prisma, clusterId, doc, actor, "rollback", opts);
}
