import Link from "next/link";
import { notFound } from "next/navigation";
import { EmptyState } from "@/components/empty-state";
import { RealServerForm } from "@/components/realservers/form";
import { RealServerActions } from "@/components/realservers/row-actions";
import { RoleNotice } from "@/components/role-notice";
import { requireUser } from "@/lib/auth";
import { hostPort } from "@/lib/ipvs/address";
import { readKernelWithin } from "@/lib/operations/cluster";
import { serviceLabel } from "@/lib/data/virtual-services";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";
import { FORWARDING_LABEL } from "@/lib/ipvs/model";

/** What the kernel holds for one real server now: its active connections, none (not in the table), or unknown. */
function kernelNow(d: { activeConns: number; weight: number } | null | undefined, error: string | null) {
  return d === undefined ? { known: false as const, error: error ?? "unknown" } : { known: true as const, inTable: d !== null, activeConns: d?.activeConns ?? 0, weight: d?.weight ?? 0 };
}


export default async function ServicePage({ params, searchParams }: { params: Promise<{ id: string; sid: string }>; searchParams: Promise<{ saved?: string; removed?: string }> }) {
  const user = await requireUser();
  const { id, sid } = await params;
  const { saved, removed } = await searchParams;
  const prisma = await db();
  const s = await prisma.virtualService.findFirst({ where: { id: sid, clusterId: id }, include: { realServers: { orderBy: [{ address: "asc" }, { port: "asc" }], include: { host: { select: { name: true } } } }, cluster: true } });
  if (!s) notFound();
  const hosts = await prisma.host.findMany({ where: { clusterId: id, role: "real_server" }, orderBy: { name: "asc" }, select: { id: true, name: true, address: true } });
  const editable = can(user.role, "edit");
  // active connections now, per real server, from the director's kernel table (for the remove dialog)
  const kernel = await readKernelWithin(prisma, id);
  const label = serviceLabel(s);
  const activeOf = (rs: { address: string; port: number }) => (kernel.dests ? kernel.dests.find((d) => d.service === label && d.dest === hostPort(rs.address, rs.port)) ?? null : undefined);
  return (
    <div className="space-y-6">
      <h2 className="mono" data-testid="service-name">{serviceLabel(s)}</h2>
      {saved && <p role="status" className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">Saved {serviceLabel(s)}. Add its real servers, then apply.</p>}
      {removed && <p role="status" className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">Removed {removed.slice(0, 60)} from the desired state. Apply to remove it from the director (the plan shows it as disruptive).</p>}
      {!editable && <RoleNotice role={user.role} permission="edit" />}
      <section className="space-y-2">
        <h3 className="font-medium">Real servers (desired)</h3>
        {s.realServers.length ? (
          <div className="card overflow-x-auto p-0"><table className="table" data-testid="realservers-table"><thead><tr><th>Real server</th><th>Host</th><th>Method</th><th>Weight</th><th>Thresholds</th><th>State</th><th></th></tr></thead><tbody>
            {s.realServers.map((r) => (
              <tr key={r.id} data-rs={hostPort(r.address, r.port)}>
                <td className="mono">{hostPort(r.address, r.port)}</td><td>{r.host?.name ?? ""}</td><td>{FORWARDING_LABEL[r.forwardingMethod as keyof typeof FORWARDING_LABEL] ?? r.forwardingMethod}</td>
                <td className="tabular-nums">{r.weight}{r.state === "draining" && <span className="text-xs text-amber-700"> (0 while draining)</span>}</td>
                <td className="tabular-nums text-xs">{r.upperThreshold || r.lowerThreshold ? `${r.lowerThreshold}..${r.upperThreshold}` : ""}</td>
                <td data-state={r.state}>{r.state}</td>
                <td><RealServerActions id={r.id} version={r.version} state={r.state} label={hostPort(r.address, r.port)} service={label} kernel={kernelNow(activeOf(r), kernel.error)} disabled={!editable} /></td>
              </tr>
            ))}
          </tbody></table></div>
        ) : <EmptyState title="No real servers yet">Add the machines that serve this VIP.</EmptyState>}
        <p className="text-xs text-zinc-500">Drain sets the weight to 0 after the next apply: existing connections finish (watch ActiveConn fall in the live table), new ones go elsewhere; then remove it.</p>
      </section>
      <section className="card space-y-3">
        <h3 className="font-medium">Add a real server</h3>
        <RealServerForm service={{ id: s.id, protocol: s.protocol, port: s.port }} hosts={hosts} defaultMethod={s.forwardingMethod} disabled={!editable} />
      </section>
      <p className="flex flex-wrap gap-2"><Link className="btn" href={`/clusters/${id}/services/${s.id}/edit`}>Edit or remove the virtual service</Link>
        <Link className="btn" href={`/clusters/${id}/services/${s.id}/health`}>Health check</Link></p>
    </div>
  );
}
