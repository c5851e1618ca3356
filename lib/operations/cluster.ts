import "server-only";
import crypto from "node:crypto";
import type { PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import {
  applyDirector, bindVip, DIRECTOR_VIP_UNIT_NAME, DirectorBusy, LeaseLost, outcomeOf, persistDirector, probeDirector, readDirector,
  readDirectorAddresses, readTable, stepRows, vipAddArgv, withDirectorLock, type DirectorLease, type DirectorProbe,
} from "@/lib/director";
import { UserError } from "@/lib/errors";
import { prepareRealServer, probeRealServer, undoRealServer, type RealServerReport } from "@/lib/realserver";
import { renderTable, sorryForward, type Table } from "@/lib/ipvs";
import { isSshError, shJoin, SshError, type SshErrorCode } from "@/lib/ssh";
import { coalescer } from "@/lib/operations/coalesce";
import { desiredCore, desiredOf, lastOwned } from "@/lib/desired/desired";
import { serviceRowsOf } from "@/lib/data/cluster-document";
import type { ClusterDocument } from "@/lib/declarative";
import { serviceLabel } from "@/lib/data/virtual-services";
import { recordVersion } from "@/lib/data/cluster-versions";
import { loadDesiredWithHealth, type DesiredWithHealth } from "@/lib/health/overlay";
import { directorOf } from "@/lib/data/hosts";
import { activeConnsCut, describeDest, kernelDests, liveDrTraffic, type KernelDest } from "@/lib/operations/traffic";
import { keysFor, pool, targetFor, targetWithKeys } from "@/lib/operations/targets";

// Plan, apply, prepare/undo and probes for one cluster: the console's only way to touch machines.

function sshMessage(e: unknown): string {
  if (isSshError(e)) return `${e.code}: ${e.message}. ${e.hint}`;
  return e instanceof Error ? e.message : String(e);
}

/** The interface that faces a VIP on the director: one holding an address of its subnet, else the default route's. */
export function vipIface(p: Pick<DirectorProbe, "defaultRoute"> | null): string {
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

/**
 * Per host, the exact commands Apply would run now (a dry run against the live table). With
 * `document`: the commands once that document is stored (the health checker's state is not laid over
 * a document that is not stored yet).
 */
export async function planCluster(prisma: PrismaClient, clusterId: string, opts: { document?: ClusterDocument } = {}): Promise<PlanHost[]> {
  const desired: DesiredWithHealth = opts.document
    ? { ...desiredOf(serviceRowsOf(opts.document), await lastOwned(prisma, clusterId)), health: [] }
    : await loadDesiredWithHealth(prisma, clusterId);
  const director = await directorOf(prisma, clusterId);
  const out: PlanHost[] = [];
  if (!director) return [{ host: "(no director)", hostId: null, role: "director", steps: [], note: null, error: "This cluster has no director: add one on the Hosts page." }];
  // simultaneous plans of the same desired state on the same director share ONE read of it
  const state = JSON.stringify([desired.table, desired.remove, desired.vips, desired.health]);
  const key = `plan:${director.id}:${director.hostKeyFingerprint}:${crypto.createHash("sha256").update(state).digest("base64url")}`;
  const dh = structuredClone(await coalescer().run(key, () => planDirectorHost(prisma, director, desired)));
  out.push(dh);
  const rs = await realServerHosts(prisma, clusterId);
  for (const r of rs) {
    // only what is current: a host no virtual service uses any more is "not in use", not a real server of the cluster's VIPs
    out.push({ host: r.host.name, hostId: r.host.id, role: "real_server", steps: [], error: null, inUse: r.ownVips.length > 0,
      note: r.ownVips.length ? `Real server for ${r.ownVips.join(", ")} (${r.mode}). Apply does not change real servers: use "Prepare for DR" on the cluster page.`
        : "Not in use: no virtual service sends it traffic. Apply does not change real servers; undo its DR preparation on the cluster page if it is done with." });
  }
  return out;
}

async function planDirectorHost(prisma: PrismaClient, director: NonNullable<Awaited<ReturnType<typeof directorOf>>>, desired: DesiredWithHealth): Promise<PlanHost> {
  const dh: PlanHost = { host: director.name, hostId: director.id, role: "director", steps: [], note: null, error: null };
  try {
    const t = await targetFor(prisma, director);
    // two independent reads of the director side by side on its one connection: where the VIPs are
    // (not the full probe: a dozen processes) and the dry run against the live table
    const [probe, dry] = await Promise.all([
      readDirectorAddresses(pool(), t),
      applyDirector(pool(), t, desiredCore, { table: desired.table, remove: desired.remove }, { dryRun: true }),
    ]);
    const iface = vipIface(probe);
    for (const vip of desired.vips) {
      const held = probe.addresses.some((a) => a.local === vip);
      if (!held) dh.steps.push({ command: shJoin(vipAddArgv({ vip, iface })), disruptive: false, why: "bind the VIP on the director" });
    }
    // a step that cuts connections says how many it cuts now (read only when there is one)
    const kernel = dry.steps.some((s) => s.disruptive) ? await readKernel(prisma, director.clusterId) : null;
    for (const s of dry.steps) {
      const cut = s.disruptive ? { activeConns: kernel?.dests ? activeConnsCut(kernel.dests, s.command) : null } : {};
      dh.steps.push({ command: s.command, disruptive: s.disruptive, ...cut });
    }
    if (!dh.steps.length) dh.note = "The director already matches the desired state.";
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

/** What an operator's ApplyRun stores as `desired`: the state as lines for people, the owned keys, what to delete, the VIPs. */
function runDesired(d: DesiredWithHealth, director: string) {
  return { lines: renderTable(d.table), owned: d.owned, remove: d.remove, vips: d.vips, director, health: d.health };
}

/** Starts an apply: the run is recorded (outcome running) before anything is sent; progress lands in ApplyStep. */
export async function startApply(prisma: PrismaClient, user: { id: string; email: string }, clusterId: string, opts: { waitMs?: number } = {}): Promise<string> {
  const waitMs = opts.waitMs ?? APPLY_WAIT_MS;
  const cluster = await prisma.cluster.findUnique({ where: { id: clusterId } });
  if (!cluster) throw new UserError("This cluster no longer exists.");
  const director = await requireDirector(prisma, clusterId);
  const desired = await loadDesiredWithHealth(prisma, clusterId);
  const runId = await prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Cluster" WHERE id = ${clusterId} FOR UPDATE`;
    const busy = await tx.applyRun.findFirst({ where: { clusterId, outcome: "running", startedAt: { gt: new Date(Date.now() - 10 * 60_000) } } });
    if (busy) throw new UserError(`An apply is already running (started by ${busy.actor}). Wait for it to finish.`);
    // the version this run pushes (rows changed outside the versioned writes become an "untracked" one)
    const clusterVersion = await recordVersion(tx, clusterId, user.email, "untracked");
    const run = await tx.applyRun.create({
      data: { clusterId, userId: user.id, actor: user.email, outcome: "running", desired: runDesired(desired, director.name), clusterVersion },
    });
    await audit(tx, { actor: user.email, action: "cluster.apply", target: `cluster:${cluster.name}`, after: { run: run.id, owned: desired.owned, remove: desired.remove } });
    return run.id;
  });
  // The same per-director lease as the health checker's applies (lib/director/lease.ts), so the two
  // never interleave on one director; no transaction or connection is held while it is (each record
  // below is its own short, fenced transaction). The desired state (with health's overlay) is read
  // again under the lease, so a health transition that landed while this apply waited is kept too.
  void withDirectorLock(prisma, director.id, async (lease) => {
    const fresh = await loadDesiredWithHealth(prisma, clusterId);
    if (JSON.stringify([fresh.table, fresh.remove]) !== JSON.stringify([desired.table, desired.remove])) {
      await lease.write((tx) => tx.applyRun.update({ where: { id: runId }, data: { desired: runDesired(fresh, director.name) } }));
    }
    try {
      await runApply(prisma, lease, runId, director, fresh);
    } catch (e) {
      const error = applyMessage(e, director.name);
      console.error(`apply ${runId} to ${director.name} failed: ${error}`, e instanceof LeaseLost || isSshError(e) ? "" : e);
      // a lost lease records no outcome of the run, only that it stopped (so it does not stay "running")
      const fail = { outcome: "failed" as const, error, finishedAt: new Date() };
      if (e instanceof LeaseLost) await prisma.applyRun.update({ where: { id: runId }, data: fail });
      else await lease.write((tx) => tx.applyRun.update({ where: { id: runId }, data: fail })).catch(() => prisma.applyRun.update({ where: { id: runId }, data: fail }));
    }
  }, { waitMs, owner: `console:${user.email}` }).catch(async (e) => {
    const error = e instanceof DirectorBusy
      ? `Another apply to this director (the health checker's or another panel's) held it for over ${Math.round(waitMs / 1000)} s; nothing was run. Apply again.`
      : applyMessage(e, director.name);
    console.error(`apply ${runId} to ${director.name} failed: ${error}`, e instanceof DirectorBusy ? "" : e);
    await prisma.applyRun.update({ where: { id: runId }, data: { outcome: "failed", error, finishedAt: new Date() } }).catch(() => {});
  });
  return runId;
}

/** How long a console apply waits for another holder of the director's lease. */
const APPLY_WAIT_MS = 60_000;
/** How long the one exec that runs the planned steps may take. */
const APPLY_EXEC_MS = 120_000;

/** An apply's failure in words for the run's page: SSH's vocabulary, never a raw database message. */
export function applyMessage(e: unknown, directorName: string): string {
  if (isSshError(e, "timeout")) return `The director ${directorName} did not answer in time: ${e.message}. ${e.hint}`;
  if (isSshError(e)) return sshMessage(e);
  if (e instanceof LeaseLost || e instanceof DirectorBusy || e instanceof UserError) return e.message;
  const name = e instanceof Error ? e.name + " " + (e.constructor?.name ?? "") : "";
  if (/Prisma|DriverAdapter/.test(name) || /prisma\.|Transaction API error/.test(e instanceof Error ? e.message : "")) {
    return "The panel could not record the apply in its database (see the server log); the director may have been changed: open the plan to see.";
  }
  return e instanceof Error ? e.message : String(e);
}

async function runApply(prisma: PrismaClient, lease: DirectorLease, runId: string, director: NonNullable<Awaited<ReturnType<typeof directorOf>>>, desired: DesiredWithHealth) {
  const t = await targetFor(prisma, director);
  let pos = 0;
  const step = async (command: string, disruptive: boolean, fn: () => Promise<{ ok: boolean; output: string; exitCode: number | null }>) => {
    lease.assertHeld();
    const s = await lease.write((tx) => tx.applyStep.create({
      data: { runId, hostId: director.id, hostName: director.name, position: pos++, command, disruptive, status: "running", startedAt: new Date() },
    }));
    const t0 = performance.now();
    try {
      const r = await fn();
      const done = { exitCode: r.exitCode, stdout: r.output, durationMs: Math.round(performance.now() - t0), finishedAt: new Date() };
      await lease.write((tx) => tx.applyStep.update({ where: { id: s.id }, data: { status: r.ok ? "succeeded" : "failed", ...done } }));
      return r.ok;
    } catch (e) {
      const failed = { status: "failed" as const, stderr: applyMessage(e, director.name), durationMs: Math.round(performance.now() - t0), finishedAt: new Date() };
      await lease.write((tx) => tx.applyStep.update({ where: { id: s.id }, data: failed })).catch(() => undefined);
      throw e;
    }
  };
  let probe: DirectorProbe | null = null;
  await step("probe the director (ipvsadm, IPVS, addresses, routes)", false, async () => {
    probe = await probeDirector(pool(), t);
    const ok = probe.ipvs.available;
    const route = `default route ${probe.defaultRoute?.gateway ?? "none"} via ${probe.defaultRoute?.dev ?? "?"}`;
    const output = ok ? `ipvsadm ${probe.ipvsadm.version ?? "?"}, IPVS available, ${route}` : `IPVS not available: ${probe.ipvs.error ?? probe.installHint ?? ""}`;
    return { ok, exitCode: ok ? 0 : 1, output };
  }).then(async (ok) => {
    if (!ok) throw new Error("the director cannot run IPVS");
  });
  const iface = vipIface(probe);
  for (const vip of desired.vips) {
    await step(shJoin(vipAddArgv({ vip, iface })), false, async () => {
      const r = await bindVip(pool(), t, { vip, iface });
      return { ok: true, exitCode: 0, output: r.changed ? "bound" : "already bound" };
    });
  }
  // ONE exec reads the table, plans once and runs the steps; the plan is recorded as pending steps as
  // soon as it is made (so a reload shows what is coming), while the steps run.
  lease.assertHeld();
  const base = pos;
  let pending: Promise<unknown> = Promise.resolve();
  const report = await applyDirector(pool(), t, desiredCore, { table: desired.table, remove: desired.remove }, {
    signal: lease.signal, timeoutMs: APPLY_EXEC_MS,
    onProgress: (e) => {
      if (e.kind !== "read" || !e.planned.length) return;
      const data = e.planned.map((s, i) => ({
        runId, hostId: director.id, hostName: director.name, position: base + i, command: s.text, disruptive: s.disruptive, status: "pending" as const,
      }));
      pending = lease.write((tx) => tx.applyStep.createMany({ data })).catch(() => undefined);
    },
  });
  await pending;
  await lease.write(async (tx) => {
    await tx.applyStep.deleteMany({ where: { runId, position: { gte: base } } });
    if (report.steps.length) await tx.applyStep.createMany({ data: stepRows(runId, director, report.steps, base) });
  });
  // What was applied survives a reboot, the distribution's way (Debian: ipvsadm -S -n into
  // /etc/ipvsadm.rules + AUTO="true"; the VIPs in a unit). A failure here is reported in its own
  // step and does not fail the apply: the kernel has the rules now.
  if (report.outcome === "succeeded") {
    pos = base + report.steps.length;
    await step(`persist for a reboot: ipvsadm -S -n > rules file; VIPs ${desired.vips.join(", ") || "(none)"} in ${DIRECTOR_VIP_UNIT_NAME}`, false, async () => {
      try {
        const r = await persistDirector(pool(), t, "auto", desired.vips.map((vip) => ({ vip, iface })));
        const unit = r.vipUnit === "written" ? `VIPs bound at boot by ${DIRECTOR_VIP_UNIT_NAME}` : r.vipUnit === "removed" ? `${DIRECTOR_VIP_UNIT_NAME} removed (no VIP)` : r.vipUnit === "no-systemd" ? "no systemd: VIPs not persisted" : "no VIP unit";
        return { ok: true, exitCode: 0, output: r.flavor === "none" ? (r.note ?? "nothing persisted") : `${r.flavor}: rules saved to ${r.file}; ${unit}` };
      } catch (e) {
        return { ok: false, exitCode: isSshError(e) ? (e.details.exitCode ?? null) : null, output: `not persisted (the rules are live, but a reboot loses them): ${applyMessage(e, director.name)}` };
      }
    });
  }
  await lease.write(async (tx) => {
    await tx.applyRun.update({ where: { id: runId }, data: outcomeOf(report, (e) => applyMessage(new SshError(e.code as SshErrorCode, e.message), director.name)) });
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
 * 8 s: a non-root SSH user reads through sudo and the helper (processes per ipvsadm call), which took
 * 2-5 s for the three reads on the lab's Debian director under TCG while the e2e suite ran (4 s was not enough).
 */
export async function readKernelWithin(prisma: PrismaClient, clusterId: string, ms = 8000): ReturnType<typeof readKernel> {
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
