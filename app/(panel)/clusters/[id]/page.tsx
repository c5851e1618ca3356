import Link from "next/link";
import { notFound } from "next/navigation";
import { ApplyButton } from "@/components/apply/apply-button";
import { PrepareButtons } from "@/components/apply/prepare-buttons";
import { ClusterDeleteForm, ClusterEditForm } from "@/components/clusters/edit-form";
import { EmptyState } from "@/components/empty-state";
import { DirectorsPanel } from "@/components/ha/directors-panel";
import { HostTable } from "@/components/hosts/table";
import { LiveTable } from "@/components/live/live-table";
import { RateCharts } from "@/components/charts/rate-charts";
import { RoleNotice } from "@/components/role-notice";
import { requireUser } from "@/lib/auth";
import { loadDirectorsView } from "@/lib/data/ha-view";
import { serviceLabel } from "@/lib/data/virtual-services";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";

export default async function ClusterPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ removed?: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const { removed } = await searchParams;
  const prisma = await db();
  const cluster = await prisma.cluster.findUnique({
    where: { id },
    include: { hosts: { orderBy: [{ role: "asc" }, { name: "asc" }], include: { cluster: { select: { name: true } } } },
      virtualServices: { include: { realServers: { orderBy: { address: "asc" } } }, orderBy: [{ address: "asc" }, { port: "asc" }] } },
  });
  if (!cluster) notFound();
  const directors = await loadDirectorsView(prisma, cluster.id);
  const editable = can(user.role, "edit");
  const applicable = can(user.role, "apply");
  const realServerHosts = cluster.hosts.filter((h) => h.role === "real_server");
  // client components get only what they show (their props travel in the page's payload)
  const settings = { id: cluster.id, name: cluster.name, description: cluster.description, defaultForwardingMethod: cluster.defaultForwardingMethod, version: cluster.version };
  return (
    <div className="space-y-6">
      {!editable && <RoleNotice role={user.role} permission="edit" />}
      {removed && <p role="status" className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">Removed {removed} from the desired state. Apply to delete it from the director.</p>}
      {directors && directors.directors.length > 0 && (
        <section className="space-y-2"><h2>Directors</h2><DirectorsPanel clusterId={cluster.id} initial={directors} canSwitch={applicable} /></section>
      )}
      <section className="space-y-2">
        <div className="flex items-center justify-between"><h2>Live table</h2>
          <div className="flex items-center gap-2">
            <details className="relative" data-testid="export-menu">
              <summary className="btn cursor-pointer list-none">Export</summary>
              <ul className="card absolute right-0 z-10 mt-1 w-72 space-y-1 p-2 text-sm">
                {([["yaml", "YAML document (for git, lvs apply -f)"], ["json", "JSON document"], ["keepalived", "keepalived.conf"], ["ipvsadm", "ipvsadm -R batch (desired table)"]] as const).map(([f, label]) => (
                  <li key={f}><a className="text-sky-700 hover:underline" href={`/api/clusters/${cluster.id}/export?format=${f}`} download>{label}</a></li>
                ))}
                {editable && <li className="border-t border-zinc-200 pt-1 dark:border-zinc-800"><Link className="text-sky-700 hover:underline" href={`/clusters/${cluster.id}/import`}>Import…</Link></li>}
              </ul>
            </details>
            <Link className="btn" href={`/clusters/${cluster.id}/plan`}>Plan &amp; apply</Link>
          </div>
        </div>
        <LiveTable clusterId={cluster.id} reconcile={applicable ? <ApplyButton clusterId={cluster.id} label="Reconcile (apply desired state)" disabled={false} /> : undefined} />
      </section>
      <section className="space-y-2">
        <RateCharts clusterId={cluster.id} />
      </section>
      <section className="space-y-2">
        <div className="flex items-center justify-between"><h2>Virtual services</h2>{editable && <Link className="btn btn-primary" href={`/clusters/${cluster.id}/services/new`}>Add virtual service</Link>}</div>
        {cluster.virtualServices.length ? (
          <div className="card p-0"><table className="table" data-testid="services-table"><thead><tr><th>Service</th><th>Scheduler</th><th>Real servers (desired)</th></tr></thead><tbody>
            {cluster.virtualServices.map((s) => (
              <tr key={s.id}><td className="mono"><Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/clusters/${cluster.id}/services/${s.id}`}>{serviceLabel(s)}</Link></td>
                <td className="mono">{s.scheduler}{s.persistenceTimeout ? ` · persistent ${s.persistenceTimeout}` : ""}</td>
                <td className="mono text-xs">{s.realServers.map((r) => `${r.address}:${r.port} w${r.weight}${r.state !== "active" ? ` (${r.state})` : ""}`).join(", ") || "none"}</td></tr>
            ))}
          </tbody></table></div>
        ) : <EmptyState title="No virtual services yet">A virtual service is a VIP:port (or a firewall mark) with a scheduler; real servers go behind it.</EmptyState>}
      </section>
      <section className="space-y-2">
        <div className="flex items-center justify-between"><h2>Hosts</h2>{editable && <Link className="btn" href={`/hosts?cluster=${cluster.id}`}>Add host</Link>}</div>
        {cluster.hosts.length ? <HostTable hosts={cluster.hosts} canTrust={can(user.role, "trust-host-key")} canRetrust={can(user.role, "retrust-host-key")} /> : (
          <EmptyState title="No hosts in this cluster">Add the director (where ipvsadm runs) and the real servers the panel should prepare for Direct Routing.</EmptyState>
        )}
        {realServerHosts.length > 0 && (
          <div className="card space-y-2" data-testid="prepare-panel">
            <h3 className="font-medium">Direct Routing preparation</h3>
            <p className="text-sm text-zinc-500">Sets arp_ignore=1 / arp_announce=2 and binds each VIP on lo as /32 (label lo:1), so only the director answers ARP for the VIP. Undo removes the VIP and, with none left, puts the sysctls back to 0.</p>
            {!applicable && <RoleNotice role={user.role} permission="apply" />}
            <PrepareButtons clusterId={cluster.id} disabled={!applicable} />
            <div className="flex flex-wrap gap-4">{realServerHosts.map((h) => <div key={h.id} className="text-sm"><PrepareButtons clusterId={cluster.id} hostId={h.id} hostName={h.name} disabled={!applicable} /></div>)}</div>
          </div>
        )}
      </section>
      <section className="grid gap-4 md:grid-cols-2">
        <div className="card space-y-2"><h2>Settings</h2><ClusterEditForm cluster={settings} disabled={!editable} /></div>
        <div className="card space-y-2"><h2>Delete</h2><ClusterDeleteForm cluster={settings} disabled={!editable} /></div>
      </section>
    </div>
  );
}
