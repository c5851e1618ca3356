import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";

export default async function AppliesPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  const runs = await (await db()).applyRun.findMany({ where: { clusterId: id }, orderBy: { startedAt: "desc" }, take: 100, include: { _count: { select: { steps: true } } } });
  if (!runs.length) return <EmptyState title="No applies yet">Each apply is listed here with who ran it, what it changed and how it ended.</EmptyState>;
  return (
    <div className="card overflow-x-auto p-0">
      <table className="table" data-testid="applies-table">
        <thead><tr><th>Started (UTC)</th><th>Who</th><th>Outcome</th><th>Steps</th><th>Managed services</th></tr></thead>
        <tbody>{runs.map((r) => {
          const desired = r.desired as { owned?: string[]; remove?: string[] } | null;
          return (
            <tr key={r.id} id={`run-${r.id}`}>
              <td><Link className="text-sky-700 hover:underline" href={`/clusters/${id}/applies/${r.id}`}>{r.startedAt.toISOString().slice(0, 19).replace("T", " ")}</Link></td>
              <td>{r.actor}</td><td>{r.outcome}</td><td className="tabular-nums">{r._count.steps}</td>
              <td className="mono text-xs">{desired?.owned?.join(", ")}{desired?.remove?.length ? ` (removed ${desired.remove.join(", ")})` : ""}</td>
            </tr>
          );
        })}</tbody>
      </table>
    </div>
  );
}
