// What the panel shows of a cluster's directors (the Directors panel, the health page, GET
// /clusters/{id}/directors, `lvs status`): each director's stored reading as lib/ha/model judges it
// now. Pure: lib/data/ha-view.ts loads the rows.
import { expectedFailoverMs, isStale, shownState, splitBrain, type DirectorHaRow, type SplitBrain, type VrrpState } from "./model";

export interface DirectorView {
  id: string;
  name: string;
  address: string;
  priority: number;
  /** keepalived's VRRP state; "unknown" when the reading is missing or older than two polls */
  state: VrrpState | "unknown";
  /** the VIPs its interfaces held at the last reading (with `stale`: maybe not any more) */
  vipsHeld: string[];
  syncDaemon: string;
  syncedConns: number | null;
  /** held out of MASTER until an apply verifies on it */
  behind: boolean;
  error: string | null;
  readAt: string | null;
  stale: boolean;
}

export interface DirectorsView {
  haEnabled: boolean;
  advertInt: number;
  pollMs: number;
  directors: DirectorView[];
  splitBrain: SplitBrain | null;
  /** the director that takes over when the MASTER fails, and how soon (null: none to take over) */
  failover: { backup: string; priority: number; expectedMs: number } | null;
}

interface Input {
  haEnabled: boolean;
  advertInt: number;
  directors: Array<{ id: string; name: string; address: string; vrrpPriority: number }>;
  rows: DirectorHaRow[];
  /** the stored flag, also when the last reading failed (DirectorState.behind is kept then) */
  behind: Map<string, boolean>;
  pollMs: number;
  now?: number;
}

export function directorsView(i: Input): DirectorsView {
  const now = i.now ?? Date.now();
  const rows = new Map(i.rows.map((r) => [r.hostId, r]));
  const directors = i.directors.map((d): DirectorView => {
    const r = rows.get(d.id) ?? { hostId: d.id, name: d.name, reading: null, error: null, readAt: null };
    return {
      id: d.id, name: d.name, address: d.address, priority: d.vrrpPriority, state: shownState(r, i.pollMs, now),
      vipsHeld: r.reading?.vipsHeld ?? [], syncDaemon: r.reading?.syncDaemon ?? "", syncedConns: r.reading?.syncedConns ?? null,
      behind: r.reading?.behind ?? i.behind.get(d.id) ?? false, error: r.error, readAt: r.readAt && r.readAt.getTime() > 0 ? r.readAt.toISOString() : null,
      stale: isStale(r.readAt, i.pollMs, now),
    };
  });
  return { haEnabled: i.haEnabled, advertInt: i.advertInt, pollMs: i.pollMs, directors, splitBrain: i.haEnabled ? splitBrain(i.rows, i.pollMs, now) : null,
    failover: i.haEnabled ? bestBackup(directors, i.advertInt) : null };
}

/**
 * The backup keepalived would elect: the highest priority among the directors that are not the MASTER
 * (MASTER: the one reporting it, else the highest priority) and not behind.
 */
function bestBackup(ds: DirectorView[], advertInt: number): DirectorsView["failover"] {
  if (ds.length < 2) return null;
  const byPriority = [...ds].sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
  const master = ds.find((d) => d.state === "MASTER") ?? byPriority[0]!;
  const b = byPriority.find((d) => d !== master && !d.behind);
  return b ? { backup: b.name, priority: b.priority, expectedMs: expectedFailoverMs(advertInt, b.priority) } : null;
}

/** "MASTER on d1 and d2; 10.0.0.100 held by d1 and d2" */
export function splitBrainText(s: SplitBrain): string {
  return [...s.vips.map((v) => `${v.vip} held by ${v.holders.join(" and ")}`), ...(s.masters.length ? [`MASTER on ${s.masters.join(" and ")}`] : [])].join("; ");
}

/** 3 125 ms → "3.1 s" */
export function secondsText(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
