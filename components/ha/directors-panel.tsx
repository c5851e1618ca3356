"use client";
import Link from "next/link";
import { useActionState, useEffect, useState } from "react";
import { failoverAction, type FailoverState } from "@/app/actions/ha";
import { secondsText, splitBrainText, type DirectorsView } from "@/lib/ha/view";
import { ConfirmSubmit } from "../forms/confirm-submit";
import { FormMessage } from "../forms/form-message";

const STATE_TONE: Record<string, string> = {
  MASTER: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100",
  BACKUP: "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100",
  FAULT: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100",
  STOPPED: "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
  unknown: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
};
const time = (iso: string | null) => (iso ? iso.slice(11, 19) : "never");

/** Split brain: two directors hold one VIP (or say MASTER). Loud on purpose: clients reach either one. */
export function SplitBrainBanner({ view }: { view: Pick<DirectorsView, "splitBrain"> }) {
  if (!view.splitBrain) return null;
  return (
    <div role="alert" data-testid="split-brain" className="rounded-md border-2 border-red-600 bg-red-600 px-4 py-3 text-white">
      <p className="text-lg font-bold">SPLIT BRAIN: {splitBrainText(view.splitBrain)}</p>
      <p className="text-sm">More than one director answers for these VIPs: clients reach either, connections break. Check the VRRP path between the directors (adverts on the interface, unicast peers, the router id) and stop keepalived on the one that should not be MASTER.</p>
    </div>
  );
}

/** "Expected failover: 3.6 s (director2, priority 100 takes over)" */
export function FailoverEstimate({ view }: { view: Pick<DirectorsView, "failover" | "advertInt" | "haEnabled"> }) {
  if (!view.haEnabled) return null;
  if (!view.failover) return <span className="text-sm text-red-700" data-testid="expected-failover">No backup can take over (one director, or every other is behind).</span>;
  const f = view.failover;
  return (
    <span className="text-sm" data-testid="expected-failover" data-expected-failover-ms={f.expectedMs}
      title={`3 × advert_int + (256 − ${f.priority}) / 256 × advert_int, advert_int ${view.advertInt} s`}>
      Expected failover: <strong>{secondsText(f.expectedMs)}</strong> <span className="text-zinc-500">({f.backup}, priority {f.priority}, takes the VIPs when the MASTER stops answering)</span>
    </span>
  );
}

/**
 * Each director's VRRP state as keepalived reported it to the worker's poll, refreshed from the
 * stored readings every poll interval while the page is visible (no SSH from the browser's refresh).
 */
