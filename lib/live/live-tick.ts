import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { destKey, serviceKey, type ServiceId } from "@/lib/ipvs/model";
import { countersFor, readLive, type Counters, type LiveRow, type LiveSnapshot } from "@/lib/live/live";
import { LIVE_INTERVAL_MS, type LiveHub } from "@/lib/live/live-hub";
import { sharedSseResponse, type StreamGuard } from "@/lib/live/stream";
import { lastProbes, realServerOp, realServerHosts, type StoredProbe } from "@/lib/operations/cluster";

// One event of the live table's stream (app/api/clusters/[id]/live): the director's table with drift
// (lib/live/live), each real server's health-check state on its row, and each real-server host's
// ARP/VIP probe. The probe is the one stored in the database (RealServerProbe), run again every 10th
// tick and at once when a host has none. components/live/live-table.tsx, the e2e tests and
// bench/console.bench.ts read this shape.

/** The health checker's verdict on a real server, beside its live row. */
export interface RowHealth { status: string; message: string; latencyMs: number | null; checkedAt: string | null }

/** A real-server host's last ARP/VIP probe, as the live view's ARP panel shows it. */
export interface LiveRealServer {
  hostId: string;
  host: string;
  address: string;
  vips: string[];
  /** false when it serves no DR/TUN virtual service any more: its ARP state is then not judged */
  inUse: boolean;
  /** when it was probed (null: never) */
  at: string | null;
  error: string | null;
  ready: boolean | null;
  verdicts: NonNullable<StoredProbe["report"]>["verdicts"];
  conf: NonNullable<StoredProbe["report"]>["facts"]["conf"] | null;
  gateway: NonNullable<StoredProbe["report"]>["facts"]["defaultGateway"] | null;
  /** the host's VIPs bound on lo */
  vipOnLo: string[];
  /** "addr:port" listening (null: unknown) */
  listening: string[] | null;
}

export type LiveEvent = LiveSnapshot & { rows: Array<LiveRow & { health?: RowHealth }>; realServers: LiveRealServer[] };

/** Probe cadence: every `every`th tick from the first, and whenever a host has no stored probe. */
export const PROBE_EVERY = 10;

/** Pure: whether tick number `tick` (0 first) probes the real servers. */
export function probeDue(tick: number, hostIds: readonly string[], stored: ReadonlyMap<string, unknown>, every = PROBE_EVERY): boolean {
  return tick % every === 0 || hostIds.some((id) => !stored.has(id));
}

/** Pure: one host's entry in the ARP panel from its last probe (none: nulls). */
export function liveRealServer(h: { host: { id: string; name: string; address: string }; vips: string[]; ownVips?: string[] }, c: StoredProbe | undefined): LiveRealServer {
  const report = c?.report ?? null;
  return {
    hostId: h.host.id, host: h.host.name, address: h.host.address, vips: h.vips, inUse: (h.ownVips ?? h.vips).length > 0, at: c?.at ?? null, error: c?.error ?? null,
    ready: report?.ready ?? null, verdicts: report?.verdicts ?? [], conf: report?.facts.conf ?? null, gateway: report?.facts.defaultGateway ?? null,
    vipOnLo: report ? h.vips.filter((v) => report.facts.interfaces.some((i) => i.ifname === "lo" && i.addrs.some((a) => a.local === v))) : [],
    // (reports stored before `listening` existed have none)
    listening: report?.facts.listening?.map((l) => `${l.addr}:${l.port}`) ?? null,
  };
}

/** The rows rowHealth reads: services with their check and their real servers with override and state. */
export type HealthRows = ReadonlyArray<{
  protocol: string; family: string; address: string | null; port: number | null; fwmark: number | null;
  healthCheck: { enabled: boolean } | null;
  realServers: ReadonlyArray<{
    address: string; port: number; state: string;
    healthOverride: { enabled: boolean | null } | null;
    healthState: { status: string; lastMessage: string; lastLatencyMs: number | null; lastCheckedAt: Date | null } | null;
  }>;
}>;

