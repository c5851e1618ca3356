import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { HealthBadge } from "@/components/health/badge";
import { clusterBadges } from "@/lib/data/badge";
import { overviewPage } from "@/lib/data/overview";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";

export const metadata = { title: "Clusters" };

export default async function ClustersPage({ searchParams }: { searchParams: Promise<{ page?: string; q?: string }> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const prisma = await db();
  const q = (sp.q ?? "").trim();
  const { rows: clusters, total, page, pages } = await overviewPage(prisma, { page: Number(sp.page) || 1, q });
  const badges = await clusterBadges(prisma, clusters.map((c) => c.id));
  const link = (p: number) => `/clusters?${new URLSearchParams({ ...(q ? { q } : {}), page: String(p) })}`;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1>Clusters</h1>
        <div className="flex items-center gap-2">
          {(total > clusters.length || q) && (
            <form className="flex items-center gap-1" role="search">
              <input name="q" defaultValue={q} className="input w-48 py-1" placeholder="Filter by name" aria-label="Filter clusters by name" />
              <button className="btn py-1" type="submit">Filter</button>
            </form>
          )}
          {can(user.role, "edit") && <Link href="/clusters/new" className="btn btn-primary">New cluster</Link>}
        </div>
      </div>
      {clusters.length === 0 ? (
        q ? <EmptyState title="No cluster matches">No cluster name contains &quot;{q}&quot;. <Link className="text-sky-600 underline" href="/clusters">Show all</Link>.</EmptyState> : (
        <EmptyState title="No clusters yet">
          A cluster is one director (or an active/backup pair) and the real servers behind its VIPs.{" "}
          {can(user.role, "edit") ? <Link className="text-sky-600 underline" href="/clusters/new">Create the first cluster</Link> : "An operator can create one."}
          , then add its director and real servers as hosts.
        </EmptyState>)
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
      {pages > 1 && (
        <nav className="flex items-center gap-3 text-sm" aria-label="Pages" data-testid="clusters-pages">
          {page > 1 ? <Link className="text-sky-700 hover:underline" href={link(page - 1)}>← Previous</Link> : <span className="text-zinc-400">← Previous</span>}
          <span>Page {page} of {pages} · {total} clusters</span>
          {page < pages ? <Link className="text-sky-700 hover:underline" href={link(page + 1)}>Next →</Link> : <span className="text-zinc-400">Next →</span>}
        </nav>
      )}
    </div>
  );
}
