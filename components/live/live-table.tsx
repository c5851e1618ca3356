"use client";
import { useEffect, useRef, useState } from "react";
import { human, PROBES_EVENT } from "./format";
import { arpCells, type ArpCell, type CellTone } from "@/lib/live/arp-cells";

type Drift = { status: "ok" | "missing" | "unexpected" | "different"; fields: string[] };
type Row = {
  key: string; kind: "service" | "dest"; service: string; text: string; scheduler?: string | null; flags?: string; forward?: string | null; weight?: number | null;
  activeConns?: number; inactConns?: number; conns?: number; inPkts?: number; outPkts?: number; inBytes?: number; outBytes?: number;
  cps?: number; inPps?: number; outPps?: number; inBps?: number; outBps?: number; drift: Drift;
  health?: { status: string; message: string; latencyMs: number | null; checkedAt: string | null };
};
type Verdict = { vip: string; ready: boolean; problems: string[]; warnings: string[]; iface: string | null };
type Rs = { hostId: string; host: string; address: string; vips: string[]; inUse?: boolean; at: string | null; error: string | null; ready: boolean | null; verdicts: Verdict[];
  conf: Record<string, { arp_ignore?: number; arp_announce?: number }> | null; gateway: string | null; vipOnLo: string[]; listening: string[] | null };
type Snapshot = { at: string; ok: boolean; error: { code: string; message: string; hint?: string } | null; raw: string; rows: Row[]; driftCount: number; durationMs: number; realServers: Rs[] };

const DRIFT_STYLE: Record<Drift["status"], string> = {
  ok: "", missing: "bg-amber-50 dark:bg-amber-950", unexpected: "bg-violet-50 dark:bg-violet-950", different: "bg-orange-50 dark:bg-orange-950",
};

function N({ v, unit = "" }: { v: number | undefined; unit?: string }) {
  return <td className="text-right tabular-nums" title={v === undefined ? "" : `${v.toLocaleString("en")}${unit ? " " + unit : ""}`}>{human(v)}</td>;
}

const HEALTH_TONE: Record<string, string> = {
  up: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100", down: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100", unknown: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
};

/** The health checker's verdict beside a real server: state, last result and latency on hover and in text. */
function HealthMark({ h }: { h: NonNullable<Row["health"]> }) {
  const detail = h.checkedAt ? `${h.message}${h.latencyMs !== null ? ` · ${h.latencyMs} ms` : ""}` : "not checked yet";
  return <span className={`badge ml-2 ${HEALTH_TONE[h.status] ?? HEALTH_TONE.unknown}`} data-health={h.status} title={`health check: ${h.status}, ${detail}${h.checkedAt ? ` (at ${h.checkedAt.slice(11, 19)} UTC)` : ""}`}>{h.status}<span className="font-normal">{"\u00a0· "}{detail}</span></span>;
}

function DriftMark({ d }: { d: Drift }) {
  if (d.status === "ok") return null;
  const text = d.status === "missing" ? "missing in the kernel" : d.status === "unexpected" ? "unexpected: not managed by the panel" : `different: ${d.fields.join(", ")}`;
  return <span className="badge ml-2 bg-amber-200 text-amber-900 dark:bg-amber-800 dark:text-amber-100" data-drift={d.status}>{text}</span>;
}

/**
 * Mirrors `ipvsadm -Ln` row for row from a server-sent-events stream (no page reloads), with stats and
 * rates toggles, the director's raw text, drift marks and each real server's ARP/VIP state.
 */
