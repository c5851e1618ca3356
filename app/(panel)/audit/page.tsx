import { EmptyState } from "@/components/empty-state";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";

export const metadata = { title: "Audit log" };

export default async function AuditPage() {
  await requireUser();
  const events = await (await db()).auditEvent.findMany({ orderBy: { createdAt: "desc" }, take: 200 });
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
    </div>
  );
}
