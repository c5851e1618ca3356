import Link from "next/link";
import { FailoverEstimate, SplitBrainBanner } from "@/components/ha/directors-panel";
import { HealthBadge } from "@/components/health/badge";
import { WebhookDeleteButton, WebhookEditForm, WebhookForm, WebhookTestButton } from "@/components/health/check-form";
import { requireUser } from "@/lib/auth";
import { loadDirectorsView } from "@/lib/data/ha-view";
import { clusterHealth } from "@/lib/live/cluster-health";
import { db } from "@/lib/db";
import { listWebhooks } from "@/lib/notify/manage";
import { can } from "@/lib/roles";

export const dynamic = "force-dynamic";

const Mark = ({ ok }: { ok: boolean | null }) => <span className={ok === null ? "text-zinc-500" : ok ? "text-emerald-700" : "text-red-700"}>{ok === null ? "?" : ok ? "✓" : "✗"}</span>;
const when = (iso: string | null) => (iso ? iso.slice(0, 19).replace("T", " ") : "");
const STATUS_TONE = { up: "bg-emerald-100 text-emerald-900", down: "bg-red-100 text-red-900", unknown: "bg-zinc-200 text-zinc-700" } as const;

export default async function HealthPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const prisma = await db();
  const [h, events, hooks, ha] = await Promise.all([
    clusterHealth(prisma, id),
    prisma.healthEvent.findMany({ where: { clusterId: id }, orderBy: { createdAt: "desc" }, take: 20 }),
    listWebhooks(prisma),
    loadDirectorsView(prisma, id),
  ]);
  const editable = can(user.role, "edit");
  return (
    <div className="space-y-4" data-testid="health">
      <p>Health: <HealthBadge health={h} /> <span className="text-xs text-zinc-500">probed {h.at.slice(0, 19).replace("T", " ")} UTC</span></p>
      {ha?.haEnabled && (
        <section className="card space-y-2" data-testid="health-ha"><h2>Director HA</h2>
          <SplitBrainBanner view={ha} />
          <FailoverEstimate view={ha} />
          <ul className="text-sm">{ha.directors.map((d) => (
            <li key={d.id} data-director={d.name} data-vrrp-state={d.state}>{d.name}: <span className="font-medium">{d.state}</span>, priority {d.priority}
              {d.vipsHeld.length > 0 && <>, holds <span className="mono">{d.vipsHeld.join(", ")}</span></>}{d.behind && <span className="text-amber-700">, behind (held out of MASTER)</span>}
              {d.error && <span className="text-red-700">: {d.error}</span>}</li>))}</ul>
        </section>
      )}
      <section className="card space-y-1"><h2>Director</h2>
        <ul className="text-sm">{h.director.map((c) => <li key={c.name} data-check={c.name}><Mark ok={c.ok} /> {c.name}: <span className="text-zinc-600 dark:text-zinc-400">{c.detail}</span></li>)}</ul>
      </section>
      <section className="card overflow-x-auto p-0"><table className="table text-sm" data-testid="health-realservers">
        <thead><tr><th>Real server</th><th>SSH</th><th>DR-ready</th><th>In the kernel (weight, active/inactive)</th><th>Health check (state, last result, latency)</th><th>Last change (UTC)</th></tr></thead>
        <tbody>{h.realServers.map((r) => (
          <tr key={r.host} data-rs={r.host}>
            <td>{r.host} <span className="mono text-xs text-zinc-500">{r.address}</span></td>
            <td><Mark ok={r.sshReachable} /></td>
            <td><Mark ok={r.drReady} /> <span className="text-xs text-red-700">{r.problems.join("; ")}</span></td>
            <td className="mono text-xs">{r.inKernel.map((k) => <div key={k.service} data-kernel={k.service}>{k.service}: {k.weight === null ? "not in the table" : <><span data-weight>w{k.weight}</span>, {k.activeConns}/{k.inactConns}</>}</div>)}</td>
            <td className="text-xs">{r.checks.map((c) => (
              <div key={`${c.service}-${c.realServer}`} data-check-for={`${c.service} -> ${c.realServer}`} data-health-status={c.configured && c.enabled ? c.status : "none"}>
                <span className="mono">{c.service}</span>:{" "}
                {!c.configured ? <span className="text-zinc-500">not configured</span> : !c.enabled ? <span className="text-zinc-500">not checked ({c.why ?? "disabled"})</span> : <>
                  <span className={`badge ${STATUS_TONE[c.status]}`}>{c.status}</span>{" "}
                  {c.checkedAt ? <span title={`checked ${when(c.checkedAt)} UTC`}>{c.message || (c.lastOk ? "ok" : "failed")}{c.latencyMs !== null ? ` · ${c.latencyMs} ms` : ""}</span> : <span className="text-zinc-500">not checked yet</span>}
                </>}
              </div>
            ))}</td>
            <td className="text-xs">{when(r.lastChange)}</td>
          </tr>
        ))}</tbody>
      </table></section>
      <section className="card space-y-2"><h2>Health transitions</h2>
        {events.length ? <ul className="text-sm" data-testid="health-events">{events.map((e) => (
          <li key={e.id} data-kind={e.kind}><span className="text-xs text-zinc-500">{when(e.createdAt.toISOString())}</span> <span className="font-medium">{e.kind}</span> {e.subject}{e.message ? `: ${e.message}` : ""}
            {e.applyRunId && <> · <Link className="text-sky-700 hover:underline" href={`/clusters/${id}/applies/${e.applyRunId}`}>apply</Link></>}</li>))}</ul>
          : <p className="text-sm text-zinc-500">No transitions yet. Configure a check on a virtual service (its page → Health check).</p>}
      </section>
      <section className="card space-y-2"><h2>Webhooks</h2>
        <p className="text-xs text-zinc-500">JSON POSTs on health transitions, failed applies, drift and director split brain, retried with back-off (all clusters).</p>
        {hooks.length > 0 && <table className="table text-sm" data-testid="webhooks-table"><thead><tr><th>Name</th><th>URL (redacted)</th><th>Events</th><th>State</th><th>Last delivery</th><th></th></tr></thead><tbody>
          {hooks.map((w) => (
            <tr key={w.id} data-webhook-row={w.name}><td>{w.name}</td><td className="mono text-xs">{w.url}</td><td className="text-xs">{w.events.join(", ") || "all"}</td>
              <td className="text-xs" data-webhook-state>{w.enabled ? "enabled" : "disabled"}</td>
              <td className="text-xs">{w.lastDelivery ? `${w.lastDelivery.event}: ${w.lastDelivery.result}` : "none"}</td>
              <td className="space-y-1"><WebhookTestButton id={w.id} name={w.name} disabled={!editable || !w.enabled} />
                {editable && <><WebhookDeleteButton id={w.id} name={w.name} />
                  <details><summary className="cursor-pointer text-xs text-sky-700">Edit</summary><WebhookEditForm hook={w} /></details></>}</td></tr>))}
        </tbody></table>}
        <WebhookForm disabled={!editable} />
      </section>
    </div>
  );
}
