import type { Host, PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import {
  applyDirector, bindVip, DIRECTOR_VIP_UNIT_NAME, DirectorBusy, LeaseLost, outcomeOf, persistDirector, probeDirector, stepRows, vipAddArgv,
  withDirectorLock, type ApplyReport, type DirectorLease, type DirectorProbe,
} from "@/lib/director";
import { pushHaConfig, readHa, setBehind, stopHa } from "@/lib/director/ha";
import { UserError } from "@/lib/errors";
import { renderTable } from "@/lib/ipvs";
import { isSshError, shJoin, SshError, type SshErrorCode, type SshTarget } from "@/lib/ssh";
import { desiredCore } from "@/lib/desired/desired";
import { recordVersion } from "@/lib/data/cluster-versions";
import { directorsOf, haDirector, haSettingsOf, markBehind, saveDirectorState } from "@/lib/data/ha";
import { loadDesiredWithHealth, type DesiredWithHealth } from "@/lib/health/overlay";
import { renderVrrpConfig } from "@/lib/keepalived/vrrp";
import type { DirectorHaReading, HaSettings } from "@/lib/ha/model";
import { pool, targetFor } from "@/lib/operations/targets";
import { applyMessage, vipIface } from "@/lib/operations/apply-message";

// Apply: the desired table pushed to EVERY director of the cluster, in parallel, each under its own
// lease with its own steps. With director HA on, keepalived (not the panel) binds the VIPs, and a
// director being converged is held out of MASTER (its track file) until its table verifies.

/** How long a console apply waits for another holder of a director's lease. */
const APPLY_WAIT_MS = 60_000;
/** How long the one exec that runs the planned steps may take. */
const APPLY_EXEC_MS = 120_000;
/** Each director's steps get their own range of positions in the run (ApplyStep is unique by run and position). */
const DIRECTOR_STEP_RANGE = 100_000;

type Director = Host;

export interface ApplyWho { id: string | null; email: string }

/** What an ApplyRun stores as `desired`: the state as lines for people, the owned keys, what to delete, the VIPs. */
function runDesired(d: DesiredWithHealth, directors: string[]) {
  return { lines: renderTable(d.table), owned: d.owned, remove: d.remove, vips: d.vips, director: directors.join(", "), directors, health: d.health };
}

/**
 * Starts an apply: the run is recorded (outcome running) before anything is sent; progress lands in
 * ApplyStep. `only`: apply to these directors alone (the worker converging a director that was behind).
 */
export async function startApply(prisma: PrismaClient, user: ApplyWho, clusterId: string, opts: { waitMs?: number; only?: string[] } = {}): Promise<string> {
  const waitMs = opts.waitMs ?? APPLY_WAIT_MS;
  const cluster = await prisma.cluster.findUnique({ where: { id: clusterId } });
  if (!cluster) throw new UserError("This cluster no longer exists.");
  const all = await directorsOf(prisma, clusterId);
  if (!all.length) throw new UserError("This cluster has no director: add one on the Hosts page.");
  const ha = haSettingsOf(cluster);
  // without HA, a cluster has ONE director (the first by name), as before: a second is only used once HA is on
  const directors = (ha.enabled ? all : all.slice(0, 1)).filter((d) => !opts.only || opts.only.includes(d.id));
  const untrusted = directors.find((d) => !d.hostKeyFingerprint);
  if (untrusted && !ha.enabled) throw new UserError(`Trust ${untrusted.name}'s host key first (Hosts page).`);
  const desired = await loadDesiredWithHealth(prisma, clusterId);
  const names = directors.map((d) => d.name);
  const runId = await prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Cluster" WHERE id = ${clusterId} FOR UPDATE`;
    const busy = await tx.applyRun.findFirst({ where: { clusterId, outcome: "running", startedAt: { gt: new Date(Date.now() - 10 * 60_000) } } });
    if (busy) throw new UserError(`An apply is already running (started by ${busy.actor}). Wait for it to finish.`);
    // the version this run pushes (rows changed outside the versioned writes become an "untracked" one)
    const clusterVersion = await recordVersion(tx, clusterId, user.email, "untracked");
    const run = await tx.applyRun.create({
      data: { clusterId, userId: user.id, actor: user.email, outcome: "running", desired: runDesired(desired, names), clusterVersion },
    });
    await audit(tx, { actor: user.email, action: "cluster.apply", target: `cluster:${cluster.name}`, after: { run: run.id, owned: desired.owned, remove: desired.remove, directors: names } });
    return run.id;
  });
  // HA turned off since the last HA apply: keepalived still runs on the directors and would keep moving
  // the VIPs (and a backup would hold one beside the panel's): this apply stops it everywhere first
  const haOff = !ha.enabled && (await prisma.directorState.count({ where: { hostId: { in: all.map((d) => d.id) } } })) > 0 ? all : [];
  const ctx: DirectorCtx = { prisma, runId, ha, peers: all, vips: desired.vips, clusterId, haOff };
  void Promise.all(directors.map((d, i) => applyOne(ctx, d, i * DIRECTOR_STEP_RANGE, waitMs, user.email)))
    .then(async (results) => {
      if (ha.enabled) await markBehind(prisma, results.filter((r) => r.outcome !== "succeeded").map((r) => r.hostId));
      await finishRun(prisma, runId, results);
    })
    .catch((e) => console.error(`apply ${runId}: recording its outcome failed`, e));
  return runId;
}

