import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { probeDirector, readDirector } from "@/lib/director";
import { hostPort } from "@/lib/ipvs/address";
import { isSshError } from "@/lib/ssh";
import { loadDesiredWithHealth } from "@/lib/health/overlay";
import { directorOf } from "@/lib/data/hosts";
import { buildRows } from "@/lib/live/live";
import { coalescer } from "@/lib/operations/coalesce";
import { realServerOp } from "@/lib/operations/cluster";
import { serviceLabel } from "@/lib/data/virtual-services";
import { pool, targetFor } from "@/lib/operations/targets";
import type { Check, CheckState, ClusterHealth, RealServerHealth } from "@/lib/live/cluster-health-types";

export type { Check, CheckState, ClusterHealth, RealServerHealth };

function msg(e: unknown) {
  return isSshError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
}

/** How long one read of a cluster's health answers the health page again (viewers reloading it share the reads). */
export const HEALTH_REUSE_MS = 3000;

/**
 * One screen per cluster: director reachable, IPVS, gateway, VIPs; per real server SSH, DR-ready,
 * kernel rows. Simultaneous requests share one read of the machines, reused for HEALTH_REUSE_MS.
 */
export async function clusterHealth(prisma: PrismaClient, clusterId: string): Promise<ClusterHealth> {
  return structuredClone(await coalescer().run(`health:${clusterId}`, () => readClusterHealth(prisma, clusterId), HEALTH_REUSE_MS));
}

async function readClusterHealth(prisma: PrismaClient, clusterId: string): Promise<ClusterHealth> {
  const at = new Date().toISOString();
  const desired = await loadDesiredWithHealth(prisma, clusterId);
  const director = await directorOf(prisma, clusterId);
  const checks: Check[] = [];
  let rows: ReturnType<typeof buildRows> = [];
  if (!director) checks.push({ name: "Director", ok: null, detail: "no director host in this cluster" });
  else {
    try {
      const t = await targetFor(prisma, director);
      const p = await probeDirector(pool(), t);
      checks.push({ name: "Director reachable", ok: true, detail: `${director.name} (${director.address}) answered in ${p.durationMs} ms` });
      checks.push({ name: "IPVS available", ok: p.ipvs.available, detail: p.ipvs.available ? `ipvsadm ${p.ipvsadm.version ?? ""}` : p.ipvs.error ?? p.installHint ?? "not available" });
      checks.push({ name: "Gateway present", ok: !!p.defaultRoute?.gateway, detail: p.defaultRoute?.gateway ? `default via ${p.defaultRoute.gateway} dev ${p.defaultRoute.dev}` : "no default route: replies to remote clients cannot leave" });
      for (const v of desired.vips) {
        const held = p.addresses.find((a) => a.local === v);
        checks.push({ name: `VIP ${v} bound`, ok: !!held, detail: held ? `on ${held.ifname}` : "not bound on the director (apply binds it)" });
      }
      if (p.ipvs.available) rows = buildRows(await readDirector(pool(), t), desired.table);
      const drift = rows.filter((r) => r.drift.status !== "ok").length;
      checks.push({ name: "Kernel table matches desired state", ok: drift === 0, detail: drift ? `${drift} row(s) drift: see the live table` : "no drift" });
    } catch (e) {
      checks.push({ name: "Director reachable", ok: false, detail: msg(e) });
    }
  }
  // checker faults (lib/health/fault.ts): the last checker.* event of each service says whether one is on
  const checkerEvents = await prisma.healthEvent.findMany({ where: { clusterId, kind: { in: ["checker.fault", "checker.ok"] } }, orderBy: { createdAt: "desc" }, take: 500 });
  const lastOf = new Map<string, (typeof checkerEvents)[number]>();
  for (const e of checkerEvents) if (e.virtualServiceId && !lastOf.has(e.virtualServiceId)) lastOf.set(e.virtualServiceId, e);
  for (const e of lastOf.values()) {
    if (e.kind !== "checker.fault") continue;
    checks.push({ name: `Health checker for ${e.subject}`, ok: false, detail: `CHECKER FAULT since ${e.createdAt.toISOString().slice(0, 19).replace("T", " ")} UTC: ${e.message}. Its results change no weight until the checks work again.` });
  }
  const probes = await realServerOp(prisma, "health", clusterId, "probe").catch(() => []);
  const hosts = await prisma.host.findMany({ where: { clusterId, role: "real_server" }, orderBy: { name: "asc" }, include: { realServers: { include: { virtualService: { include: { healthCheck: true } }, healthState: true, healthOverride: true } } } });
  const realServers: RealServerHealth[] = hosts.map((h) => {
    const p = probes.find((x) => x.hostId === h.id);
    const inKernel = h.realServers.map((r) => {
      const row = rows.find((x) => x.kind === "dest" && x.text === hostPort(r.address, r.port) && x.service.endsWith(hostPort(r.virtualService.address ?? "", r.virtualService.port ?? 0)) && x.drift.status !== "missing");
      return { service: row?.service ?? `${r.virtualService.protocol.toUpperCase()} ${hostPort(r.virtualService.address ?? "", r.virtualService.port ?? 0)}`, weight: row?.weight ?? null, activeConns: row?.activeConns ?? null, inactConns: row?.inactConns ?? null };
    });
    const lastChange = h.realServers.map((r) => r.updatedAt).sort((a, b) => b.getTime() - a.getTime())[0]?.toISOString() ?? null;
    const sshOk = p ? (p.error ? (/unreachable|timeout|authentication|host-key/.test(p.error) ? false : null) : true) : null;
    const checks: CheckState[] = h.realServers.map((r) => {
      const hc = r.virtualService.healthCheck;
      const st = r.healthState;
      return {
        service: serviceLabel(r.virtualService), realServer: hostPort(r.address, r.port), configured: !!hc, enabled: !!hc?.enabled && r.healthOverride?.enabled !== false && r.state === "active",
        why: !hc ? null : !hc.enabled ? "the service's check is disabled" : r.healthOverride?.enabled === false ? "disabled for this server" : r.state !== "active" ? `the server is ${r.state}` : null,
        status: (st?.status ?? "unknown") as CheckState["status"], lastOk: st?.lastOk ?? null, message: st?.lastMessage ?? "", latencyMs: st?.lastLatencyMs ?? null,
        checkedAt: st?.lastCheckedAt?.toISOString() ?? null, changedAt: st?.changedAt?.toISOString() ?? null,
      };
    });
    const changes = [lastChange, ...checks.map((c) => c.changedAt)].filter((x): x is string => !!x).sort();
    return { host: h.name, address: h.address, sshReachable: sshOk, drReady: p?.report ? p.report.ready : null, problems: p?.error ? [p.error] : p?.report?.verdicts.flatMap((v) => v.problems) ?? [], inKernel, checks, lastChange: changes[changes.length - 1] ?? null };
  });
  const bad = checks.filter((c) => c.ok === false).length + realServers.filter((r) => r.sshReachable === false || r.drReady === false).length;
  const unknown = checks.length === 0 || checks.every((c) => c.ok === null);
  const level = unknown ? "unknown" : checks.some((c) => c.ok === false && /reachable|IPVS/.test(c.name)) ? "error" : bad ? "warning" : "ok";
  const h: ClusterHealth = { at, level, summary: level === "ok" ? "healthy" : level === "unknown" ? "not probed" : `${bad} problem${bad === 1 ? "" : "s"}`, director: checks, realServers };
  return h;
}
