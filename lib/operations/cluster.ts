import "server-only";
import crypto from "node:crypto";
import type { PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { applyDirector, readDirector, readDirectorAddresses, readTable, vipAddArgv } from "@/lib/director";
import { UserError } from "@/lib/errors";
import { prepareRealServer, probeRealServer, undoRealServer, type RealServerReport } from "@/lib/realserver";
import { sorryForward, type Table } from "@/lib/ipvs";
import { shJoin } from "@/lib/ssh";
import { coalescer } from "@/lib/operations/coalesce";
import { desiredCore, desiredOf, lastOwned } from "@/lib/desired/desired";
import { serviceRowsOf } from "@/lib/data/cluster-document";
import type { ClusterDocument } from "@/lib/declarative";
import { serviceLabel } from "@/lib/data/virtual-services";
import { loadDesiredWithHealth, type DesiredWithHealth } from "@/lib/health/overlay";
import { directorOf } from "@/lib/data/hosts";
import { directorsOf, haSettingsOf } from "@/lib/data/ha";
import { activeConnsCut, describeDest, kernelDests, liveDrTraffic, type KernelDest } from "@/lib/operations/traffic";
import { keysFor, pool, targetFor, targetWithKeys } from "@/lib/operations/targets";
import { applyMessage, sshMessage, vipIface } from "@/lib/operations/apply-message";

export { startApply } from "@/lib/operations/apply";
export { applyMessage, vipIface };

// Plan, apply, prepare/undo and probes for one cluster: the console's only way to touch machines.

export interface PlanHost {
  host: string;
  hostId: string | null;
  role: "director" | "real_server";
  /** activeConns: for a disruptive step, the active connections it would cut now (null: the table could not be read) */
  steps: Array<{ command: string; disruptive: boolean; why?: string; activeConns?: number | null }>;
  note: string | null;
  error: string | null;
  /** real servers: false when no virtual service uses the host any more */
  inUse?: boolean;
}

async function requireDirector(prisma: PrismaClient, clusterId: string) {
  const d = await directorOf(prisma, clusterId);
  if (!d) throw new UserError("This cluster has no director: add one on the Hosts page.");
  if (!d.hostKeyFingerprint) throw new UserError(`Trust ${d.name}'s host key first (Hosts page).`);
  return d;
}

/**
 * Per host, the exact commands Apply would run now (a dry run against the live table). With
 * `document`: the commands once that document is stored (the health checker's state is not laid over
 * a document that is not stored yet).
 */
export async function planCluster(prisma: PrismaClient, clusterId: string, opts: { document?: ClusterDocument } = {}): Promise<PlanHost[]> {
  const desired: DesiredWithHealth = opts.document
    ? { ...desiredOf(serviceRowsOf(opts.document), await lastOwned(prisma, clusterId)), health: [] }
    : await loadDesiredWithHealth(prisma, clusterId);
  const cluster = await prisma.cluster.findUnique({ where: { id: clusterId } });
  const ha = cluster ? haSettingsOf(cluster) : null;
  // without HA a cluster has one director (the first by name); with HA every director is planned
  const all = await directorsOf(prisma, clusterId);
  const directors = ha?.enabled ? all : all.slice(0, 1);
  if (!directors.length) return [{ host: "(no director)", hostId: null, role: "director", steps: [], note: null, error: "This cluster has no director: add one on the Hosts page." }];
  // simultaneous plans of the same desired state on the same director share ONE read of it
  const state = JSON.stringify([desired.table, desired.remove, desired.vips, desired.health, ha?.enabled ?? false]);
  const out: PlanHost[] = await Promise.all(directors.map(async (director) => {
    const key = `plan:${director.id}:${director.hostKeyFingerprint}:${crypto.createHash("sha256").update(state).digest("base64url")}`;
    return structuredClone(await coalescer().run(key, () => planDirectorHost(prisma, director, desired, ha?.enabled ?? false)));
  }));
  if (!ha?.enabled && (await prisma.directorState.count({ where: { hostId: { in: all.map((d) => d.id) } } })) > 0) {
    out[0]!.steps.unshift(...all.map((d) => ({ command: `stop keepalived on ${d.name} and remove its VRRP configuration`, disruptive: true,
      why: `director HA is off: ${directors[0]!.name} alone holds the VIPs from now on (for a moment none does; connections through another director are cut)` })));
    out[0]!.note = null;
  }
  const rs = await realServerHosts(prisma, clusterId);
  for (const r of rs) {
    // only what is current: a host no virtual service uses any more is "not in use", not a real server of the cluster's VIPs
    out.push({ host: r.host.name, hostId: r.host.id, role: "real_server", steps: [], error: null, inUse: r.ownVips.length > 0,
      note: r.ownVips.length ? `Real server for ${r.ownVips.join(", ")} (${r.mode}). Apply does not change real servers: use "Prepare for DR" on the cluster page.`
        : "Not in use: no virtual service sends it traffic. Apply does not change real servers; undo its DR preparation on the cluster page if it is done with." });
  }
  return out;
}

async function planDirectorHost(prisma: PrismaClient, director: NonNullable<Awaited<ReturnType<typeof directorOf>>>, desired: DesiredWithHealth, ha: boolean): Promise<PlanHost> {
  const dh: PlanHost = { host: director.name, hostId: director.id, role: "director", steps: [], note: null, error: null };
  if (!director.hostKeyFingerprint) return { ...dh, error: `Trust ${director.name}'s host key first (Hosts page).` };
  try {
    const t = await targetFor(prisma, director);
    // two independent reads of the director side by side on its one connection: where the VIPs are
    // (not the full probe: a dozen processes) and the dry run against the live table
    const [probe, dry] = await Promise.all([
      readDirectorAddresses(pool(), t),
      applyDirector(pool(), t, desiredCore, { table: desired.table, remove: desired.remove }, { dryRun: true }),
    ]);
    const iface = vipIface(probe);
    // with HA keepalived binds the VIPs on the MASTER: Apply writes its VRRP part (reloaded only when it changed)
    if (ha) dh.steps.push({ command: "keepalived VRRP configuration (keepalived -t, then reload if it changed)", disruptive: false, why: "director HA" });
    for (const vip of ha ? [] : desired.vips) {
      const held = probe.addresses.some((a) => a.local === vip);
      if (!held) dh.steps.push({ command: shJoin(vipAddArgv({ vip, iface })), disruptive: false, why: "bind the VIP on the director" });
    }
    // a step that cuts connections says how many it cuts now (read only when there is one)
    const kernel = dry.steps.some((s) => s.disruptive) ? await readKernel(prisma, director.clusterId) : null;
    for (const s of dry.steps) {
      const cut = s.disruptive ? { activeConns: kernel?.dests ? activeConnsCut(kernel.dests, s.command) : null } : {};
      dh.steps.push({ command: s.command, disruptive: s.disruptive, ...cut });
    }
    if (dh.steps.length === (ha ? 1 : 0)) dh.note = "The director already matches the desired state.";
    if (desired.health.length) dh.note = `${dh.note ? dh.note + " " : ""}Health checker's state kept: ${desired.health.join("; ")}.`;
  } catch (e) {
    dh.error = sshMessage(e);
  }
  return dh;
}

/** Real-server hosts with the VIPs they serve (from the desired state). */
export async function realServerHosts(prisma: PrismaClient, clusterId: string) {
  const hosts = await prisma.host.findMany({ where: { clusterId, role: "real_server" }, orderBy: { name: "asc" }, include: { realServers: { include: { virtualService: true } } } });
  const services = await prisma.virtualService.findMany({ where: { clusterId } });
  const clusterVips = [...new Set(services.map((s) => s.address).filter((a): a is string => !!a && !a.includes(":")))];
  return hosts.map((h) => {
    // a host is a DR real server of a service through its RealServer rows, or as the service's sorry
    // server (rendered in DR when its port is the service port: it needs the VIP on lo like the others)
    const sorryOf = services.filter((s) => s.sorryAddress === h.address && s.address && !s.address.includes(":") && s.sorryPort !== null && sorryForward(s, s.sorryPort) === "route")
      .map((s) => ({ forwardingMethod: "route" as const, virtualService: s }));
    const dr = [...h.realServers, ...sorryOf].filter((r) => r.forwardingMethod !== "masq" && r.virtualService.address && !r.virtualService.address.includes(":"));
    const ownVips = [...new Set(dr.map((r) => r.virtualService.address!))];
    // A host that serves no VIP any more is still probed (and undone) for the cluster's VIPs.
    const vips = ownVips.length ? ownVips : clusterVips;
    const port = dr[0]?.virtualService.port ?? undefined;
    const proto = dr[0]?.virtualService.protocol === "udp" ? "udp" as const : "tcp" as const;
    const mode = dr.some((r) => r.forwardingMethod === "tunnel") ? "tunnel" as const : "route" as const;
    return { host: h, vips, ownVips, port: port && port > 0 ? port : undefined, protocol: proto, mode };
  });
}

/**
 * What the director's kernel holds (`ipvsadm -S -n` merged with the thresholds), as a table: "import
 * what the kernel holds". No transaction is open while it reads.
 */
export async function readKernelTable(prisma: PrismaClient, clusterId: string): Promise<Table> {
  const director = await requireDirector(prisma, clusterId);
  try {
    const r = await readDirector(pool(), await targetFor(prisma, director), { stats: false, rate: false });
    return readTable({ save: r.save, thresholds: r.thresholds }).table;
  } catch (e) {
    throw new UserError(`${director.name} could not be read: ${sshMessage(e)}`);
  }
}

export type RealServerAction = "prepare" | "undo" | "probe";

/** The director's kernel table now (`ipvsadm -Ln`), or why it could not be read. */
export async function readKernel(prisma: PrismaClient, clusterId: string): Promise<{ dests: KernelDest[]; error: null } | { dests: null; error: string }> {
  const director = await directorOf(prisma, clusterId);
  if (!director) return { dests: null, error: "this cluster has no director" };
  if (!director.hostKeyFingerprint) return { dests: null, error: `${director.name}'s host key is not trusted yet` };
  try {
    return { dests: kernelDests((await readDirector(pool(), await targetFor(prisma, director), { stats: false, rate: false })).list), error: null };
  } catch (e) {
    return { dests: null, error: `${director.name} could not be read: ${sshMessage(e)}` };
  }
}

/**
 * readKernel for a page that must not hang on a slow director: after `ms`, the table counts as unread.
 * 15 s: a non-root SSH user reads through sudo and the helper (a sudo per ipvsadm listing), which took
 * 2-5 s for the three reads on the lab's Debian director under TCG while the e2e suite ran, and once
 * over 8 s (the PGlite run of the seed e2e, 2026-12-04). One helper call for all listings is the fix.
 */
export async function readKernelWithin(prisma: PrismaClient, clusterId: string, ms = 15_000): ReturnType<typeof readKernel> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ dests: null; error: string }>((resolve) => { timer = setTimeout(() => resolve({ dests: null, error: `the director did not answer within ${ms / 1000} s` }), ms); });
  try {
    return await Promise.race([readKernel(prisma, clusterId), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A real-server host that the director still sends traffic to, and what it sends. */
export interface LiveHost { host: string; hostId: string; entries: string[]; services: Array<{ id: string; label: string }> }

/**
 * Undo refuses, unless confirmed host by host, when it would black-hole traffic: the director's KERNEL
 * table (read now) still sends a DR/TUN share of a VIP to the host with weight > 0. When the table
 * cannot be read, hosts the desired state still lists as real servers count as live (the safe guess).
 */
export class LiveTrafficError extends UserError {
  constructor(readonly live: LiveHost[], readonly kernelError: string | null) {
    const what = live.map((h) => `${h.host} still receives traffic (${h.entries.join("; ")})`).join(". ");
    super(`${what}. Undoing takes the VIP off its lo: the director keeps sending it requests, which it then drops (clients time out). ` +
      `Drain and remove it from the service first (then apply), or confirm to undo anyway.`);
    this.name = "LiveTrafficError";
  }
}

async function liveHosts(prisma: PrismaClient, clusterId: string, targets: Awaited<ReturnType<typeof realServerHosts>>): Promise<{ live: LiveHost[]; kernelError: string | null }> {
  const k = await readKernel(prisma, clusterId);
  const live: LiveHost[] = [];
  for (const r of targets) {
    const services = [...new Map(r.host.realServers.map((x) => [x.virtualService.id, { id: x.virtualService.id, label: serviceLabel(x.virtualService) }])).values()];
    const entries = k.dests ? liveDrTraffic(k.dests, r.host.address, r.vips).map(describeDest)
      : r.ownVips.length ? [`the director's table could not be read (${k.error}); the desired state lists it for ${r.ownVips.join(", ")}`] : [];
    if (entries.length) live.push({ host: r.host.name, hostId: r.host.id, entries, services });
  }
  return { live, kernelError: k.error };
}

/**
 * Prepare (ARP sysctls + VIP on lo), undo, or just probe, on one real-server host or all of a cluster's.
 * `confirmDropTraffic`: host names whose live traffic the operator agreed to drop (undo only).
 */
export async function realServerOp(prisma: PrismaClient, actor: string, clusterId: string, action: RealServerAction, hostId?: string, opts: { confirmDropTraffic?: readonly string[] } = {}) {
  const cluster = await prisma.cluster.findUnique({ where: { id: clusterId } });
  if (!cluster) throw new UserError("This cluster no longer exists.");
  const director = await directorOf(prisma, clusterId);
  const all = await realServerHosts(prisma, clusterId);
  const targets = hostId ? all.filter((r) => r.host.id === hostId) : all;
  if (!targets.length) throw new UserError(hostId ? "This host is not a real server of this cluster." : "This cluster has no real-server hosts.");
  if (action === "undo") {
    const { live, kernelError } = await liveHosts(prisma, clusterId, targets.filter((r) => r.host.hostKeyFingerprint));
    const unconfirmed = live.filter((h) => !opts.confirmDropTraffic?.includes(h.host));
    if (unconfirmed.length) throw new LiveTrafficError(unconfirmed, kernelError);
  }
  const keys = await keysFor(prisma, targets.map((r) => r.host));
  // a probe is a read: one younger than PROBE_MIN_INTERVAL_MS (any panel instance's, from the database,
  // or this process's, also one still running) is answered again instead of probing the host anew
  const stored = action === "probe" ? await lastProbes(prisma, targets.map((r) => r.host.id)) : new Map<string, StoredProbe>();
  const results: Array<{ host: string; hostId: string; report: RealServerReport | null; error: string | null; fresh: boolean; at: string }> = [];
  await Promise.all(targets.map(async (r) => {
    const row = { host: r.host.name, hostId: r.host.id, fresh: true, at: new Date().toISOString() };
    if (!r.vips.length || (action === "prepare" && !r.ownVips.length)) return void results.push({ ...row, report: null, error: "serves no DR/TUN virtual service yet" });
    if (!r.host.hostKeyFingerprint) return void results.push({ ...row, report: null, error: "host key not trusted yet" });
    const recent = stored.get(r.host.id);
    if (recent && probeStillFresh(recent, r.vips)) return void results.push({ ...row, report: recent.report, error: recent.error, fresh: false, at: recent.at });
    try {
      const t = targetWithKeys(r.host, keys);
      const params = { vips: r.vips, mode: r.mode, port: r.port, protocol: r.protocol, ...(director && /^\d+\.\d+\.\d+\.\d+$/.test(director.address) ? { director: director.address } : {}) };
      // (a shared probe answers with the time it was read)
      const read = async (fn: typeof probeRealServer) => ({ report: await fn(pool(), t, params), at: new Date().toISOString() });
      const got = action === "probe"
        ? await coalescer().run(`rs-probe:${r.host.id}:${r.host.hostKeyFingerprint}:${JSON.stringify(params)}`, () => read(probeRealServer), PROBE_MIN_INTERVAL_MS, { reuseFailures: true })
        : await read(action === "prepare" ? prepareRealServer : undoRealServer);
      results.push({ ...row, report: got.report, at: got.at, error: null });
    } catch (e) {
      results.push({ ...row, report: null, error: sshMessage(e) });
    }
  }));
  results.sort((a, b) => a.host.localeCompare(b.host));
  if (action !== "probe") {
    await prisma.$transaction(async (tx) => {
      await audit(tx, { actor, action: `real-server.${action}`, target: `cluster:${cluster.name}`, after: results.map((r) => ({ host: r.host, ready: r.report?.ready ?? null, events: r.report?.events ?? [], error: r.error })) });
    });
  }
  // only what was read now (re-saving a reused probe would make it look new)
  await saveProbes(prisma, results.filter((r) => r.fresh));
  // `at`: when the answer was read (a reused probe keeps its own time)
  return results.map(({ fresh: _fresh, ...r }) => r);
}

/** A real server's probe at most this often per host, whoever asks (live views, health page, API, Probe button). */
export const PROBE_MIN_INTERVAL_MS = 15_000;

/** Whether a stored probe answers for a probe now: young enough, and of the same VIPs. */
function probeStillFresh(p: StoredProbe, vips: readonly string[], now = Date.now()): boolean {
  if (now - Date.parse(p.at) >= PROBE_MIN_INTERVAL_MS) return false;
  if (!p.report) return true;
  const had = new Set(p.report.verdicts.map((v) => v.vip));
  return vips.length === had.size && vips.every((v) => had.has(v));
}

export interface StoredProbe { at: string; report: RealServerReport | null; error: string | null }

/** Stores each host's last probe (RealServerProbe), so every panel instance and page shows the same. */
async function saveProbes(prisma: PrismaClient, results: Array<{ hostId: string; report: RealServerReport | null; error: string | null }>) {
  const at = new Date();
  await Promise.all(results.map((r) => {
    const data = { probedAt: at, ready: r.report ? r.report.ready : null, error: r.error, report: (r.report ?? undefined) as never };
    return prisma.realServerProbe.upsert({ where: { hostId: r.hostId }, create: { hostId: r.hostId, ...data }, update: { ...data, report: (r.report ?? null) as never } }).catch(() => undefined);
  }));
}

/** The last probe of each host (from the database). */
export async function lastProbes(prisma: PrismaClient, hostIds: string[]): Promise<Map<string, StoredProbe>> {
  if (!hostIds.length) return new Map();
  const rows = await prisma.realServerProbe.findMany({ where: { hostId: { in: hostIds } } });
  return new Map(rows.map((r) => [r.hostId, { at: r.probedAt.toISOString(), report: (r.report ?? null) as RealServerReport | null, error: r.error }]));
}
