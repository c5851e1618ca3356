import { EmptyState } from "@/components/empty-state";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";

export const metadata = { title: "Audit log" };

export default async function AuditPage() {
  await requireUser();
  const prisma = await db();
  const events = await prisma.auditEvent.findMany({ orderBy: { createdAt: "desc" }, take: 200 });
  // a deleted cluster's applies stay, the permanent record; its own page is gone, so they are shown here
  const orphanRuns = await prisma.applyRun.findMany({ where: { clusterId: null }, orderBy: { startedAt: "desc" }, take: 50, include: { steps: { orderBy: { position: "asc" } } } });
  return (
    <div className="space-y-4">
      <h1>Audit log</h1>
      {events.length === 0 ? <EmptyState title="Nothing recorded yet">Every change made through the panel is recorded here: who, what, before and after.</EmptyState> : (
        <div className="card overflow-x-auto p-0"><table className="table" data-testid="audit-table"><thead><tr><th>Time (UTC)</th><th>Actor</th><th>Action</th><th>Target</th><th>Change</th></tr></thead><tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td className="mono whitespace-nowrap text-xs">{e.createdAt.toISOString().replace("T", " ").slice(0, 19)}</td>
              <td>{e.actor}</td><td className="mono text-xs">{e.action}</td><td className="mono text-xs">{e.target}</td>
              <td className="mono max-w-md text-xs text-zinc-500">
                {e.before != null && <div>before: {JSON.stringify(e.before)}</div>}
                {e.after != null && <div>after: {JSON.stringify(e.after)}</div>}
              </td>
            </tr>
          ))}
        </tbody></table></div>
      )}
      {orphanRuns.length > 0 && <>
        <h2>Applies of deleted clusters</h2>
        <div className="card overflow-x-auto p-0"><table className="table" data-testid="orphan-applies"><thead><tr><th>Started (UTC)</th><th>Cluster</th><th>Actor</th><th>Outcome</th><th>Commands</th></tr></thead><tbody>
          {orphanRuns.map((r) => (
            <tr key={r.id}>
              <td className="mono whitespace-nowrap text-xs">{r.startedAt.toISOString().replace("T", " ").slice(0, 19)}</td>
              <td>{r.clusterName}</td><td>{r.actor}</td><td className="mono text-xs">{r.outcome}</td>
              <td className="mono max-w-md text-xs text-zinc-500">{r.steps.map((s) => <div key={s.id}>{s.status === "succeeded" ? "✓" : s.status} {s.command}</div>)}{r.error && <div className="text-red-700">{r.error}</div>}</td>
            </tr>
          ))}
        </tbody></table></div>
      </>}
    </div>
  );
}
