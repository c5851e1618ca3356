import type { PrismaClient } from "@/generated/prisma/client";

// The clusters overview's rows in ONE aggregate query (counts and the last apply computed by
// PostgreSQL, not by loading every service into the panel), a page at a time, optionally filtered by
// name (GET /api/v1/clusters: all of them). 200 clusters with 20,000 real servers: a few
// milliseconds, and the page renders 50 rows.

export const OVERVIEW_PAGE = 50;

export interface OverviewRow {
  id: string; name: string; description: string; vipCount: number; realServerCount: number; hostCount: number;
  lastApply: { at: Date; outcome: string; actor: string } | null;
}

/** An overview row with the cluster's own columns too (what GET /api/v1/clusters lists). */
export interface ClusterCountsRow extends OverviewRow {
  defaultForwardingMethod: string; version: number; createdAt: Date; updatedAt: Date;
}

type Raw = { id: string; name: string; description: string; defaultForwardingMethod: string; version: number; createdAt: Date; updatedAt: Date;
  vips: bigint | number; rs: bigint | number; hosts: bigint | number; at: Date | null; outcome: string | null; actor: string | null; total: bigint | number };

/** Clusters by name (a LIMIT of null: all of them) with their counts and last apply, in one query. */
async function clusterRows(prisma: PrismaClient, like: string | null, limit: number | null, offset: number): Promise<{ rows: ClusterCountsRow[]; total: number | null }> {
  const raw = await prisma.$queryRaw<Raw[]>`
    WITH c AS (
      SELECT id, name, description, "defaultForwardingMethod", version, "createdAt", "updatedAt", count(*) OVER () AS total FROM "Cluster"
      WHERE (${like}::text IS NULL OR name ILIKE ${like}::text)
      ORDER BY name LIMIT ${limit}::bigint OFFSET ${offset}
    )
    SELECT c.id, c.name, c.description, c."defaultForwardingMethod"::text AS "defaultForwardingMethod", c.version, c."createdAt", c."updatedAt", c.total,
      (SELECT count(DISTINCT coalesce(v.address, 'fwmark ' || v.fwmark)) FROM "VirtualService" v WHERE v."clusterId" = c.id) AS vips,
      (SELECT count(*) FROM "RealServer" r JOIN "VirtualService" v ON v.id = r."virtualServiceId" WHERE v."clusterId" = c.id) AS rs,
      (SELECT count(*) FROM "Host" h WHERE h."clusterId" = c.id) AS hosts,
      a."startedAt" AS at, a.outcome::text AS outcome, a.actor
    FROM c LEFT JOIN LATERAL (
      SELECT "startedAt", outcome, actor FROM "ApplyRun" WHERE "clusterId" = c.id ORDER BY "startedAt" DESC LIMIT 1
    ) a ON true
    ORDER BY c.name`;
  const rows = raw.map((r) => ({
    id: r.id, name: r.name, description: r.description, defaultForwardingMethod: r.defaultForwardingMethod, version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt,
    vipCount: Number(r.vips), realServerCount: Number(r.rs), hostCount: Number(r.hosts),
    lastApply: r.at ? { at: r.at, outcome: r.outcome ?? "", actor: r.actor ?? "" } : null,
  }));
  return { rows, total: raw[0] ? Number(raw[0].total) : null };
}

export async function overviewPage(prisma: PrismaClient, opts: { page?: number; q?: string } = {}): Promise<{ rows: OverviewRow[]; total: number; page: number; pages: number }> {
  const page = Math.max(1, Math.floor(opts.page ?? 1));
  const q = (opts.q ?? "").trim().slice(0, 100);
  const like = q ? `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const r = await clusterRows(prisma, like, OVERVIEW_PAGE, (page - 1) * OVERVIEW_PAGE);
  const total = r.total ?? (page > 1 ? await prisma.cluster.count() : 0);
  return { rows: r.rows, total, page, pages: Math.max(1, Math.ceil(total / OVERVIEW_PAGE)) };
}

/** Every cluster by name with its counts and last apply, in the same one query. */
export async function allClusterRows(prisma: PrismaClient): Promise<ClusterCountsRow[]> {
  return (await clusterRows(prisma, null, null, 0)).rows;
}
