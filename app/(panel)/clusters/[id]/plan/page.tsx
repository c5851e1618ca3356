import { ApplyButton } from "@/components/apply/apply-button";
import { RoleNotice } from "@/components/role-notice";
import { requireUser } from "@/lib/auth";
import { loadDirectorsView } from "@/lib/data/ha-view";
import { planCluster } from "@/lib/operations/cluster";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";

export const dynamic = "force-dynamic";

const digits = (v: string | string[] | undefined) => (typeof v === "string" && /^\d{1,9}$/.test(v) ? v : null);

export default async function PlanPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const { id } = await params;
  const q = await searchParams;
  const rolledBack = digits(q.rolledBack), as = digits(q.as), imported = digits(q.imported);
  const prisma = await db();
  const [plan, ha] = await Promise.all([planCluster(prisma, id), loadDirectorsView(prisma, id)]);
  // with director HA every director is planned: its VRRP role beside its name
  const roleOf = new Map(ha?.haEnabled ? ha.directors.map((d) => [d.name, d]) : []);
  const total = plan.reduce((n, h) => n + h.steps.length, 0);
  const disruptive = plan.reduce((n, h) => n + h.steps.filter((s) => s.disruptive).length, 0);
  return (
    <div className="space-y-4">
      {rolledBack && (
        <p className="card text-sm" role="status" data-testid="rollback-notice">
          {as ? `Rolled back: the desired state of version ${rolledBack} is now version ${as}.` : `The desired state already is that of version ${rolledBack}.`} Apply pushes it to the director.
        </p>
      )}
      {imported && (
        <p className="card text-sm" role="status" data-testid="import-notice">
          {imported === "0" ? "Imported: the desired state already was this, nothing changed." : `Imported as version ${imported}.`} Apply pushes it to the director.
        </p>
      )}
      <p className="text-sm" data-testid="plan-summary">{total} command{total === 1 ? "" : "s"} would run{disruptive ? `, ${disruptive} disruptive (drop connections)` : ""}. This is a dry run against the {roleOf.size > 1 ? `${roleOf.size} directors' tables` : "director's table"} as it is now.{roleOf.size > 1 && " Apply runs each director's steps in parallel; one that fails is behind and is held out of MASTER until an apply verifies on it."}</p>
      {plan.map((h) => (
        <section key={h.host} className="card space-y-2" data-plan-host={h.host}>
          <h2>{h.host} <span className="text-sm font-normal text-zinc-500">({h.role === "director" ? `director${roleOf.has(h.host) ? `, ${roleOf.get(h.host)!.state}, priority ${roleOf.get(h.host)!.priority}` : ""}` : h.inUse === false ? "real server, not in use" : "real server"})</span>
            {roleOf.get(h.host)?.behind && <span className="badge ml-2 bg-amber-200 text-sm font-normal text-amber-900" data-behind="yes">behind (held out of MASTER)</span>}</h2>
          {h.error && <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">{h.error}</p>}
          {h.note && <p className="text-sm text-zinc-500">{h.note}</p>}
          {h.steps.length > 0 && (
            <ol className="mono space-y-1 text-xs">
              {h.steps.map((s, i) => (
                <li key={i} className={s.disruptive ? "rounded bg-red-100 px-2 py-1 font-semibold text-red-900 dark:bg-red-950 dark:text-red-200" : "px-2 py-1"} data-disruptive={s.disruptive ? "yes" : "no"}>
                  {s.command}{s.disruptive && ` — disruptive${typeof s.activeConns === "number" ? ` (cuts ${s.activeConns} active connection${s.activeConns === 1 ? "" : "s"} now)` : ""}`}{s.why && <span className="font-sans text-zinc-500"> ({s.why})</span>}
                </li>
              ))}
            </ol>
          )}
        </section>
      ))}
      {!can(user.role, "apply") && <RoleNotice role={user.role} permission="apply" />}
      {/* shown (disabled) to every role: the server refuses an apply from a role without the permission anyway */}
      <ApplyButton clusterId={id} label="Apply" disabled={!can(user.role, "apply")} disruptive={plan.flatMap((h) => h.steps.filter((s) => s.disruptive))} />
    </div>
  );
}
