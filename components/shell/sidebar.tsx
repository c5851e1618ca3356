import type { PanelUser } from "@/lib/auth";
import { can } from "@/lib/roles";
import { SignOutButton } from "../auth/sign-out-button";
import { NavLink } from "./nav-link";

export function Sidebar({ user }: { user: PanelUser }) {
  return (
    <aside className="flex w-56 shrink-0 flex-col border-r border-zinc-200 bg-zinc-100/60 p-3 dark:border-zinc-800 dark:bg-zinc-900/60">
      <div className="mb-4 flex items-center gap-2 px-2 pt-1">
        <img src="/favicon.svg" alt="" className="h-6 w-6" />
        <span className="font-semibold">LVS Panel</span>
      </div>
      <nav className="space-y-0.5" aria-label="Main">
        <NavLink href="/clusters">Clusters</NavLink>
        <NavLink href="/hosts">Hosts</NavLink>
        <NavLink href="/ssh-keys">SSH keys</NavLink>
        <NavLink href="/audit">Audit log</NavLink>
        <NavLink href="/api-tokens">API tokens</NavLink>
        {can(user.role, "manage-users") && <NavLink href="/users">Users</NavLink>}
      </nav>
      <div className="mt-auto border-t border-zinc-200 px-2 pt-3 text-xs dark:border-zinc-800">
        <div className="truncate font-medium" data-testid="current-user">{user.email}</div>
        <div className="mb-1 text-zinc-500">role: <span data-testid="current-role">{user.role}</span></div>
        <SignOutButton />
      </div>
    </aside>
  );
}
