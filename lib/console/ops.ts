import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { applyDirector, bindVip, DirectorBusy, probeDirector, withDirectorLock, type DirectorProbe } from "@/lib/director";
import { UserError } from "@/lib/errors";
import { prepareRealServer, probeRealServer, undoRealServer, type RsReport } from "@/lib/realserver";
import { isSshError, shJoin } from "@/lib/ssh";
import { consoleCore } from "./desired";
import { serviceLabel } from "./services";
import { loadDesiredWithHealth, type DesiredWithHealth } from "./overlay";
import { directorOf, readDirector } from "./live";
import { activeConnsCut, describeDest, kernelDests, liveDrTraffic, type KernelDest } from "./traffic";
import { keysFor, pool, targetFor, targetWithKeys } from "./targets";

// Plan, apply, prepare/undo and probes for one cluster: the console's only way to touch machines.

function sshMessage(e: unknown): string {
  if (isSshError(e)) return `${e.code}: ${e.message}. ${e.hint}`;
  return e instanceof Error ? e.message : String(e);
}

/** The interface that faces a VIP on the director: one holding an address of its subnet, else the default route's. */
export function vipIface(p: DirectorProbe | null): string {
  return p?.defaultRoute?.dev ?? "eth0";
}

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

/** Per host, the exact commands Apply would run now (a dry run against the live table). */
export async function planCluster(prisma: PrismaClient, clusterId: string): Promise<PlanHost[]> {
  const desired = await loadDesiredWithHealth(prisma, clusterId);
  const director = await directorOf(prisma, clusterId);
  const out: PlanHost[] = [];
  if (!director) return [{ host: "(no director)", hostId: null, role: "director", steps: [], note: null, error: "This cluster has no director: add one on the Hosts page." }];
  const dh: PlanHost = { host: director.name, hostId: director.id, role: "director", steps: [], note: null, error: null };
  out.push(dh);
  try {
    const t = await targetFor(prisma, director);
    const probe = await probeDirector(pool(), t);
    const iface = vipIface(probe);
    for (const vip of desired.vips) {
      const held = probe.addresses.some((a) => a.local === vip);
      if (!held) dh.steps.push({ command: shJoin(["ip", "addr", "add", `${vip}/${vip.includes(":") ? 128 : 32}`, "dev", iface]), disruptive: false, why: "bind the VIP on the director" });
    }
    const dry = await applyDirector(pool(), t, consoleCore, { table: desired.table, remove: desired.remove }, { dryRun: true });
    const kernel = dry.steps.some((s) => s.disruptive) ? await readKernel(prisma, clusterId) : null;
    for (const s of dry.steps) dh.steps.push({ command: s.command, disruptive: s.disruptive, ...(s.disruptive ? { activeConns: kernel?.dests ? activeConnsCut(kernel.dests, s.command) : null } : {}) });
    if (!dh.steps.length) dh.note = "The director already matches the desired state.";
    if (desired.health.length) dh.note = `${dh.note ? dh.note + " " : ""}Health checker's state kept: ${desired.health.join("; ")}.`;
  } catch (e) {
    dh.error = sshMessage(e);
  }
  const rs = await rsHosts(prisma, clusterId);
  for (const r of rs) {
    // only what is current: a host no virtual service uses any more is "not in use", not a real server of the cluster's VIPs
    out.push({ host: r.host.name, hostId: r.host.id, role: "real_server", steps: [], error: null, inUse: r.ownVips.length > 0,
      note: r.ownVips.length ? `Real server for ${r.ownVips.join(", ")} (${r.mode}). Apply does not change real servers: use "Prepare for DR" on the cluster page.`
        : "Not in use: no virtual service sends it traffic. Apply does not change real servers; undo its DR preparation on the cluster page if it is done with." });
  }
  return out;
}