interface DirectorCtx { prisma: PrismaClient; runId: string; ha: HaSettings; peers: Director[]; vips: string[]; clusterId: string; haOff: Director[] }
interface DirectorResult { hostId: string; director: string; outcome: ApplyReport["outcome"]; error: string | null; report: ApplyReport | null }

/** One director's apply under its own lease; never throws (its failure is its result: "behind"). */
async function applyOne(ctx: DirectorCtx, d: Director, base: number, waitMs: number, who: string): Promise<DirectorResult> {
  const { prisma } = ctx;
  const fail = (error: string): DirectorResult => ({ hostId: d.id, director: d.name, outcome: "failed", error, report: null });
  if (!d.hostKeyFingerprint) {
    await prisma.applyStep.create({ data: { runId: ctx.runId, hostId: d.id, hostName: d.name, position: base, command: "connect", status: "failed",
      stderr: `${d.name}'s host key is not trusted yet (Hosts page): not applied, this director is behind`, finishedAt: new Date() } });
    return fail(`${d.name}: host key not trusted`);
  }
  try {
    return await withDirectorLock(prisma, d.id, async (lease) => {
      // read again under the lease, so a health transition that landed while this apply waited is kept too
      const fresh = await loadDesiredWithHealth(prisma, ctx.clusterId);
      try {
        const report = await runDirector(ctx, lease, d, base, fresh);
        return { hostId: d.id, director: d.name, outcome: report.outcome, error: outcomeOf(report, (e) => applyMessage(new SshError(e.code as SshErrorCode, e.message), d.name)).error, report };
      } catch (e) {
        const error = applyMessage(e, d.name);
        console.error(`apply ${ctx.runId} to ${d.name} failed: ${error}`, e instanceof LeaseLost || isSshError(e) ? "" : e);
        return fail(`${d.name}: ${error}`);
      }
    }, { waitMs, owner: `console:${who}` });
  } catch (e) {
    const error = e instanceof DirectorBusy
      ? `Another apply to this director (the health checker's or another panel's) held it for over ${Math.round(waitMs / 1000)} s; nothing was run. Apply again.`
      : applyMessage(e, d.name);
    return fail(error);
  }
}

/** The run's outcome from every director's: succeeded only when all verified; otherwise which are behind and why. */
async function finishRun(prisma: PrismaClient, runId: string, results: DirectorResult[]) {
  const bad = results.filter((r) => r.outcome !== "succeeded");
  const outcome = !bad.length ? "succeeded" : bad.every((r) => r.outcome === "verify_failed") ? "verify_failed" : "failed";
  const error = !bad.length ? null : results.length > 1
    ? `${bad.map((r) => r.director).join(", ")} ${bad.length > 1 ? "are" : "is"} behind (kept out of MASTER until converged): ${bad.map((r) => r.error).join("; ")}`
    : bad[0]!.error;
  const one = results.length === 1 ? results[0]!.report : null;
  const verification = one ? outcomeOf(one).verification
    : { directors: results.map((r) => ({ director: r.director, outcome: r.outcome, differences: r.report?.differences ?? [], after: r.report?.after?.save ?? null })) };
  await prisma.applyRun.update({ where: { id: runId }, data: { outcome, error, verification: verification as never, finishedAt: new Date() } });
}

