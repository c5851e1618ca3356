import { ImportForm } from "@/components/clusters/import-form";
import { RoleNotice } from "@/components/role-notice";
import { requireUser } from "@/lib/auth";
import { can } from "@/lib/roles";

export default async function ImportPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const mayEdit = can(user.role, "edit");
  return (
    <div className="space-y-4">
      <p className="text-sm text-zinc-500">
        Replace this cluster&apos;s desired state with a keepalived.conf (its virtual_server blocks), a YAML or JSON cluster document, or what
        the director&apos;s kernel holds now. The preview lists every directive with its line; nothing is stored until you confirm, and then
        it is one new version (Versions tab), which Apply pushes. A pasted keepalived.conf cannot resolve <code>include</code>: inline them,
        or use <code>lvs import keepalived FILE</code>.
      </p>
      {!mayEdit && <RoleNotice role={user.role} permission="edit" />}
      <ImportForm clusterId={id} disabled={!mayEdit} />
    </div>
  );
}
