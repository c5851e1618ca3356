import { ClusterCreateForm } from "@/components/clusters/create-form";
import { RoleNotice } from "@/components/role-notice";
import { requireUser } from "@/lib/auth";
import { can } from "@/lib/roles";

export const metadata = { title: "New cluster" };

export default async function NewClusterPage() {
  const user = await requireUser();
  const allowed = can(user.role, "edit");
  return (
    <div className="max-w-xl space-y-4">
      <h1>New cluster</h1>
      {!allowed && <RoleNotice role={user.role} permission="edit" />}
      <div className="card"><ClusterCreateForm disabled={!allowed} /></div>
    </div>
  );
}