/** The steps of one director: probe, (HA) keepalived + held out of MASTER, (no HA) VIPs, the table, persist. */
async function runDirector(ctx: DirectorCtx, lease: DirectorLease, d: Director, base: number, desired: DesiredWithHealth): Promise<ApplyReport> {
  const { prisma, runId, ha } = ctx;
  const t = await targetFor(prisma, d);
  let pos = base;
  const step = stepRecorder(lease, runId, d, () => pos++);
  let probe: DirectorProbe | null = null;
  // with HA, its VRRP state is read beside the probe (two reads on the one connection, one round trip of waiting)
  const haNow = ha.enabled ? readHa(pool(), t, ctx.vips, ha.iface) : null;
  haNow?.catch(() => undefined);
  const probed = await step("probe the director (ipvsadm, IPVS, addresses, routes)", false, async () => {
    probe = await probeDirector(pool(), t);
    const ok = probe.ipvs.available;
    const route = `default route ${probe.defaultRoute?.gateway ?? "none"} via ${probe.defaultRoute?.dev ?? "?"}`;
    const output = ok ? `ipvsadm ${probe.ipvsadm.version ?? "?"}, IPVS available, ${route}` : `IPVS not available: ${probe.ipvs.error ?? probe.installHint ?? ""}`;
    return { ok, exitCode: ok ? 0 : 1, output };
  });
  if (!probed) throw new Error("the director cannot run IPVS");
  const iface = ha.enabled ? ha.iface : vipIface(probe);
  if (haNow) await haSteps(ctx, step, t, d, await haNow);
  else {
    for (const other of ctx.haOff) {
      await step(`director HA is off: stop keepalived on ${other.name} and remove its VRRP configuration`, true, async () => {
        await stopHa(pool(), other.id === d.id ? t : await targetFor(prisma, other));
        await prisma.directorState.deleteMany({ where: { hostId: other.id } });
        return { ok: true, exitCode: 0, output: "keepalived stopped (its VIPs released)" };
      });
    }
    for (const vip of desired.vips) {
      await step(shJoin(vipAddArgv({ vip, iface })), false, async () => {
        const r = await bindVip(pool(), t, { vip, iface });
        return { ok: true, exitCode: 0, output: r.changed ? "bound" : "already bound" };
      });
    }
  }
  // ONE exec reads the table, plans once and runs the steps; the plan is recorded as pending steps as
  // soon as it is made (so a reload shows what is coming), while the steps run.
  lease.assertHeld();
  const tableBase = pos;
  let pending: Promise<unknown> = Promise.resolve();
  const report = await applyDirector(pool(), t, desiredCore, { table: desired.table, remove: desired.remove }, {
    signal: lease.signal, timeoutMs: APPLY_EXEC_MS,
    onProgress: (e) => {
      if (e.kind !== "read" || !e.planned.length) return;
      const data = e.planned.map((s, i) => ({
        runId, hostId: d.id, hostName: d.name, position: tableBase + i, command: s.text, disruptive: s.disruptive, status: "pending" as const,
      }));
      pending = lease.write((tx) => tx.applyStep.createMany({ data })).catch(() => undefined);
    },
  });
  await pending;
  await lease.write(async (tx) => {
    await tx.applyStep.deleteMany({ where: { runId, hostId: d.id, position: { gte: tableBase, lt: base + DIRECTOR_STEP_RANGE } } });
    if (report.steps.length) await tx.applyStep.createMany({ data: stepRows(runId, d, report.steps, tableBase) });
  });
  pos = tableBase + report.steps.length;
  if (report.outcome !== "succeeded") return report;
  // What was applied survives a reboot, the distribution's way (Debian: ipvsadm -S -n into
  // /etc/ipvsadm.rules + AUTO="true"; without HA the VIPs in a unit, with HA keepalived binds them).
  // A failure here is reported in its own step and does not fail the apply: the kernel has the rules.
  const bootVips = ha.enabled ? [] : desired.vips;
  const vipNote = ha.enabled ? "VIPs by keepalived" : `VIPs ${desired.vips.join(", ") || "(none)"} in ${DIRECTOR_VIP_UNIT_NAME}`;
  await step(`persist for a reboot: ipvsadm -S -n > rules file; ${vipNote}`, false, async () => {
    try {
      const r = await persistDirector(pool(), t, "auto", bootVips.map((vip) => ({ vip, iface })));
      const unit = r.vipUnit === "written" ? `VIPs bound at boot by ${DIRECTOR_VIP_UNIT_NAME}` : r.vipUnit === "removed" ? `${DIRECTOR_VIP_UNIT_NAME} removed (no VIP)`
        : r.vipUnit === "no-systemd" ? "no systemd: VIPs not persisted" : "no VIP unit";
      return { ok: true, exitCode: 0, output: r.flavor === "none" ? (r.note ?? "nothing persisted") : `${r.flavor}: rules saved to ${r.file}; ${unit}` };
    } catch (e) {
      return { ok: false, exitCode: isSshError(e) ? (e.details.exitCode ?? null) : null,
        output: `not persisted (the rules are live, but a reboot loses them): ${applyMessage(e, d.name)}` };
    }
  });
  if (ha.enabled) {
    await step("converged: allowed to be MASTER again (track file 0)", false, async () => {
      await setBehind(pool(), t, false);
      return { ok: true, exitCode: 0, output: "verified: keepalived may make it MASTER" };
    });
    // verified: no longer behind (the HA poll reads its state; no SSH read here)
    await prisma.directorState.updateMany({ where: { hostId: d.id }, data: { behind: false } });
  }
  return report;
}

