import { EmptyState } from "@/components/empty-state";
import { HostCreateForm } from "@/components/hosts/create-form";
import { HostTable } from "@/components/hosts/table";
import { RoleNotice } from "@/components/role-notice";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";

export const metadata = { title: "Hosts" };

export default async function HostsPage({ searchParams }: { searchParams: Promise<{ cluster?: string }> }) {
  const user = await requireUser();
  const { cluster } = await searchParams;
  const prisma = await db();
  const [hosts, clusters, keys] = await Promise.all([
    prisma.host.findMany({ orderBy: [{ cluster: { name: "asc" } }, { name: "asc" }], include: { cluster: { select: { name: true } }, _count: { select: { realServers: true } } } }),
    prisma.cluster.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } }),
    prisma.sshKey.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } }),
  ]);
  const editable = can(user.role, "edit");
  return (
    <div className="space-y-6">
      <h1>Hosts</h1>
      {hosts.length ? <HostTable hosts={hosts} showCluster canTrust={can(user.role, "trust-host-key")} canRetrust={can(user.role, "retrust-host-key")} actions={{ keys, canEdit: editable }} /> : (
        <EmptyState title="No hosts yet">Hosts are the machines the panel logs into over SSH: a cluster&apos;s director and its real servers.</EmptyState>
      )}
      <section className="card space-y-3">
        <h2>Add a host</h2>
        {!editable && <RoleNotice role={user.role} permission="edit" />}
        {clusters.length === 0 ? <p className="text-sm text-zinc-500">Create a cluster first: every host belongs to one.</p>
          : <HostCreateForm clusters={clusters} keys={keys} clusterId={cluster} disabled={!editable} />}
      </section>
    </div>
  );
}