/** Pure: the health state of each active real server of a checked service (not overridden off), keyed like the live rows. */
export function rowHealth(services: HealthRows): Record<string, RowHealth> {
  const out: Record<string, RowHealth> = {};
  for (const vs of services) {
    if (!vs.healthCheck?.enabled) continue;
    for (const r of vs.realServers) {
      if (r.state !== "active" || r.healthOverride?.enabled === false) continue;
      const s = r.healthState;
      out[`${serviceKey(vs as ServiceId)} -> ${destKey(r)}`] = { status: s?.status ?? "unknown", message: s?.lastMessage ?? "", latencyMs: s?.lastLatencyMs ?? null, checkedAt: s?.lastCheckedAt?.toISOString() ?? null };
    }
  }
  return out;
}

/** One event: the snapshot with each row's health and the real servers' probes. */
export async function liveTick(prisma: PrismaClient, clusterId: string, counters: Counters, opts: { tick: number }): Promise<LiveEvent> {
  const { snap, cluster } = await readLive(prisma, clusterId, counters);
  const hosts = await realServerHosts(prisma, clusterId);
  const ids = hosts.map((h) => h.host.id);
  const stored = await lastProbes(prisma, ids);
  let probes: ReadonlyMap<string, StoredProbe> = stored;
  if (probeDue(opts.tick, ids, stored)) {
    // realServerOp stores each probe (RealServerProbe) and returns it: no second read
    const fresh = await realServerOp(prisma, "live-view", clusterId, "probe").catch(() => []);
    const merged = new Map(stored);
    for (const r of fresh) merged.set(r.hostId, { at: r.at, report: r.report, error: r.error });
    probes = merged;
  }
  const health = rowHealth(cluster?.virtualServices ?? []);
  return { ...snap, rows: snap.rows.map((row) => (health[row.key] ? { ...row, health: health[row.key] } : row)), realServers: hosts.map((h) => liveRealServer(h, probes.get(h.host.id))) };
}

/** The ARP panel's entries for hosts just prepared, undone or probed (so the panel shows them before the result banner does). */
export async function liveRealServersAfter(prisma: PrismaClient, clusterId: string, results: ReadonlyArray<{ hostId: string; report: StoredProbe["report"]; error: string | null }>): Promise<LiveRealServer[]> {
  const at = new Date().toISOString();
  const hosts = await realServerHosts(prisma, clusterId);
  return results.flatMap((r) => {
    const h = hosts.find((x) => x.host.id === r.hostId);
    return h ? [liveRealServer(h, { at, report: r.report, error: r.error })] : [];
  });
}

/**
 * The tick function of one cluster's live loop: liveTick with the loop's own tick count (so the probe
 * cadence is per loop), reading the counters the loop's listeners need now.
 */
export function liveTicker(prisma: PrismaClient, clusterId: string): (needs: ReadonlySet<string>) => Promise<LiveEvent> {
  let tick = 0;
  return (needs) => liveTick(prisma, clusterId, { stats: needs.has("stats"), rate: needs.has("rate") }, { tick: tick++ });
}

/**
 * The live table's stream of one cluster (app/api/clusters/[id]/live): `interval` (ms) and `view` as the
 * browser asked, served from the cluster's ONE shared loop (lib/live/live-hub): an interval under the
 * hub's cadence gets the cadence, a view's counters are read when any watcher's view shows them.
 */
export function liveStream(prisma: PrismaClient, clusterId: string, params: URLSearchParams, signal: AbortSignal,
  guard: StreamGuard, opts: { hub?: LiveHub; maxBacklogBytes?: number } = {}): Response {
  const interval = Math.min(60_000, Math.max(0, Number(params.get("interval")) || LIVE_INTERVAL_MS));
  const c = countersFor(params.get("view"));
  const needs = [...(c.stats ? ["stats"] : []), ...(c.rate ? ["rate"] : [])];
  return sharedSseResponse(signal, `live:${clusterId}`, { intervalMs: interval, needs }, guard, liveTicker(prisma, clusterId), opts);
}
