import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { diffDocuments } from "@/lib/declarative";
import { getVersion, listVersions } from "@/lib/data/cluster-versions";
import { can } from "@/lib/roles";
import { rollbackAction } from "@/app/actions/versions";

const when = (d: Date) => d.toISOString().slice(0, 19).replace("T", " ");
const num = (v: string | string[] | undefined) => (typeof v === "string" && /^\d{1,9}$/.test(v) ? Number(v) : null);

// The versions of the cluster's desired state: who changed what from where, which applies pushed each
// (and whether they verified), a diff between any two, and Roll back (a new version, then the plan).
export default async function VersionsPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const { id } = await params;
  const q = await searchParams;
  const prisma = await db();
  const [cluster, versions] = await Promise.all([prisma.cluster.findUnique({ where: { id }, select: { version: true } }), listVersions(prisma, id)]);
  if (!versions.length) return <EmptyState title="No versions yet">Every change to this cluster&apos;s desired state is recorded here as a version.</EmptyState>;
  const latest = versions[0]!.number;
  const to = num(q.to) ?? latest, from = num(q.from) ?? Math.max(1, to - 1);
  const [a, b] = await Promise.all([getVersion(prisma, id, from), getVersion(prisma, id, to)]);
  const diff = a && b ? diffDocuments(a.document, b.document) : null;
  const mayEdit = can(user.role, "edit");
  const error = typeof q.error === "string" ? q.error : null;
  return (
    <div className="space-y-4">
      {error && <p className="card border-red-300 text-sm text-red-700" role="alert">{error}</p>}
      <form className="card flex flex-wrap items-end gap-2 text-sm" method="get" data-testid="version-compare">
        <label>From <input className="input w-24" name="from" type="number" min={1} max={latest} defaultValue={from} /></label>
        <label>To <input className="input w-24" name="to" type="number" min={1} max={latest} defaultValue={to} /></label>
        <button className="btn" type="submit">Compare</button>
      </form>
      <div className="card text-sm" data-testid="version-diff">
        <h3 className="font-medium">Version {from} → {to}</h3>
        {!diff ? <p className="text-zinc-500">No such version.</p> : !diff.length ? <p className="text-zinc-500">No difference.</p> : (
          <ul className="mono mt-2 space-y-0.5 text-xs">{diff.map((d, i) => (
            <li key={i} className={d.kind === "add" ? "text-emerald-700" : d.kind === "remove" ? "text-red-700" : ""}>{d.kind === "add" ? "+ " : d.kind === "remove" ? "- " : "~ "}{d.text}</li>
          ))}</ul>
        )}
      </div>
      <div className="card overflow-x-auto p-0">
        <table className="table" data-testid="versions-table">
          <thead><tr><th>Version</th><th>When (UTC)</th><th>Who</th><th>From</th><th>What changed</th><th>Applies</th><th /></tr></thead>
          <tbody>{versions.map((v) => (
            <tr key={v.number} id={`version-${v.number}`} data-version={v.number}>
              <td className="tabular-nums">v{v.number}{v.number === latest ? " (current)" : ""}</td>
              <td>{when(v.createdAt)}</td><td>{v.actor}</td><td>{v.source}</td>
              <td className="mono text-xs">{v.changes.length ? v.changes.slice(0, 6).join("; ") + (v.changes.length > 6 ? `; … (${v.changes.length - 6} more)` : "") : "—"}</td>
              <td className="text-xs">{v.applies.map((r) => (
                <div key={r.id}><Link className="text-sky-700 hover:underline" href={`/clusters/${id}/applies/${r.id}`}>{when(r.startedAt)}</Link>{" "}
                  <span data-testid="apply-outcome">{r.outcome === "succeeded" ? "verified" : r.outcome}</span></div>
              ))}</td>
              <td className="whitespace-nowrap text-xs">
                <Link className="text-sky-700 hover:underline" href={`?from=${Math.max(1, v.number - 1)}&to=${v.number}`}>diff</Link>
                {mayEdit && v.number !== latest && cluster && (
                  <form action={rollbackAction} className="inline">
                    <input type="hidden" name="id" value={id} /><input type="hidden" name="number" value={v.number} /><input type="hidden" name="version" value={cluster.version} />
                    {" "}<button className="btn px-2 py-0.5 text-xs" type="submit" data-testid={`rollback-${v.number}`}>Roll back to v{v.number}</button>
                  </form>
                )}
              </td>
            </tr>
          ))}</tbody>
        </table>
      </div>
    </div>
  );
}
