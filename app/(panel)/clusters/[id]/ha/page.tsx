import { notFound } from "next/navigation";
import { DirectorsPanel } from "@/components/ha/directors-panel";
import { HaSettingsForm } from "@/components/ha/settings-form";
import { RoleNotice } from "@/components/role-notice";
import { requireUser } from "@/lib/auth";
import { loadDirectorsView } from "@/lib/data/ha-view";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";

export const dynamic = "force-dynamic";

export default async function HaPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const prisma = await db();
  const [c, view] = await Promise.all([prisma.cluster.findUnique({ where: { id }, include: { _count: { select: { hosts: { where: { role: "director" } } } } } }), loadDirectorsView(prisma, id)]);
  if (!c || !view) notFound();
  const editable = can(user.role, "edit");
  const shown = {
    id: c.id, version: c.version, haEnabled: c.haEnabled, vrrpRouterId: c.vrrpRouterId, vrrpInterface: c.vrrpInterface, vrrpAdvertInt: c.vrrpAdvertInt,
    vrrpPreempt: c.vrrpPreempt, vrrpPreemptDelay: c.vrrpPreemptDelay, vrrpUnicast: c.vrrpUnicast, authPassSet: c.vrrpAuthPass !== null, syncDaemon: c.syncDaemon,
    directors: c._count.hosts,
  };
  return (
    <div className="space-y-6">
      {view.directors.length > 0 && (
        <section className="space-y-2"><h2>Directors</h2><DirectorsPanel clusterId={c.id} initial={view} canSwitch={can(user.role, "apply")} /></section>
      )}
      <section className="card space-y-3">
        <h2>Director HA settings</h2>
        {!editable && <RoleNotice role={user.role} permission="edit" />}
        <p className="text-sm text-zinc-500">A pair (or more) of directors; keepalived&apos;s VRRP moves the VIPs to a backup when the MASTER fails. The panel writes only keepalived&apos;s vrrp_instance: the IPVS table stays the apply&apos;s, on every director. Each director&apos;s priority is on the Hosts page (Edit).</p>
        <HaSettingsForm s={shown} disabled={!editable} />
      </section>
    </div>
  );
}
