import { RoleNotice } from "@/components/role-notice";
import { UserCreateForm } from "@/components/users/create-form";
import { UserRowForm } from "@/components/users/row-form";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";
import { userVersion } from "@/lib/data/users";

export const metadata = { title: "Users" };

export default async function UsersPage() {
  const user = await requireUser();
  if (!can(user.role, "manage-users")) return <div className="space-y-4"><h1>Users</h1><RoleNotice role={user.role} permission="manage-users" /></div>;
  const users = await (await db()).user.findMany({ orderBy: { email: "asc" }, select: { id: true, email: true, name: true, role: true, disabled: true, createdAt: true, updatedAt: true } });
  return (
    <div className="space-y-6">
      <h1>Users</h1>
      <div className="card overflow-x-auto p-0"><table className="table" data-testid="users-table"><thead><tr><th>User</th><th>Role and state</th></tr></thead><tbody>
        {users.map((u) => (
          <tr key={u.id}><td><div className="font-medium">{u.name}</div><div className="text-xs text-zinc-500">{u.email}</div></td><td><UserRowForm user={u} version={userVersion(u)} /></td></tr>
        ))}
      </tbody></table></div>
      <section className="card max-w-2xl space-y-3"><h2>Add a user</h2><UserCreateForm /></section>
    </div>
  );
}
