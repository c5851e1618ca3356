// One cluster's health checker and poller. Each round: ONE exec on the director runs every due
// director-side check in parallel and reads the kernel table (and, when due, its counters); checks
// chosen to run from the panel host run here at the same time. Results feed rise/fall; a status
// change is written once (fenced: only the worker holding the cluster's leadership may write) with
// its event and webhooks; then, if the kernel's table is not what health wants, one apply on the
// director (read → plan → run → verify in one exec) recorded as an ApplyRun by "health-checker".
import type { Prisma, PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { applyDirector, outcomeOf, stepRows, withDirectorLock, type ApplyReport } from "@/lib/director";
import { targetFromHost } from "@/lib/host-target";
import { attachCounters } from "@/lib/ipvs/merge";
import { serviceKey, destKey } from "@/lib/ipvs/model";
import { parseList, type Counters } from "@/lib/ipvs/parse-list";
import { parseSave } from "@/lib/ipvs/parse-save";
import { enqueueWebhook, type WebhookPayload } from "@/lib/notify";
import { isSshError, type SshPool, type SshTarget } from "@/lib/ssh";
import { effectiveCheck, type CheckResult, type CheckSpec } from "./config";
import { checkLocal } from "./local";
import { classifyRound, unfinishedRound, type ServiceFault } from "./fault";
import { acceptedRealServer, acceptedSorryServer, healthCore } from "./reconcile";
import { healthSteps, sorryWanted, type HealthDesired, type HealthService } from "@/lib/ipvs/health-plan";
import { checkScript, nonce, parseRound } from "./script";
import { HEALTH_ACTOR, configuredRealServer, desiredCore, desiredOf, lastOwned, serviceIdOf, type ServiceRow } from "@/lib/desired/desired";
import { isNews, nextStreak, type HealthStatus, type Streak } from "./state";

export { HEALTH_ACTOR };
type Tx = Prisma.TransactionClient;

export interface RunnerDeps {
  prisma: PrismaClient;
  pool: SshPool;
  /** true while this process still holds the cluster's leadership (checked inside the write transaction) */
  fence: (tx: Tx) => Promise<boolean>;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

export interface RunnerOptions {
  /** counters/rates sample period (0: never) */
  pollMs: number;
  /** SSH reachability probe of every host of the cluster */
  reachabilityMs: number;
}

export interface RoundReport {
  at: number;
  checks: number;
  results: CheckResult[];
  transitions: Array<{ realServerId: string; subject: string; from: HealthStatus; to: HealthStatus }>;
  applyRunId: string | null;
  apply: ApplyReport | null;
  polled: boolean;
  error: string | null;
  /** Services in CHECKER FAULT this round (every check failed locally): their results changed nothing. */
  faults: ServiceFault[];
  durationMs: number;
}

type Loaded = NonNullable<Awaited<ReturnType<typeof loadCluster>>>;

export async function loadCluster(prisma: PrismaClient, clusterId: string) {
  return prisma.cluster.findUnique({
    where: { id: clusterId },
    include: {
      hosts: { orderBy: { name: "asc" }, include: { sshKey: { select: { privateKey: true } } } },
      virtualServices: { include: { healthCheck: true, realServers: { include: { healthOverride: true, healthState: true } } } },
    },
  });
}

interface Planned {
  spec: CheckSpec;
  intervalMs: number;
  runFrom: "director" | "panel";
  subject: string;
  vsId: string;
}

/** The checks of a cluster (effective config per real server the operator has active). */
export function plannedChecks(c: Loaded, onError?: (subject: string, e: unknown) => void): Planned[] {
  const out: Planned[] = [];
  for (const vs of c.virtualServices) {
    const hc = vs.healthCheck;
    if (!hc || !hc.enabled) continue;
    for (const rs of vs.realServers) {
      if (rs.state !== "active") continue;
      const subject = `${serviceKey(serviceIdOf(vs))} -> ${destKey(rs)}`;
      try {
        const spec = effectiveCheck(hc, rs, rs.healthOverride);
        if (spec) out.push({ spec, intervalMs: hc.intervalMs, runFrom: hc.runFrom, subject, vsId: vs.id });
      } catch (e) {
        onError?.(subject, e);
      }
    }
  }
  return out;
}

/** What health wants, from the rows and the (possibly just updated) statuses. */
export function healthDesired(c: Loaded, status: (rsId: string) => HealthStatus): HealthDesired {
  const services: HealthService[] = [];
  for (const vs of c.virtualServices) {
    const hc = vs.healthCheck;
    if (!hc || !hc.enabled) continue;
    const realServers = vs.realServers.filter((r) => r.state === "active" && r.healthOverride?.enabled !== false).flatMap((r) => {
      const realServer = acceptedRealServer(vs, r);
      return realServer ? [{ id: r.id, realServer, status: status(r.id) }] : [];
    });
    services.push({ id: vs.id, sid: serviceIdOf(vs), onFail: hc.onFail, quorum: hc.quorum, realServers, sorry: acceptedSorryServer(vs) });
  }
  return { services };
}

/**
 * Where the drift check's differences (lib/director's wording: "service TCP 10.0.0.100:80: real server
 * 10.0.0.11:80 …") are health's business: the real servers of checked services and their sorry server.
 * Keys as the desired table builds them (canonical addresses, DR/TUN on the service port), so they are
 * the keys the differences carry.
 */
export function healthManagedPrefixes(services: ReadonlyArray<ServiceRow & { healthCheck: { enabled: boolean } | null }>): string[] {
  const out: string[] = [];
  for (const vs of services) {
    if (!vs.healthCheck?.enabled) continue;
    const k = `service ${serviceKey(serviceIdOf(vs))}: real server `;
    for (const r of vs.realServers) out.push(`${k}${destKey(configuredRealServer(vs, r))}`);
    const sorry = acceptedSorryServer(vs);
    if (sorry) out.push(`${k}${destKey(sorry)}`);
  }
  return out;
}

const big = (n: number | undefined) => BigInt(Math.round(n ?? 0));

export class ClusterChecker {
  readonly clusterId: string;
  private nextDue = new Map<string, number>();
  private lastPoll = 0;
  private lastReach = 0;
  private lastDrift = "";
  /** Services in checker fault, and why (loaded from the last checker.* events at the first round). */
  private faulted: Map<string, string> | null = null;
  constructor(clusterId: string, private deps: RunnerDeps, private opts: RunnerOptions) {
    this.clusterId = clusterId;
  }

  private log(msg: string, extra?: Record<string, unknown>) {
    this.deps.log?.(msg, { cluster: this.clusterId, ...extra });
  }

  /** ms until something is due (checks or poll), from the last loaded config. */
  dueInMs(now = Date.now()): number {
    let next = this.opts.pollMs > 0 ? this.lastPoll + this.opts.pollMs : Infinity;
    if (this.nextDue.size === 0) next = Math.min(next, now);
    for (const t of this.nextDue.values()) next = Math.min(next, t);
    return Math.max(0, next - now);
  }

  async round(now = Date.now()): Promise<RoundReport | null> {
    const t0 = performance.now();
    const { prisma, pool } = this.deps;
    const c = await loadCluster(prisma, this.clusterId);
    if (!c) return null;
    const director = c.hosts.find((h) => h.role === "director" && h.hostKeyFingerprint && h.sshKey) ?? null;
    const planned = plannedChecks(c, (subject, e) => this.log("check not runnable", { subject, error: String(e) }));
    // forget checks that no longer exist; new ones are due at once
    const ids = new Set(planned.map((p) => p.spec.id));
    for (const k of [...this.nextDue.keys()]) if (!ids.has(k)) this.nextDue.delete(k);
    const due = planned.filter((p) => (this.nextDue.get(p.spec.id) ?? 0) <= now + 20);
    const pollDue = this.opts.pollMs > 0 && now - this.lastPoll >= this.opts.pollMs - 20;
    if (!due.length && !pollDue) return null;
    for (const p of due) this.nextDue.set(p.spec.id, now + p.intervalMs);
    if (pollDue) this.lastPoll = now;
    for (const p of planned) if (!this.nextDue.has(p.spec.id)) this.nextDue.set(p.spec.id, now);

    const report: RoundReport = { at: now, checks: due.length, results: [], transitions: [], applyRunId: null, apply: null, polled: false, error: null, faults: [], durationMs: 0 };
    const remote = due.filter((p) => p.runFrom === "director");
    const local = due.filter((p) => p.runFrom === "panel");
    let target: SshTarget | null = null;
    let round: ReturnType<typeof parseRound> | null = null;
    const localRun = Promise.all(local.map((p) => checkLocal(p.spec)));
    if (director) {
      target = targetFromHost(director);
      const n = nonce();
      const specs = remote.map((p) => p.spec);
      const maxT = Math.max(1000, ...specs.map((s) => s.timeoutMs));
      try {
        const r = await pool.script(target, checkScript(n, specs, { poll: pollDue, table: true }), [], { okExitCodes: "any", timeoutMs: maxT + 15_000 });
        round = parseRound(r.stdout, n, specs);
        // the exec ran but the script stopped: the checker broke (not a verdict on any server)
        if (!round.complete) round = { ...round, results: unfinishedRound(specs.map((s) => s.id), r.stderr, r.exitCode) };
        await this.hostStatus(director.id, true, null, r.durationMs);
      } catch (e) {
        // the director is unreachable: that says nothing about the real servers, so no verdicts
        report.error = isSshError(e) ? `${e.code}: ${e.message}` : String(e);
        await this.hostStatus(director.id, false, report.error, null);
      }
    } else if (remote.length) report.error = "no director with a trusted host key and an SSH key";
    const localResults = await localRun;
    report.results = [...(round?.results ?? []), ...localResults];
    const cls = classifyRound(due, report.results);
    report.faults = cls.faults;
    const faultNews = await this.faultNews(c, cls.faults, cls.working);

    // rise/fall, written once by the leader
    const statusNow = new Map<string, HealthStatus>();
    for (const vs of c.virtualServices) for (const rs of vs.realServers) statusNow.set(rs.id, (rs.healthState?.status ?? "unknown") as HealthStatus);
    const byId = new Map(due.map((p) => [p.spec.id, p]));
    const rsById = new Map(c.virtualServices.flatMap((vs) => vs.realServers.map((rs) => [rs.id, rs] as const)));
    const updates: Array<{ id: string; next: Streak | null; r: CheckResult; changed: boolean }> = [];
    // a fault moves no streak: only its message is shown (the health view says why nothing changes)
    for (const r of cls.faulty) if (rsById.has(r.id)) updates.push({ id: r.id, next: null, r, changed: false });
    for (const r of cls.usable) {
      const p = byId.get(r.id);
      const rs = rsById.get(r.id);
      if (!p || !rs) continue;
      const cur: Streak = { status: (rs.healthState?.status ?? "unknown") as HealthStatus, successes: rs.healthState?.successes ?? 0, failures: rs.healthState?.failures ?? 0 };
      if (r.refused) { updates.push({ id: r.id, next: cur, r, changed: false }); continue; }
      const o = nextStreak(cur, r.ok, p.spec.rise, p.spec.fall);
      statusNow.set(r.id, o.next.status);
      updates.push({ id: r.id, next: o.next, r, changed: !!o.changed });
      if (o.changed && isNews(o.changed)) report.transitions.push({ realServerId: r.id, subject: p.subject, from: o.changed.from, to: o.changed.to });
    }
    const desired = healthDesired(c, (id) => statusNow.get(id) ?? "unknown");
    let eventIds: string[] = [];
    if (updates.length || faultNews.length) {
      const wrote = await prisma.$transaction(async (tx) => {
        if (!(await this.deps.fence(tx))) return null;
        const at = new Date();
        // A real server removed while this round ran has no state to keep (its row is gone, and an
        // upsert would abort the whole round on the foreign key); the rest are held until commit.
        const alive = new Set((await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM "RealServer" WHERE id = ANY(${updates.map((u) => u.id)}::text[]) FOR SHARE`).map((r) => r.id));
        for (const u of updates) {
          if (!alive.has(u.id)) continue;
          if (!u.next) {
            const note = { lastMessage: (u.r.fault ? u.r.message : `checker fault: ${u.r.message}`).slice(0, 500), lastLatencyMs: null, lastCheckedAt: at };
            await tx.healthState.upsert({ where: { realServerId: u.id }, create: { realServerId: u.id, ...note }, update: note });
            continue;
          }
          const data = { status: u.next.status, successes: u.next.successes, failures: u.next.failures, lastOk: u.r.ok, lastLatencyMs: u.r.latencyMs, lastMessage: u.r.message.slice(0, 500), lastCheckedAt: at, ...(u.changed ? { changedAt: at } : {}) };
          await tx.healthState.upsert({ where: { realServerId: u.id }, create: { realServerId: u.id, ...data }, update: data });
        }
        const ids: string[] = [];
        const hooks: WebhookPayload[] = [];
        for (const t of report.transitions) {
          if (!alive.has(t.realServerId)) continue;
          const p = byId.get(t.realServerId)!;
          const r = report.results.find((x) => x.id === t.realServerId)!;
          const svc = desired.services.find((s) => s.id === p.vsId);
          const e = await tx.healthEvent.create({ data: { clusterId: c.id, virtualServiceId: p.vsId, realServerId: t.realServerId, kind: `real-server.${t.to}`, subject: t.subject, message: r.message } });
          ids.push(e.id);
          hooks.push({
            event: "health.transition", at: at.toISOString(), cluster: { id: c.id, name: c.name },
            summary: `${t.subject} is ${t.to.toUpperCase()} (was ${t.from}): ${r.message}`,
            data: { eventId: e.id, realServer: t.subject, realServerId: t.realServerId, from: t.from, to: t.to, message: r.message, latencyMs: r.latencyMs, sorryServer: svc ? (sorryWanted(svc) ? "in" : "out") : null },
          });
        }
        for (const f of faultNews) {
          const e = await tx.healthEvent.create({ data: { clusterId: c.id, virtualServiceId: f.vsId, kind: f.kind, subject: f.service, message: f.reason } });
          const summary = f.kind === "checker.fault"
            ? `CHECKER FAULT on ${director?.name ?? "the panel"} for ${f.service}: ${f.reason}; no weight is changed until the checks work again`
            : `checker working again for ${f.service}`;
          hooks.push({ event: "health.transition", at: at.toISOString(), cluster: { id: c.id, name: c.name }, summary, data: { eventId: e.id, kind: f.kind, service: f.service, reason: f.reason } });
        }
        await enqueueWebhook(tx, hooks);
        return ids;
      });
      if (wrote === null) {
        report.error = "lost leadership before writing results";
        report.durationMs = Math.round(performance.now() - t0);
        return report;
      }
      eventIds = wrote;
      for (const f of faultNews) {
        if (f.kind === "checker.fault") this.faulted!.set(f.vsId, f.reason);
        else this.faulted!.delete(f.vsId);
        this.log(f.kind === "checker.fault" ? "CHECKER FAULT: no weight changed" : "checker working again", { service: f.service, reason: f.reason });
      }
    }

    if (round?.save !== null && round?.save !== undefined && director && target) {
      let needed = false;
      try {
        needed = healthSteps(desired, parseSave(round.save)).length > 0;
      } catch (e) {
        this.log("unreadable table", { error: String(e) });
      }
      if (needed) await this.apply(c, director, target, desired, eventIds, report);
      // director HA: the other directors get the same weights (each planned against its own table), when
      // this one needed a change and at every poll (a director that missed a transition catches up)
      if (c.haEnabled && (needed || pollDue)) {
        const others = c.hosts.filter((h) => h.role === "director" && h.id !== director.id && h.hostKeyFingerprint && h.sshKey);
        await Promise.all(others.map((o) => this.apply(c, o, targetFromHost(o), desired, needed ? eventIds : [], report)));
      }
      if (pollDue && round.list && round.stats && round.rate) {
        await this.sample(c.id, round.save, round.list, round.stats, round.rate).then(() => (report.polled = true), (e) => this.log("sample failed", { error: String(e) }));
        await this.drift(c, round.save).catch((e) => this.log("drift check failed", { error: String(e) }));
      }
    }
    if (now - this.lastReach >= this.opts.reachabilityMs) {
      this.lastReach = now;
      void this.probeHosts(c).catch(() => undefined);
    }
    report.durationMs = Math.round(performance.now() - t0);
    return report;
  }

  /** The checker faults that begin, change or end this round (an event each, not one per round). */
  private async faultNews(c: Loaded, faults: ServiceFault[], working: string[]) {
    if (!this.faulted) {
      this.faulted = new Map();
      const rows = await this.deps.prisma.healthEvent.findMany({ where: { clusterId: c.id, kind: { in: ["checker.fault", "checker.ok"] } }, orderBy: { createdAt: "desc" }, take: 500, select: { virtualServiceId: true, kind: true, message: true } });
      const seen = new Set<string>();
      for (const r of rows) {
        if (!r.virtualServiceId || seen.has(r.virtualServiceId)) continue;
        seen.add(r.virtualServiceId);
        if (r.kind === "checker.fault") this.faulted.set(r.virtualServiceId, r.message);
      }
    }
    const label = (vsId: string) => {
      const vs = c.virtualServices.find((v) => v.id === vsId);
      return vs ? serviceKey(serviceIdOf(vs)) : vsId;
    };
    const news: Array<{ vsId: string; kind: "checker.fault" | "checker.ok"; service: string; reason: string }> = [];
    // once when a fault begins (its text may vary from round to round: a temporary path, a PID)
    for (const f of faults) if (!this.faulted.has(f.vsId)) news.push({ vsId: f.vsId, kind: "checker.fault", service: label(f.vsId), reason: f.reason });
    for (const vsId of working) if (this.faulted.has(vsId)) news.push({ vsId, kind: "checker.ok", service: label(vsId), reason: "" });
    return news;
  }

  private async apply(c: Loaded, director: Loaded["hosts"][number], target: SshTarget, desired: HealthDesired, eventIds: string[], report: RoundReport) {
    const { prisma, pool } = this.deps;
    // shown with the run (the console reads "services to delete" from the operator's runs only)
    const owned = await lastOwned(prisma, c.id);
    try {
      // The director's lease (no transaction held across SSH), then ONE short transaction fenced twice:
      // by the lease (lease.write) and by this worker's leadership of the cluster (deps.fence).
      const res = await withDirectorLock(prisma, director.id, async (lease) => {
        if (!(await prisma.$transaction((tx) => this.deps.fence(tx)))) return null; // not the leader: send nothing
        const started = new Date();
        const r = await applyDirector(pool, target, healthCore, desired, { timeoutMs: 30_000, signal: lease.signal });
        if (r.steps.length === 0 && r.outcome === "succeeded") return { runId: null, r };
        const planned = r.steps.map((s) => s.reason ?? s.command); // healthCore.plan gives every step its reason
        return lease.write(async (tx) => {
          if (!(await this.deps.fence(tx))) return null; // lost the leadership while it ran: the new leader reads the table as it is
          const run = await tx.applyRun.create({
            data: {
              clusterId: c.id, actor: HEALTH_ACTOR, startedAt: started, ...outcomeOf(r),
              desired: { kind: "health", director: director.name, reasons: planned, events: eventIds, owned } as Prisma.InputJsonValue,
            },
          });
          if (r.steps.length) await tx.applyStep.createMany({ data: stepRows(run.id, director, r.steps) });
          await audit(tx, { actor: HEALTH_ACTOR, action: "cluster.apply", target: `cluster:${c.name}`, after: { run: run.id, outcome: r.outcome, reasons: planned, commands: r.steps.map((s) => s.command) } });
          if (eventIds.length) await tx.healthEvent.updateMany({ where: { id: { in: eventIds } }, data: { applyRunId: run.id } });
          // sorry server in/out are transitions too
          const hooks: WebhookPayload[] = [];
          for (const reason of planned.filter((p) => /^(no real server up|a real server is up): sorry server/.test(p))) {
            const kind = reason.endsWith(" in") ? "sorry.in" : "sorry.out";
            const e = await tx.healthEvent.create({ data: { clusterId: c.id, kind, subject: reason, applyRunId: run.id } });
            hooks.push({ event: "health.transition", at: new Date().toISOString(), cluster: { id: c.id, name: c.name }, summary: reason, data: { eventId: e.id, kind, runId: run.id } });
          }
          if (r.outcome !== "succeeded") {
            hooks.push({ event: "apply.failed", at: new Date().toISOString(), cluster: { id: c.id, name: c.name }, summary: `health-checker apply on ${director.name} ${r.outcome}`, data: { runId: run.id, outcome: r.outcome, error: r.error, differences: r.differences } });
          }
          await enqueueWebhook(tx, hooks);
          return { runId: run.id, r };
        });
      }, { waitMs: 15_000, owner: `health:${c.name}` });
      // (with HA several directors report here: a director that needed nothing does not hide one that did)
      if (res && (res.runId || !report.apply)) {
        report.applyRunId = res.runId;
        report.apply = res.r;
        if (res.runId) this.log("applied", { run: res.runId, outcome: res.r.outcome, commands: res.r.steps.map((s) => s.command) });
      }
    } catch (e) {
      report.error = `apply: ${e instanceof Error ? e.message : String(e)}`;
      this.log("apply failed", { error: report.error });
    }
  }

  /**
   * Drift: the kernel differs from the desired state in the database, apart from what health itself
   * manages (weights of checked real servers, the sorry server). A webhook when the set changes.
   */
  private async drift(c: Loaded, save: string) {
    // the round's rows (loadCluster) are the services and real servers: only the last apply is left to read
    const d = desiredOf(c.virtualServices, await lastOwned(this.deps.prisma, c.id));
    if (!d.owned.length) return;
    const managedByHealth = healthManagedPrefixes(c.virtualServices);
    const ownedByHealth = (x: string) => managedByHealth.some((p) => x.startsWith(`${p}:`) || x.startsWith(`${p} `));
    const diffs = desiredCore.verify(desiredCore.validate({ table: d.table, remove: d.remove }), { save, thresholds: "" })
      .filter((x) => !ownedByHealth(x)).sort();
    const key = diffs.join("\n");
    if (key === this.lastDrift) return;
    this.lastDrift = key;
    if (!diffs.length) return;
    await this.deps.prisma.$transaction(async (tx) => {
      if (!(await this.deps.fence(tx))) return;
      await enqueueWebhook(tx, { event: "drift", at: new Date().toISOString(), cluster: { id: c.id, name: c.name }, summary: `${diffs.length} difference(s) between the desired state and the director's table`, data: { differences: diffs } });
    });
  }

  private async hostStatus(hostId: string, reachable: boolean, error: string | null, latencyMs: number | null) {
    const data = { reachable, error, latencyMs, checkedAt: new Date() };
    await this.deps.prisma.hostStatus.upsert({ where: { hostId }, create: { hostId, ...data }, update: data }).catch(() => undefined);
  }

  private async probeHosts(c: Loaded) {
    await Promise.all(c.hosts.filter((h) => h.role !== "director" && h.hostKeyFingerprint && h.sshKey).map(async (h) => {
      const t0 = performance.now();
      try {
        await this.deps.pool.exec(targetFromHost(h), ["true"], { timeoutMs: 10_000 });
        await this.hostStatus(h.id, true, null, Math.round(performance.now() - t0));
      } catch (e) {
        await this.hostStatus(h.id, false, isSshError(e) ? `${e.code}: ${e.message}` : String(e), null);
      }
    }));
  }

  private async sample(clusterId: string, save: string, list: string, stats: string, rate: string) {
    const t = attachCounters(parseSave(save), parseList(list), parseList(stats), parseList(rate));
    const at = new Date();
    const rows: Prisma.CounterSampleCreateManyInput[] = [];
    const row = (service: string, destination: string, weight: number | null, k: Counters) => rows.push({
      clusterId, at, service, destination, weight,
      activeConns: big(k.activeConns), inactConns: big(k.inactConns), conns: big(k.conns), inPkts: big(k.inPkts), outPkts: big(k.outPkts), inBytes: big(k.inBytes), outBytes: big(k.outBytes),
      cps: k.cps ?? 0, inPps: k.inPps ?? 0, outPps: k.outPps ?? 0, inBps: k.inBps ?? 0, outBps: k.outBps ?? 0,
    });
    for (const s of t.services) {
      const sk = serviceKey(s);
      row(sk, "", null, s.counters);
      for (const d of s.destinations) row(sk, destKey(d), d.weight, d.counters);
    }
    if (rows.length) await this.deps.prisma.counterSample.createMany({ data: rows });
  }
}
