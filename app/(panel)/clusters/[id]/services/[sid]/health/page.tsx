import Link from "next/link";
import { notFound } from "next/navigation";
import { HealthCheckForm, HealthOverrideForm, type CheckValues } from "@/components/health/check-form";
import { RoleNotice } from "@/components/role-notice";
import { requireUser } from "@/lib/auth";
import { CHECK_DEFAULTS } from "@/lib/health/config";
import { hostPort } from "@/lib/ipvs/address";
import { serviceLabel } from "@/lib/data/virtual-services";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";

export const dynamic = "force-dynamic";

const DEFAULTS: CheckValues = { enabled: true, kind: CHECK_DEFAULTS.kind, port: null, path: CHECK_DEFAULTS.path, hostHeader: null, expectStatus: CHECK_DEFAULTS.expectStatus, bodyContains: null,
  intervalMs: CHECK_DEFAULTS.intervalMs, timeoutMs: CHECK_DEFAULTS.timeoutMs, rise: CHECK_DEFAULTS.rise, fall: CHECK_DEFAULTS.fall, runFrom: "director", onFail: "quiesce", quorum: CHECK_DEFAULTS.quorum };

/** A virtual service's health check, and (?rs=) one real server's override of it. */
export default async function ServiceHealthPage({ params, searchParams }: { params: Promise<{ id: string; sid: string }>; searchParams: Promise<{ rs?: string }> }) {
  const user = await requireUser();
  const { id, sid } = await params;
  const { rs: rsId } = await searchParams;
  const s = await (await db()).virtualService.findFirst({ where: { id: sid, clusterId: id }, include: { healthCheck: true, realServers: { orderBy: [{ address: "asc" }, { port: "asc" }], include: { healthOverride: true, healthState: true } } } });
  if (!s) notFound();
  const editable = can(user.role, "edit");
  const check: (CheckValues & { version: number }) | null = s.healthCheck;
  const rs = rsId ? s.realServers.find((r) => r.id === rsId) : undefined;
  const base = `/clusters/${id}/services/${s.id}`;
  return (
    <div className="space-y-4">
      <div className="text-xs text-zinc-500"><Link className="hover:underline" href={base}>{serviceLabel(s)}</Link> / health check</div>
      <h2 className="mono" data-testid="service-name">{serviceLabel(s)}</h2>
      {!editable && <RoleNotice role={user.role} permission="edit" />}
      {rs ? (
        <section className="card space-y-3">
          <h3 className="font-medium">Override for <span className="mono">{hostPort(rs.address, rs.port)}</span></h3>
          {check ? <HealthOverrideForm realServerId={rs.id} override={rs.healthOverride} inherited={check} disabled={!editable} />
            : <p className="text-sm text-zinc-500">Configure the service&apos;s check first; an override refines it.</p>}
          <p><Link className="text-sm text-sky-700 hover:underline" href={`${base}/health`}>Back to the service&apos;s check</Link></p>
        </section>
      ) : (
        <section className="card space-y-3">
          <h3 className="font-medium">Health check {check ? "" : <span className="text-sm font-normal text-zinc-500">(none yet: these are the defaults)</span>}</h3>
          <p className="text-xs text-zinc-500">As in keepalived: a real server goes down after <em>fall</em> failed checks in a row and up after <em>rise</em> good ones. Down: weight 0 (quiesce, existing connections finish) or removed; when fewer than <em>quorum</em> are up and the service has a sorry server, the sorry server is put in. Every change is an apply by &quot;health-checker&quot; in the history.</p>
          <HealthCheckForm virtualServiceId={s.id} check={check} defaults={DEFAULTS} disabled={!editable} />
        </section>
      )}
      <section className="card overflow-x-auto p-0">
        <table className="table text-sm" data-testid="health-overrides">
          <thead><tr><th>Real server</th><th>State</th><th>Last result</th><th>Override</th><th></th></tr></thead>
          <tbody>{s.realServers.map((r) => {
            const o = r.healthOverride;
            const set = o ? Object.entries(o).filter(([k, v]) => !["id", "realServerId", "createdAt", "updatedAt"].includes(k) && v !== null).map(([k, v]) => `${k}=${String(v)}`) : [];
            return (
              <tr key={r.id} data-rs={hostPort(r.address, r.port)}>
                <td className="mono">{hostPort(r.address, r.port)}</td>
                <td data-health-status={r.healthState?.status ?? "unknown"}>{r.healthState?.status ?? "unknown"}</td>
                <td className="text-xs">{r.healthState?.lastCheckedAt ? `${r.healthState.lastMessage} (${r.healthState.lastLatencyMs ?? "?"} ms)` : "not checked yet"}</td>
                <td className="mono text-xs">{set.join(" ") || "inherits"}</td>
                <td><Link className="text-sky-700 hover:underline" href={`${base}/health?rs=${r.id}`} aria-label={`Override for ${hostPort(r.address, r.port)}`}>Override</Link></td>
              </tr>
            );
          })}</tbody>
        </table>
      </section>
    </div>
  );
}
