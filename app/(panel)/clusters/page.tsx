import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { HealthBadge } from "@/components/health/badge";
import { clusterBadges } from "@/lib/console/badge";
import { requireUser } from "@/lib/auth";
import { clusterSummaries } from "@/lib/clusters";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";

export const metadata = { title: "Clusters" };

export default async function ClustersPage() {
  const user = await requireUser();
  const prisma = await db();
  const [clusters, badges] = await Promise.all([clusterSummaries(prisma), clusterBadges(prisma)]);
  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1>Clusters</h1>
        {can(user.role, "edit") && <Link href="/clusters/new" className="btn btn-primary">New cluster</Link>}
      </div>
      {clusters.length === 0 ? (
        <EmptyState title="No clusters yet">
          A cluster is one director (or an active/backup pair) and the real servers behind its VIPs.{" "}
          {can(user.role, "edit") ? <Link className="text-sky-600 underline" href="/clusters/new">Create the first cluster</Link> : "An operator can create one."}
          , then add its director and real servers as hosts.
        </EmptyState>
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="table" data-testid="clusters-table">
            <thead>
              <tr><th>Cluster</th><th>VIPs</th><th>Real servers</th><th>Hosts</th><th>Last apply</th><th>Health</th></tr>
            </thead>
            <tbody>
              {clusters.map((c) => (
                <tr key={c.id}>
                  <td><Link className="font-medium text-sky-700 hover:underline dark:text-sky-400" href={`/clusters/${c.id}`}>{c.name}</Link>
                    {c.description && <div className="text-xs text-zinc-500">{c.description}</div>}</td>
                  <td className="tabular-nums">{c.vipCount}</td>
                  <td className="tabular-nums">{c.realServerCount}</td>
                  <td className="tabular-nums">{c.hostCount}</td>
                  <td>{c.lastApply ? <span title={c.lastApply.at.toISOString()}>{c.lastApply.outcome} · {c.lastApply.actor} · {c.lastApply.at.toISOString().slice(0, 16).replace("T", " ")}</span> : <span className="text-zinc-500">never</span>}</td>
                  <td><HealthBadge health={badges.get(c.id)} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
