import { notFound } from "next/navigation";
import { ServiceForm } from "@/components/services/form";
import { RoleNotice } from "@/components/role-notice";
import { requireUser } from "@/lib/auth";
import { SCHEDULERS } from "@/lib/ipvs/model";
import { can } from "@/lib/roles";
import { db } from "@/lib/db";

export default async function NewServicePage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const editable = can(user.role, "edit");
  const cluster = await (await db()).cluster.findUnique({ where: { id }, select: { defaultForwardingMethod: true } });
  if (!cluster) notFound();
  return (
    <section className="card space-y-3">
      <h2>Add a virtual service</h2>
      <p className="text-sm text-zinc-500">Saved as desired state; nothing changes on the director until you apply.</p>
      {!editable && <RoleNotice role={user.role} permission="edit" />}
      <ServiceForm clusterId={id} schedulers={[...SCHEDULERS]} disabled={!editable} defaultMethod={cluster.defaultForwardingMethod} />
    </section>
  );
}
