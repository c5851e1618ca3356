import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { parseSave } from "@/lib/ipvs/parse-save";
import { parseList, type Listing } from "@/lib/ipvs/parse-list";
import { mergeThresholds } from "@/lib/ipvs/merge";
import {
  FORWARD_LISTED, destFieldDiff, destKey, normalizeService, serviceFieldDiff, serviceKey, type Service, type Table,
} from "@/lib/ipvs/model";
import { BOTH_COUNTERS, readDirector, type Counters } from "@/lib/director";
import { directorOf } from "@/lib/data/hosts";
import { isSshError } from "@/lib/ssh";

export type { Counters };
import { coalescer } from "@/lib/operations/coalesce";
import { loadDesiredAndCluster, type ClusterRows } from "@/lib/health/overlay";
import { pool, targetFor } from "@/lib/operations/targets";

// The live view: ONE read of the director per refresh (lib/director readDirector); drift compares the
// desired state with what the kernel holds, as sets (kernel order means nothing).

const BOTH = BOTH_COUNTERS;

/** The counters a live view needs: `list` and `raw` show neither, `stats` and `rate` their own; anything else both. */
export function countersFor(view: string | null): Counters {
  if (view === "list" || view === "raw") return { stats: false, rate: false };
  if (view === "stats") return { stats: true, rate: false };
  if (view === "rate") return { stats: false, rate: true };
  return BOTH;
}

export interface LiveRow {
  key: string;
  kind: "service" | "dest";
  service: string;
  text: string; // the -Ln line's fields
  scheduler?: string | null;
  flags?: string;
  forward?: string | null;
  weight?: number | null;
  activeConns?: number; inactConns?: number;
  conns?: number; inPkts?: number; outPkts?: number; inBytes?: number; outBytes?: number;
  cps?: number; inPps?: number; outPps?: number; inBps?: number; outBps?: number;
  drift: { status: "ok" | "missing" | "unexpected" | "different"; fields: string[] } ;
}

export interface LiveSnapshot {
  at: string;
  ok: boolean;
  error: { code: string; message: string; hint?: string } | null;
  raw: string;
  rows: LiveRow[];
  driftCount: number;
  durationMs: number;
}

const FWD: Record<string, string> = FORWARD_LISTED;

function byKey(l: Listing) {
  const m = new Map<string, { svc: Listing["services"][number]; dests: Map<string, Listing["services"][number]["destinations"][number]> }>();
  for (const s of l.services) m.set(serviceKey(s), { svc: s, dests: new Map(s.destinations.map((d) => [destKey(d), d])) });
  return m;
}

function safeList(text: string): Listing | null {
  try {
    return parseList(text);
  } catch {
    return null;
  }
}
/** The save merged with the thresholds listing; without a usable listing, thresholds are not compared. */
function actualTable(save: string, thresholds: string): { table: Table; thresholdsKnown: boolean } {
  const table = safeSave(save);
  try {
    return { table: mergeThresholds(table, parseList(thresholds, ["thresholds"])), thresholdsKnown: true };
  } catch {
    return { table, thresholdsKnown: false };
  }
}

function safeSave(text: string): Table {
  try {
    return parseSave(text);
  } catch {
    return { services: [] };
  }
}

