import type { PrismaClient } from "@/generated/prisma/client";

// The clusters overview's health badge, from what the background worker keeps in the database
// (lib/worker: HostStatus = SSH reachability per host, HealthState = the checks' verdict per real
// server) and the last real-server probes (RealServerProbe): the same on every panel instance, and
// two aggregate queries for all clusters whatever their size.

export interface Badge {
  level: "ok" | "warning" | "error" | "unknown";
  summary: string;
  /** when the newest fact behind it was observed (ISO) */
  at: string;
  /** the facts, one per line (the badge's tooltip) */
  details: string[];
}

type HostRow = { clusterId: string; role: string; name: string; reachable: boolean | null; checkedAt: Date | null; ready: boolean | null };
type RealServerRow = { clusterId: string; down: bigint | number; checked: bigint | number; newest: Date | null };

/** Badges for the given clusters (all when omitted). Facts older than `staleMs` count as unknown. */
export async function clusterBadges(prisma: PrismaClient, clusterIds?: string[], staleMs = 5 * 60_000): Promise<Map<string, Badge>> {
  const ids = clusterIds ?? null;
  const hosts = await prisma.$queryRaw<HostRow[]>`
    SELECT h."clusterId", h.role::text AS role, h.name, s.reachable, s."checkedAt", p.ready
    FROM "Host" h LEFT JOIN "HostStatus" s ON s."hostId" = h.id LEFT JOIN "RealServerProbe" p ON p."hostId" = h.id
    WHERE (${ids}::text[] IS NULL OR h."clusterId" = ANY(${ids}::text[]))`;
  const rs = await prisma.$queryRaw<RealServerRow[]>`
    SELECT v."clusterId", count(*) FILTER (WHERE st.status = 'down') AS down, count(*) AS checked, max(st."lastCheckedAt") AS newest
    FROM "HealthState" st JOIN "RealServer" r ON r.id = st."realServerId" JOIN "VirtualService" v ON v.id = r."virtualServiceId"
    WHERE r.state = 'active' AND (${ids}::text[] IS NULL OR v."clusterId" = ANY(${ids}::text[]))
    GROUP BY v."clusterId"`;
  const now = Date.now();
  const fresh = (d: Date | null) => !!d && now - d.getTime() <= staleMs;
  const by = new Map<string, { hosts: HostRow[]; rs: RealServerRow | null }>();
  for (const h of hosts) (by.get(h.clusterId) ?? by.set(h.clusterId, { hosts: [], rs: null }).get(h.clusterId)!).hosts.push(h);
  for (const r of rs) (by.get(r.clusterId) ?? by.set(r.clusterId, { hosts: [], rs: null }).get(r.clusterId)!).rs = r;
  const out = new Map<string, Badge>();
  for (const [clusterId, c] of by) {
    const details: string[] = [];
    let newest = 0;
    let errors = 0, warnings = 0, known = 0;
    for (const h of c.hosts) {
      if (h.checkedAt) newest = Math.max(newest, h.checkedAt.getTime());
      if (!fresh(h.checkedAt) || h.reachable === null) continue;
      known++;
      if (!h.reachable) {
        if (h.role === "director") errors++;
        else warnings++;
        details.push(`${h.name} (${h.role === "director" ? "director" : "real server"}): SSH unreachable`);
      }
      if (h.role === "real_server" && h.ready === false) {
        warnings++;
        details.push(`${h.name}: not DR-ready`);
      }
    }
    if (c.rs && fresh(c.rs.newest)) {
      known++;
      newest = Math.max(newest, c.rs.newest!.getTime());
      const down = Number(c.rs.down);
      if (down > 0) {
        warnings += down;
        details.push(`${down} of ${Number(c.rs.checked)} checked real servers down`);
      }
    }
    const at = newest ? new Date(newest).toISOString() : "";
    if (!known) out.set(clusterId, { level: "unknown", summary: "not probed", at, details: ["the worker has no recent facts about this cluster"] });
    else if (errors) out.set(clusterId, { level: "error", summary: "director unreachable", at, details });
    else if (warnings) out.set(clusterId, { level: "warning", summary: `${warnings} problem${warnings === 1 ? "" : "s"}`, at, details });
    else out.set(clusterId, { level: "ok", summary: "healthy", at, details: ["every host reachable, no checked real server down"] });
  }
  return out;
}