export function DirectorsPanel({ clusterId, initial, canSwitch }: { clusterId: string; initial: DirectorsView; canSwitch: boolean }) {
  const [view, setView] = useState(initial);
  useEffect(() => setView(initial), [initial]);
  useEffect(() => {
    if (!initial.haEnabled) return;
    let stop = false;
    const tick = async () => {
      if (document.visibilityState !== "visible") return;
      const r = await fetch(`/api/clusters/${clusterId}/directors`, { cache: "no-store" }).catch(() => null);
      if (!stop && r?.ok) setView((await r.json()) as DirectorsView);
    };
    const t = setInterval(tick, Math.max(1000, initial.pollMs));
    return () => { stop = true; clearInterval(t); };
  }, [clusterId, initial.haEnabled, initial.pollMs]);
  return (
    <div className="space-y-2" data-testid="directors-panel">
      <SplitBrainBanner view={view} />
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm">
          {view.haEnabled ? <>Director HA <span className="badge bg-emerald-100 text-emerald-900" data-testid="ha-state">on</span> keepalived&apos;s VRRP moves the VIPs, advert_int {view.advertInt} s. </>
            : <>Director HA <span className="badge bg-zinc-200 text-zinc-700" data-testid="ha-state">off</span> the panel uses {view.directors[0]?.name ?? "the first director"} (the first by name) and binds the VIPs itself. </>}
          <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/clusters/${clusterId}/ha`}>HA settings</Link>
        </p>
        <FailoverEstimate view={view} />
      </div>
      <div className="card overflow-x-auto p-0">
        <table className="table text-sm" data-testid="directors-table">
          <thead><tr><th>Director</th><th>Address</th><th>Priority</th><th>VRRP state</th><th>VIPs held</th><th>Sync daemon</th><th>Synced conns</th><th>Read (UTC)</th></tr></thead>
          <tbody>{view.directors.map((d) => (
            <tr key={d.id} data-director={d.name}>
              <td className="font-medium">{d.name}
                {d.behind && <span className="badge ml-2 bg-amber-200 text-amber-900" data-behind="yes" title="its last apply did not verify: keepalived keeps it out of MASTER until one does">behind (held out of MASTER)</span>}</td>
              <td className="mono">{d.address}</td>
              <td className="tabular-nums" data-priority={d.priority}>{d.priority}</td>
              <td data-director-state={d.name} data-vrrp-state={d.state}>
                <span className={`badge ${STATE_TONE[d.state] ?? STATE_TONE.unknown}`} title={d.state === "unknown" ? "no reading in the last two polls: the state now is not known" : "as keepalived reports it"}>{d.state}</span></td>
              <td className={`mono text-xs ${d.stale ? "text-zinc-400" : ""}`} data-vips-held={d.vipsHeld.join(",")}>{d.vipsHeld.join(", ") || "none"}{d.stale && d.vipsHeld.length > 0 ? " (at the last reading)" : ""}</td>
              <td className="mono text-xs" data-sync-daemon={d.syncDaemon}>{d.syncDaemon || (d.state === "unknown" ? "?" : "not running")}</td>
              <td className="tabular-nums" data-synced-conns={d.syncedConns ?? ""}>{d.syncedConns ?? "?"}</td>
              <td className="text-xs">{time(d.readAt)}{d.stale && view.haEnabled && <span className="text-zinc-500"> (stale)</span>}
                {d.error && <p role="alert" className="text-red-700" data-read-error>{d.error}</p>}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      {!view.haEnabled && view.directors.length > 1 && (
        <p className="text-xs text-zinc-500">The other directors are not used until director HA is turned on: the panel does not apply to them, and keepalived does not run there on its behalf.</p>
      )}
      {view.haEnabled && view.directors.length > 1 && <SwitchOver clusterId={clusterId} view={view} disabled={!canSwitch} />}
    </div>
  );
}

function SwitchOver({ clusterId, view, disabled }: { clusterId: string; view: DirectorsView; disabled: boolean }) {
  const [state, action] = useActionState<FailoverState, FormData>(failoverAction, {});
  const master = view.directors.find((d) => d.state === "MASTER");
  const backup = view.failover?.backup;
  return (
    <form action={action} className="space-y-2" data-testid="switch-over">
      <input type="hidden" name="clusterId" value={clusterId} />
      <div className="flex flex-wrap items-center gap-2">
        <label className="text-sm" htmlFor="failover-to">To</label>
        <select id="failover-to" name="to" className="input w-auto" defaultValue="" disabled={disabled}>
          <option value="">the best ready backup{backup ? ` (${backup})` : ""}</option>
          {view.directors.filter((d) => d !== master).map((d) => <option key={d.id} value={d.name}>{d.name}</option>)}
        </select>
        <ConfirmSubmit className="btn" disabled={disabled} title="Switch over to the backup?" confirmLabel="Switch over"
          body={<>
            <p>The MASTER{master ? ` (${master.name})` : ""} gives up the VIPs: the panel sets its track file, keepalived puts it in FAULT and sends priority 0, and the backup takes the VIPs at once (no wait for 3 × advert_int).</p>
            <p>Once the backup holds every VIP, the two directors&apos; priorities are swapped (so preemption does not take the VIPs back) and written to both; the old MASTER comes back as BACKUP.</p>
            <p>Established connections move only as far as the sync daemon carried them{master?.syncedConns != null ? "" : " (its state is not known)"}; new ones go to the new MASTER.</p>
          </>}>Switch over</ConfirmSubmit>
        {disabled && <span className="text-xs text-zinc-500">Operators and admins can switch over.</span>}
      </div>
      <FormMessage state={state} />
      {state.failover && (
        <div className="card text-sm" data-testid="failover-result" data-from={state.failover.from} data-to={state.failover.to} data-ms={state.failover.ms}>
          <p>{state.failover.from} → {state.failover.to} in {state.failover.ms} ms</p>
          <ol className="mono list-decimal pl-5 text-xs">{state.failover.steps.map((s, i) => <li key={i}>{s}</li>)}</ol>
        </div>
      )}
    </form>
  );
}
