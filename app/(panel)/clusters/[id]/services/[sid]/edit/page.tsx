import { notFound } from "next/navigation";
import { RoleNotice } from "@/components/role-notice";
import { ServiceDeleteForm, ServiceForm } from "@/components/services/form";
import { requireUser } from "@/lib/auth";
import { readKernelWithin } from "@/lib/operations/cluster";
import { serviceLabel } from "@/lib/data/virtual-services";
import { db } from "@/lib/db";
import { SCHEDULERS } from "@/lib/ipvs/model";
import { can } from "@/lib/roles";

export default async function EditServicePage({ params }: { params: Promise<{ id: string; sid: string }> }) {
  const user = await requireUser();
  const { id, sid } = await params;
  const s = await (await db()).virtualService.findFirst({ where: { id: sid, clusterId: id } });
  if (!s) notFound();
  const editable = can(user.role, "edit");
  // what deleting it would cut now, read from the director's kernel table (not the database)
  const kernel = await readKernelWithin(await db(), id);
  const label = serviceLabel(s);
  const dests = kernel.dests?.filter((d) => d.service === label) ?? null;
  const traffic = dests ? { activeConns: dests.reduce((n, d) => n + d.activeConns, 0), inKernel: kernel.dests!.some((d) => d.service === label) || dests.length > 0, realServers: dests.length } : null;
  return (
    <div className="space-y-4">
      <h2 className="mono" data-testid="service-name">{serviceLabel(s)}</h2>
      {!editable && <RoleNotice role={user.role} permission="edit" />}
      <section className="card space-y-3"><h3 className="font-medium">Edit the virtual service</h3>
        <ServiceForm clusterId={id} schedulers={[...SCHEDULERS]} disabled={!editable} service={s} defaultMethod={s.forwardingMethod} /></section>
      <section className="card space-y-3"><ServiceDeleteForm id={s.id} version={s.version} label={label} traffic={traffic} kernelError={kernel.error} disabled={!editable} /></section>
    </div>
  );
}