type StepFn = (command: string, disruptive: boolean, fn: () => Promise<{ ok: boolean; output: string; exitCode: number | null }>) => Promise<boolean>;

/** Records one step of a director (running, then its result), fenced by the director's lease. */
function stepRecorder(lease: DirectorLease, runId: string, d: Director, next: () => number): StepFn {
  return async (command, disruptive, fn) => {
    lease.assertHeld();
    const s = await lease.write((tx) => tx.applyStep.create({
      data: { runId, hostId: d.id, hostName: d.name, position: next(), command, disruptive, status: "running", startedAt: new Date() },
    }));
    const t0 = performance.now();
    try {
      const r = await fn();
      const done = { exitCode: r.exitCode, stdout: r.output, durationMs: Math.round(performance.now() - t0), finishedAt: new Date() };
      await lease.write((tx) => tx.applyStep.update({ where: { id: s.id }, data: { status: r.ok ? "succeeded" : "failed", ...done } }));
      return r.ok;
    } catch (e) {
      const failed = { status: "failed" as const, stderr: applyMessage(e, d.name), durationMs: Math.round(performance.now() - t0), finishedAt: new Date() };
      await lease.write((tx) => tx.applyStep.update({ where: { id: s.id }, data: failed })).catch(() => undefined);
      throw e;
    }
  };
}

/**
 * HA steps before the table: a director that is not MASTER now is held out of MASTER (track file 1)
 * while it converges: a failover must never land on rules the apply has not verified. The current
 * MASTER is not held (that would drop the VIPs: an outage for a table that is about to be right).
 * Then keepalived's VRRP configuration (checked with keepalived -t before it replaces the old one).
 */
async function haSteps(ctx: DirectorCtx, step: StepFn, t: SshTarget, d: Director, now: DirectorHaReading) {
  const peers = ctx.peers.filter((p) => p.id !== d.id).map(haDirector);
  const text = renderVrrpConfig({ settings: ctx.ha, self: haDirector(d), peers, vips: ctx.vips });
  if (now.vrrpState !== "MASTER") {
    await step("hold out of MASTER while converging (track file 1)", false, async () => {
      await setBehind(pool(), t, true);
      await saveDirectorState(ctx.prisma, d.id, { ...now, behind: true }, null);
      return { ok: true, exitCode: 0, output: `was ${now.keepalived === "running" ? now.vrrpState ?? "?" : "keepalived not running"}` };
    });
  }
  const ok = await step("keepalived VRRP configuration (keepalived -t, then reload)", false, async () => {
    const r = await pushHaConfig(pool(), t, text);
    return { ok: true, exitCode: 0, output: r.changed ? r.output || "written and reloaded" : "unchanged" };
  });
  if (!ok) throw new Error("keepalived's configuration could not be written");
}