/** Real-server hosts with the VIPs they serve (from the desired state). */
export async function rsHosts(prisma: PrismaClient, clusterId: string) {
  const hosts = await prisma.host.findMany({ where: { clusterId, role: "real_server" }, orderBy: { name: "asc" }, include: { realServers: { include: { virtualService: true } } } });
  const services = await prisma.virtualService.findMany({ where: { clusterId } });
  const clusterVips = [...new Set(services.map((s) => s.address).filter((a): a is string => !!a && !a.includes(":")))];
  return hosts.map((h) => {
    // a host is a DR real server of a service through its RealServer rows, or as the service's sorry
    // server (rendered in DR when its port is the service port: it needs the VIP on lo like the others)
    const sorryOf = services.filter((s) => s.sorryAddress === h.address && s.address && !s.address.includes(":") && s.protocol !== "fwmark" && s.sorryPort === s.port)
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

/** Starts an apply: the run is recorded (outcome running) before anything is sent; progress lands in ApplyStep. */
export async function startApply(prisma: PrismaClient, user: { id: string; email: string }, clusterId: string): Promise<string> {
  const cluster = await prisma.cluster.findUnique({ where: { id: clusterId } });
  if (!cluster) throw new UserError("This cluster no longer exists.");
  const director = await requireDirector(prisma, clusterId);
  const desired = await loadDesiredWithHealth(prisma, clusterId);
  const runId = await prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Cluster" WHERE id = ${clusterId} FOR UPDATE`;
    const busy = await tx.applyRun.findFirst({ where: { clusterId, outcome: "running", startedAt: { gt: new Date(Date.now() - 10 * 60_000) } } });
    if (busy) throw new UserError(`An apply is already running (started by ${busy.actor}). Wait for it to finish.`);
    const run = await tx.applyRun.create({ data: { clusterId, userId: user.id, actor: user.email, outcome: "running", plan: { lines: desired.lines, managed: desired.managed, remove: desired.remove, vips: desired.vips, director: director.name, health: desired.health } } });
    await audit(tx, { actor: user.email, action: "cluster.apply", target: `cluster:${cluster.name}`, after: { run: run.id, managed: desired.managed, remove: desired.remove } });
    return run.id;
  });
  // The same per-director lock as the health checker's applies (lib/director withDirectorLock), so the
  // two never interleave on one director; the desired state (with health's overlay) is read again under
  // the lock, so a health transition that landed while this apply waited is kept too.
  void withDirectorLock(prisma, director.id, async (tx) => {
    const fresh = await loadDesiredWithHealth(prisma, clusterId);
    // PostgreSQL: progress through the shared client, visible at once; the embedded PGlite serves one
    // connection, which the lock's transaction holds, so the writes go through that transaction there.
    const w = process.env.DATABASE_URL ? prisma : (tx as unknown as PrismaClient);
    if (fresh.lines !== desired.lines) await w.applyRun.update({ where: { id: runId }, data: { plan: { lines: fresh.lines, managed: fresh.managed, remove: fresh.remove, vips: fresh.vips, director: director.name, health: fresh.health } } });
    try {
      await runApply(w, runId, director, fresh);
      return null;
    } catch (e) {
      // recorded, then thrown outside the transaction (throwing inside would roll back what was recorded)
      await w.applyRun.update({ where: { id: runId }, data: { outcome: "failed", error: sshMessage(e), finishedAt: new Date() } });
      return null;
    }
  }, { waitMs: 60_000, maxRunMs: 10 * 60_000 }).catch(async (e) => {
    const error = e instanceof DirectorBusy ? "Another apply to this director (the health checker's or another panel's) held it for over 60 s; nothing was run. Apply again." : sshMessage(e);
    await prisma.applyRun.update({ where: { id: runId }, data: { outcome: "failed", error, finishedAt: new Date() } }).catch(() => {});
  });
  return runId;
}

async function runApply(prisma: PrismaClient, runId: string, director: NonNullable<Awaited<ReturnType<typeof directorOf>>>, desired: DesiredWithHealth) {
  const t = await targetFor(prisma, director);
  let pos = 0;
  const step = async (command: string, disruptive: boolean, fn: () => Promise<{ ok: boolean; output: string; exitCode: number | null }>) => {
    const s = await prisma.applyStep.create({ data: { runId, hostId: director.id, hostName: director.name, position: pos++, command, disruptive, status: "running", startedAt: new Date() } });
    const t0 = performance.now();
    try {
      const r = await fn();
      await prisma.applyStep.update({ where: { id: s.id }, data: { status: r.ok ? "succeeded" : "failed", exitCode: r.exitCode, stdout: r.output, durationMs: Math.round(performance.now() - t0), finishedAt: new Date() } });
      return r.ok;
    } catch (e) {
      await prisma.applyStep.update({ where: { id: s.id }, data: { status: "failed", stderr: sshMessage(e), durationMs: Math.round(performance.now() - t0), finishedAt: new Date() } });
      throw e;
    }
  };
  let probe: DirectorProbe | null = null;
  await step("probe the director (ipvsadm, IPVS, addresses, routes)", false, async () => {
    probe = await probeDirector(pool(), t);
    return { ok: probe.ipvs.available, exitCode: probe.ipvs.available ? 0 : 1, output: probe.ipvs.available ? `ipvsadm ${probe.ipvsadm.version ?? "?"}, IPVS available, default route ${probe.defaultRoute?.gateway ?? "none"} via ${probe.defaultRoute?.dev ?? "?"}` : `IPVS not available: ${probe.ipvs.error ?? probe.installHint ?? ""}` };
  }).then(async (ok) => {
    if (!ok) throw new Error("the director cannot run IPVS");
  });
  const iface = vipIface(probe);
  for (const vip of desired.vips) {
    await step(shJoin(["ip", "addr", "add", `${vip}/${vip.includes(":") ? 128 : 32}`, "dev", iface]), false, async () => {
      const r = await bindVip(pool(), t, { vip, iface });
      return { ok: true, exitCode: 0, output: r.changed ? "bound" : "already bound" };
    });
  }
  // Planned steps first as pending (so a reload shows what is coming), then ONE exec replans and runs them.
  const dry = await applyDirector(pool(), t, consoleCore, { table: desired.table, remove: desired.remove }, { dryRun: true });
  const base = pos;
  if (dry.steps.length) await prisma.applyStep.createMany({ data: dry.steps.map((s, i) => ({ runId, hostId: director.id, hostName: director.name, position: base + i, command: s.command, disruptive: s.disruptive, status: "pending" as const })) });
  const report = await applyDirector(pool(), t, consoleCore, { table: desired.table, remove: desired.remove });
  await prisma.applyStep.deleteMany({ where: { runId, position: { gte: base } } });
  if (report.steps.length) await prisma.applyStep.createMany({ data: report.steps.map((s) => ({ runId, hostId: director.id, hostName: director.name, position: base + s.position, command: s.command, disruptive: s.disruptive, status: s.status, exitCode: s.exitCode, stdout: s.output, finishedAt: new Date() })) });
  await prisma.applyRun.update({ where: { id: runId }, data: {
    outcome: report.outcome,
    error: report.error ? `${report.error.code}: ${report.error.message}` : report.failedStep ? `step ${report.failedStep.position} failed: ${report.failedStep.output.trim()}` : report.differences.length ? report.differences.join("; ") : null,
    verification: { differences: report.differences, after: report.after?.save ?? null },
    finishedAt: new Date(),
  } });
}

export type RsAction = "prepare" | "undo" | "probe";

/** The director's kernel table now (`ipvsadm -Ln`), or why it could not be read. */
export async function readKernel(prisma: PrismaClient, clusterId: string): Promise<{ dests: KernelDest[]; error: null } | { dests: null; error: string }> {
  const director = await directorOf(prisma, clusterId);
  if (!director) return { dests: null, error: "this cluster has no director" };
  if (!director.hostKeyFingerprint) return { dests: null, error: `${director.name}'s host key is not trusted yet` };
  try {
    return { dests: kernelDests((await readDirector(await targetFor(prisma, director), { stats: false, rate: false })).list), error: null };
  } catch (e) {
    return { dests: null, error: `${director.name} could not be read: ${sshMessage(e)}` };
  }
}

/** readKernel for a page that must not hang on a slow director: after `ms`, the table counts as unread. */
export async function readKernelWithin(prisma: PrismaClient, clusterId: string, ms = 4000): ReturnType<typeof readKernel> {
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

async function liveHosts(prisma: PrismaClient, clusterId: string, targets: Awaited<ReturnType<typeof rsHosts>>): Promise<{ live: LiveHost[]; kernelError: string | null }> {
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
export async function realServerOp(prisma: PrismaClient, actor: string, clusterId: string, action: RsAction, hostId?: string, opts: { confirmDropTraffic?: readonly string[] } = {}) {
  const cluster = await prisma.cluster.findUnique({ where: { id: clusterId } });
  if (!cluster) throw new UserError("This cluster no longer exists.");
  const director = await directorOf(prisma, clusterId);
  const all = await rsHosts(prisma, clusterId);
  const targets = hostId ? all.filter((r) => r.host.id === hostId) : all;
  if (!targets.length) throw new UserError(hostId ? "This host is not a real server of this cluster." : "This cluster has no real-server hosts.");
  if (action === "undo") {
    const { live, kernelError } = await liveHosts(prisma, clusterId, targets.filter((r) => r.host.hostKeyFingerprint));
    const unconfirmed = live.filter((h) => !opts.confirmDropTraffic?.includes(h.host));
    if (unconfirmed.length) throw new LiveTrafficError(unconfirmed, kernelError);
  }
  const keys = await keysFor(prisma, targets.map((r) => r.host));
  const results: Array<{ host: string; hostId: string; report: RsReport | null; error: string | null }> = [];
  await Promise.all(targets.map(async (r) => {
    if (!r.vips.length || (action === "prepare" && !r.ownVips.length)) return void results.push({ host: r.host.name, hostId: r.host.id, report: null, error: "serves no DR/TUN virtual service yet" });
    if (!r.host.hostKeyFingerprint) return void results.push({ host: r.host.name, hostId: r.host.id, report: null, error: "host key not trusted yet" });
    try {
      const t = targetWithKeys(r.host, keys);
      const params = { vips: r.vips, mode: r.mode, port: r.port, protocol: r.protocol, ...(director && /^\d+\.\d+\.\d+\.\d+$/.test(director.address) ? { director: director.address } : {}) };
      const fn = action === "prepare" ? prepareRealServer : action === "undo" ? undoRealServer : probeRealServer;
      results.push({ host: r.host.name, hostId: r.host.id, report: await fn(pool(), t, params), error: null });
    } catch (e) {
      results.push({ host: r.host.name, hostId: r.host.id, report: null, error: sshMessage(e) });
    }
  }));
  results.sort((a, b) => a.host.localeCompare(b.host));
  if (action !== "probe") {
    await prisma.$transaction(async (tx) => {
      await audit(tx, { actor, action: `real-server.${action}`, target: `cluster:${cluster.name}`, after: results.map((r) => ({ host: r.host, ready: r.report?.ready ?? null, events: r.report?.events ?? [], error: r.error })) });
    });
  }
  await saveProbes(prisma, results);
  return results;
}

export interface StoredProbe { at: string; report: RsReport | null; error: string | null }

/** Stores each host's last probe (RealServerProbe), so every panel instance and page shows the same. */
async function saveProbes(prisma: PrismaClient, results: Array<{ hostId: string; report: RsReport | null; error: string | null }>) {
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
  return new Map(rows.map((r) => [r.hostId, { at: r.probedAt.toISOString(), report: (r.report ?? null) as RsReport | null, error: r.error }]));
}
