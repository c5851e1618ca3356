import Link from "next/link";
import { notFound } from "next/navigation";
import { ClusterDeleteForm, ClusterEditForm } from "@/components/clusters/edit-form";
import { EmptyState } from "@/components/empty-state";
import { HostTable } from "@/components/hosts/table";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";

export default async function ClusterPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const prisma = await db();
  const cluster = await prisma.cluster.findUnique({
    where: { id },
    include: { hosts: { orderBy: [{ role: "asc" }, { name: "asc" }], include: { cluster: { select: { name: true } } } },
      virtualServices: { include: { _count: { select: { realServers: true } } }, orderBy: [{ address: "asc" }, { port: "asc" }] } },
  });
  if (!cluster) notFound();
  const editable = can(user.role, "edit");
  return (
    <div className="space-y-6">
      <div>
        <div className="text-xs text-zinc-500"><Link href="/clusters" className="hover:underline">Clusters</Link> /</div>
        <h1 data-testid="cluster-name">{cluster.name}</h1>
        {cluster.description && <p className="text-sm text-zinc-500">{cluster.description}</p>}
      </div>
      <section className="space-y-2">
        <div className="flex items-center justify-between"><h2>Hosts</h2>{editable && <Link className="btn" href={`/hosts?cluster=${cluster.id}`}>Add host</Link>}</div>
        {cluster.hosts.length ? <HostTable hosts={cluster.hosts} /> : (
          <EmptyState title="No hosts in this cluster">Add the director (where ipvsadm runs) and the real servers the panel should prepare for Direct Routing.</EmptyState>
        )}
      </section>
      <section className="space-y-2">
        <h2>Virtual services</h2>
        {cluster.virtualServices.length ? (
          <div className="card p-0"><table className="table"><thead><tr><th>Service</th><th>Scheduler</th><th>Real servers</th></tr></thead><tbody>
            {cluster.virtualServices.map((s) => (
              <tr key={s.id}><td className="mono">{s.protocol.toUpperCase()} {s.fwmark != null ? `fwmark ${s.fwmark}` : `${s.address?.includes(":") ? `[${s.address}]` : s.address}:${s.port}`}</td>
                <td className="mono">{s.scheduler}</td><td className="tabular-nums">{s._count.realServers}</td></tr>
            ))}
          </tbody></table></div>
        ) : <EmptyState title="No virtual services yet">A virtual service is a VIP:port (or a firewall mark) with a scheduler; real servers go behind it.</EmptyState>}
      </section>
      <section className="grid gap-4 md:grid-cols-2">
        <div className="card space-y-2"><h2>Settings</h2><ClusterEditForm cluster={cluster} disabled={!editable} /></div>
        <div className="card space-y-2"><h2>Delete</h2><ClusterDeleteForm cluster={cluster} disabled={!editable} /></div>
      </section>
    </div>
  );
}