/** Rows in -Ln order, with stats and rates joined on the key and drift against `desired` (loadDesired's table). */
export function buildRows(
  raw: { list: string; stats: string; rate: string; save: string; thresholds?: string }, desiredTable: Table,
): LiveRow[] {
  const list = safeList(raw.list);
  const stats = byKey(safeList(raw.stats) ?? { format: "stats", approximate: false, services: [] });
  const rate = byKey(safeList(raw.rate) ?? { format: "rate", approximate: false, services: [] });
  const read = actualTable(raw.save, raw.thresholds ?? "");
  const actual = new Map(read.table.services.map((s) => [serviceKey(s), s]));
  const desired = new Map(desiredTable.services.map((s) => [serviceKey(s), normalizeService(s).service]));
  const rows: LiveRow[] = [];
  const listed = list?.services ?? [];
  const seen = new Set<string>();
  const svcDrift = (k: string): LiveRow["drift"] => {
    const d = desired.get(k);
    const a = actual.get(k);
    if (!d) return { status: "unexpected", fields: [] };
    if (!a) return { status: "missing", fields: [] };
    const f = serviceFieldDiff(d, a);
    return f.length ? { status: "different", fields: f } : { status: "ok", fields: [] };
  };
  const destDrift = (k: string, dk: string): LiveRow["drift"] => {
    const d = desired.get(k)?.destinations.find((x) => destKey(x) === dk);
    const a = actual.get(k)?.destinations.find((x) => destKey(x) === dk);
    if (!desired.has(k) || !d) return { status: "unexpected", fields: [] };
    if (!a) return { status: "missing", fields: [] };
    const f = destFieldDiff(d, a).filter((x) => read.thresholdsKnown || (x !== "upperThreshold" && x !== "lowerThreshold"));
    return f.length ? { status: "different", fields: f } : { status: "ok", fields: [] };
  };
  const pushService = (k: string, s: { scheduler: string | null; flags: string[] | null; persistent: number | null } | null, dests: Array<{ address: string; port: number; forward: string | null; weight: number | null; activeConns?: number; inactConns?: number }>, missing: boolean) => {
    seen.add(k);
    const st = stats.get(k);
    const rt = rate.get(k);
    rows.push({
      key: k, kind: "service", service: k, text: k, scheduler: s?.scheduler ?? null,
      flags: [s?.flags?.length ? `(${s.flags.join(",")})` : "", s?.persistent ? `persistent ${s.persistent}` : ""].filter(Boolean).join(" "),
      conns: st?.svc.conns, inPkts: st?.svc.inPkts, outPkts: st?.svc.outPkts, inBytes: st?.svc.inBytes, outBytes: st?.svc.outBytes,
      cps: rt?.svc.cps, inPps: rt?.svc.inPps, outPps: rt?.svc.outPps, inBps: rt?.svc.inBps, outBps: rt?.svc.outBps,
      drift: missing ? { status: "missing", fields: [] } : svcDrift(k),
    });
    const dseen = new Set<string>();
    for (const d of dests) {
      const dk = destKey(d);
      dseen.add(dk);
      const ds = st?.dests.get(dk);
      const dr = rt?.dests.get(dk);
      rows.push({
        key: `${k} -> ${dk}`, kind: "dest", service: k, text: dk, forward: d.forward ? FWD[d.forward] ?? d.forward : null, weight: d.weight,
        activeConns: d.activeConns, inactConns: d.inactConns,
        conns: ds?.conns, inPkts: ds?.inPkts, outPkts: ds?.outPkts, inBytes: ds?.inBytes, outBytes: ds?.outBytes,
        cps: dr?.cps, inPps: dr?.inPps, outPps: dr?.outPps, inBps: dr?.inBps, outBps: dr?.outBps,
        drift: missing ? { status: "missing", fields: [] } : destDrift(k, dk),
      });
    }
    // desired real servers the kernel does not have
    for (const d of desired.get(k)?.destinations ?? []) {
      const dk = destKey(d);
      if (dseen.has(dk)) continue;
      rows.push({ key: `${k} -> ${dk}`, kind: "dest", service: k, text: dk, forward: FWD[d.forward] ?? d.forward, weight: d.weight, drift: { status: "missing", fields: [] } });
    }
  };
  for (const s of listed) pushService(serviceKey(s), s, s.destinations, false);
  for (const [k, s] of desired) if (!seen.has(k)) pushService(k, { scheduler: s.scheduler, flags: s.flags, persistent: s.persistent }, [], true);
  return rows;
}


/** liveSnapshot with the cluster rows its drift was judged against (null: no director, so none were read). */
export async function readLive(
  prisma: PrismaClient, clusterId: string, counters: Counters = BOTH,
): Promise<{ snap: LiveSnapshot; cluster: ClusterRows | null }> {
  const started = performance.now();
  const at = new Date().toISOString();
  const director = await directorOf(prisma, clusterId);
  if (!director) return { snap: { at, ok: false, error: { code: "no-director", message: "This cluster has no director host yet." }, raw: "", rows: [], driftCount: 0, durationMs: 0 }, cluster: null };
  const { desired, cluster } = await loadDesiredAndCluster(prisma, clusterId);
  try {
    const raw = await readDirector(pool(), await targetFor(prisma, director), counters);
    const rows = buildRows(raw, desired.table);
    return { snap: { at, ok: true, error: null, raw: raw.list, rows, driftCount: rows.filter((r) => r.drift.status !== "ok").length, durationMs: Math.round(performance.now() - started) }, cluster };
  } catch (e) {
    const err = isSshError(e) ? { code: e.code, message: e.message, hint: e.hint } : { code: "error", message: e instanceof Error ? e.message : String(e) };
    return { snap: { at, ok: false, error: err, raw: "", rows: [], driftCount: 0, durationMs: Math.round(performance.now() - started) }, cluster };
  }
}

/**
 * The director's table now, with drift against the desired state (health's overlay included).
 * Simultaneous requests for a cluster (the API's /live) share one read of its director.
 */
export async function liveSnapshot(prisma: PrismaClient, clusterId: string, counters: Counters = BOTH): Promise<LiveSnapshot> {
  const key = `live-snapshot:${clusterId}:${counters.stats}:${counters.rate}`;
  return structuredClone(await coalescer().run(key, async () => (await readLive(prisma, clusterId, counters)).snap));
}