export function LiveTable({ clusterId, reconcile }: { clusterId: string; reconcile?: React.ReactNode }) {
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [paused, setPaused] = useState(false);
  const [view, setView] = useState<"list" | "stats" | "rate" | "raw">("list");
  const [interval, setIntervalMs] = useState(2000);
  const [conn, setConn] = useState<"connecting" | "live" | "lost" | "ended">("connecting");
  const ticks = useRef(0);
  useEffect(() => {
    if (paused) return;
    // the stream reads only the counters this view shows (a listing of a big table is not free)
    const es = new EventSource(`/api/clusters/${clusterId}/live?interval=${interval}&view=${view}`);
    es.onopen = () => setConn("live");
    es.onmessage = (e) => {
      ticks.current++;
      setSnap(JSON.parse(e.data) as Snapshot);
      setConn("live");
    };
    es.onerror = () => setConn((c) => (c === "ended" ? c : "lost"));
    // the panel ended the stream: this account may no longer watch it (disabled or demoted)
    es.addEventListener("ended", () => { es.close(); setConn("ended"); });
    return () => es.close();
  }, [clusterId, paused, interval, view]);
  // a prepare, undo or probe just finished: show its hosts' new state now, not at the next probe tick;
  // until the stream carries a newer probe, the fresh result wins over the stream's older stored one
  const [probed, setProbed] = useState<Rs[]>([]);
  useEffect(() => {
    const on = (e: Event) => setProbed((p) => [...(e as CustomEvent<Rs[]>).detail, ...p]);
    window.addEventListener(PROBES_EVENT, on);
    return () => window.removeEventListener(PROBES_EVENT, on);
  }, []);
  const realServers = (snap?.realServers ?? []).map((r) => {
    const f = probed.find((p) => p.hostId === r.hostId);
    return f && (!r.at || (f.at && f.at > r.at)) ? f : r;
  });
  const noDirector = snap?.error?.code === "no-director";

  const rows = snap?.rows ?? [];
  return (
    <div className="space-y-3" data-testid="live-view">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <div className="flex overflow-hidden rounded-md border border-zinc-300 dark:border-zinc-700" role="group" aria-label="Columns">
          {(["list", "stats", "rate", "raw"] as const).map((x) => (
            <button key={x} type="button" onClick={() => setView(x)} aria-pressed={view === x} className={`px-2 py-1 ${view === x ? "bg-sky-600 text-white" : ""}`}>
              {x === "list" ? "Connections" : x === "stats" ? "Stats" : x === "rate" ? "Rates" : "Raw"}
            </button>
          ))}
        </div>
        <button type="button" className="btn px-2 py-1" onClick={() => setPaused((p) => !p)}>{paused ? "Resume" : "Pause"}</button>
        <label className="flex items-center gap-1">every
          <select className="input w-auto py-0.5" value={interval} onChange={(e) => setIntervalMs(Number(e.target.value))} aria-label="Refresh interval">
            <option value={1000}>1 s</option><option value={2000}>2 s</option><option value={5000}>5 s</option><option value={10000}>10 s</option>
          </select></label>
        <span className="text-xs text-zinc-500" data-testid="live-status">{paused ? "paused" : conn}{snap && !noDirector ? ` · read ${snap.at.slice(11, 19)} UTC in ${snap.durationMs} ms` : ""}{noDirector ? " · no director to read" : ""}</span>
        {snap && snap.driftCount > 0 && <span className="badge bg-amber-200 text-amber-900" data-testid="drift-count">{snap.driftCount} drift</span>}
        {snap && snap.driftCount > 0 && reconcile}
      </div>
      {/* A cluster without a director is a state to explain, not an error; a failed read is an error (role=alert). */}
      {snap?.error && snap.error.code === "no-director" && <p data-testid="live-notice" className="rounded-md border border-zinc-300 bg-zinc-50 px-3 py-2 text-sm text-zinc-700 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300">{snap.error.message}</p>}
      {snap?.error && snap.error.code !== "no-director" && <p role="alert" data-testid="live-error" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">Director: {snap.error.message}{snap.error.hint ? ` — ${snap.error.hint}` : ""}</p>}
      {conn === "ended" && <p role="alert" data-testid="live-ended" className="text-xs text-red-700 dark:text-red-400">The panel ended the live stream: this account no longer has access. Sign in again.</p>}
      {conn === "lost" && !paused && <p role="alert" data-testid="live-lost" className="text-xs text-red-700 dark:text-red-400">The live stream from the panel was interrupted; reconnecting…</p>}
      {view === "stats" && rows.some((r) => r.forward === "Route") && <p className="text-xs text-zinc-500" data-testid="dr-outpkts-note">OutPkts and OutBytes stay 0 for Direct Routing (Route) real servers: their replies go straight to the client and bypass the director, which never sees them.</p>}
      {view === "raw" ? (
        <pre className="card mono overflow-x-auto text-xs" data-testid="live-raw">{snap?.raw || "(nothing read yet)"}</pre>
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="table mono text-xs" data-testid="live-table">
            <thead>
              <tr><th>Prot LocalAddress:Port</th><th>{view === "list" ? "Scheduler Flags / Forward" : ""}</th>
                {view === "list" && <><th className="text-right">Weight</th><th className="text-right">ActiveConn</th><th className="text-right">InActConn</th></>}
                {view === "stats" && <><th className="text-right">Conns</th><th className="text-right">InPkts</th><th className="text-right">OutPkts</th><th className="text-right">InBytes</th><th className="text-right">OutBytes</th></>}
                {view === "rate" && <><th className="text-right">CPS</th><th className="text-right">InPPS</th><th className="text-right">OutPPS</th><th className="text-right">InBPS</th><th className="text-right">OutBPS</th></>}
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && <tr><td colSpan={7} className="text-zinc-500">{snap ? "The director's table is empty." : "Reading the director…"}</td></tr>}
              {rows.map((r) => (
                <tr key={r.key} className={DRIFT_STYLE[r.drift.status]} data-row={r.key} data-kind={r.kind}>
                  {r.kind === "service" ? <td className="font-semibold">{r.text}<DriftMark d={r.drift} /></td> : <td className="pl-6">-&gt; {r.text}<DriftMark d={r.drift} />{r.health && <HealthMark h={r.health} />}</td>}
                  <td>{r.kind === "service" ? `${r.scheduler ?? ""} ${r.flags ?? ""}` : r.forward}</td>
                  {view === "list" && <>
                    <td className="text-right tabular-nums" data-col="weight">{r.kind === "dest" ? r.weight : ""}</td>
                    <N v={r.activeConns} /><N v={r.inactConns} />
                  </>}
                  {view === "stats" && <><N v={r.conns} /><N v={r.inPkts} /><N v={r.outPkts} /><N v={r.inBytes} unit="bytes" /><N v={r.outBytes} unit="bytes" /></>}
                  {view === "rate" && <><N v={r.cps} /><N v={r.inPps} /><N v={r.outPps} /><N v={r.inBps} unit="B/s" /><N v={r.outBps} unit="B/s" /></>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ArpPanel rs={realServers} />
    </div>
  );
}

const CELL_TONE: Record<CellTone, string> = {
  ok: "text-emerald-700 dark:text-emerald-400", bad: "text-red-700 dark:text-red-400", note: "text-amber-700 dark:text-amber-400", info: "text-zinc-500",
};

/** One sysctl, judged in lib/live/arp-cells (by the kernel's effective max(all, interface)); the judgement in words on hover. */
function Sys({ cell }: { cell: ArpCell }) {
  return <span title={cell.title} className={`${CELL_TONE[cell.tone]}${cell.viaAll ? " underline decoration-dotted" : ""}`} data-sysctl={cell.label} data-tone={cell.tone}>{cell.text}</span>;
}

/** Reasons a real server was not probed: states to explain, not failures. */
const NOT_PROBED = /^(serves no DR\/TUN virtual service yet|host key not trusted yet)$/;

export function ArpPanel({ rs }: { rs: Rs[] }) {
  if (!rs.length) return null;
  return (
    <div className="card space-y-2 overflow-x-auto" data-testid="arp-panel">
      <h3 className="font-medium">Real servers: ARP and VIP</h3>
      <table className="table text-xs">
        <thead><tr><th>Host</th><th>State</th><th>Sysctls</th><th>VIP on lo</th><th>Gateway</th><th>Listening</th></tr></thead>
        <tbody>
          {rs.map((r) => {
            const iface = r.verdicts[0]?.iface ?? "eth0";
            const c = r.conf ?? {};
            return (
              <tr key={r.hostId} data-rs={r.host}>
                <td className="font-medium">{r.host}<div className="mono text-zinc-500">{r.address}</div></td>
                <td>{r.inUse === false ? <span className="text-zinc-500" data-in-use="no">not in use: serves no virtual service{r.vipOnLo.length ? <span className="block text-amber-700" data-stale-vip="yes">{r.vipOnLo.join(", ")} still bound on lo: undo its DR preparation to remove it</span> : null}</span> : r.error ? (NOT_PROBED.test(r.error) ? <span className="text-zinc-500">{r.error}</span> : <span role="alert" className="text-red-700" data-probe-error="yes">{r.error}</span>) : r.ready === null ? <span className="text-zinc-500">not probed</span>
                  : r.ready ? <span className="badge bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100" data-ready="yes">DR-ready</span>
                  : <span className="text-red-700" data-ready="no">{r.verdicts.flatMap((v) => v.problems).join("; ")}</span>}</td>
                <td className="mono whitespace-normal">{r.conf && <div className="flex max-w-md flex-wrap gap-x-2">{arpCells(c, iface, r.inUse !== false).map((cell) => <Sys key={cell.label} cell={cell} />)}</div>}</td>
                <td className="mono">{r.inUse === false ? <span className="text-zinc-500">none</span> : r.vips.map((v) => <div key={v} className={r.vipOnLo.includes(v) ? "text-emerald-700" : "text-red-700"}>{v} {r.vipOnLo.includes(v) ? "bound" : "not bound"}</div>)}</td>
                <td className="mono">{r.gateway ?? "none"}</td>
                <td className="mono">{r.listening?.slice(0, 4).join(" ") ?? "?"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
