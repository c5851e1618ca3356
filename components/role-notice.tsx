import { deniedMessage, type Permission, type Role } from "@/lib/roles";

/** Says why a form is read-only. The server action refuses anyway: this only explains. */
export function RoleNotice({ role, permission }: { role: Role; permission: Permission }) {
  return (
    <p className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200" data-role-notice>
      {deniedMessage(role, permission)} Ask an admin if you need to.
    </p>
  );
}
