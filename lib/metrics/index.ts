// Prometheus text for /api/metrics, built from the database at scrape time, so any panel instance
// answers for the whole fleet (the worker that sampled may be another process). IPVS counters are
// exposed as Prometheus counters (they only grow until the service is recreated), the rest as gauges.
import { Counter, Gauge, Registry } from "prom-client";
import type { PrismaClient } from "@/generated/prisma/client";
import crypto from "node:crypto";
import { configuredRealServer, serviceIdOf } from "@/lib/desired/desired";
import { destKey, serviceKey } from "@/lib/ipvs/model";

/** Samples older than this are left out (the worker stopped sampling that service). */
import { directorStates } from "@/lib/data/ha";
import { HA_POLL_MS, isStale, shownState, splitBrain } from "@/lib/ha/model";

export const STALE_MS = 5 * 60_000;

type Row = {
  clusterId: string; cluster: string; service: string; destination: string; at: Date; weight: number | null;
  activeConns: bigint; inactConns: bigint; conns: bigint; inPkts: bigint; outPkts: bigint; inBytes: bigint; outBytes: bigint;
  cps: number; inPps: number; outPps: number; inBps: number; outBps: number;
};

export async function renderMetrics(prisma: PrismaClient, now = Date.now()): Promise<{ contentType: string; body: string }> {
  const reg = new Registry();
  const L = ["cluster", "service", "real_server"] as const;
  const c = (name: string, help: string) => new Counter({ name, help, labelNames: L, registers: [reg] });
  const g = (name: string, help: string, labelNames: readonly string[] = L) => new Gauge({ name, help, labelNames, registers: [reg] });
  const conns = c("lvs_connections_total", "Connections scheduled (ipvsadm --stats Conns); real_server=\"\" is the service total");
  const inPkts = c("lvs_packets_in_total", "Incoming packets");
  const outPkts = c("lvs_packets_out_total", "Outgoing packets (0 in DR/TUN: replies bypass the director)");
  const inBytes = c("lvs_bytes_in_total", "Incoming bytes");
  const outBytes = c("lvs_bytes_out_total", "Outgoing bytes (0 in DR/TUN)");
  const active = g("lvs_active_connections", "ActiveConn");
  const inact = g("lvs_inactive_connections", "InActConn");
  const cps = g("lvs_connections_per_second", "Connection rate (kernel 2 s estimator)");
  const inPps = g("lvs_packets_in_per_second", "Incoming packet rate");
  const outPps = g("lvs_packets_out_per_second", "Outgoing packet rate");
  const inBps = g("lvs_bytes_in_per_second", "Incoming byte rate");
  const outBps = g("lvs_bytes_out_per_second", "Outgoing byte rate");
  const weight = g("lvs_real_server_weight", "Weight in the kernel table");
  const age = g("lvs_sample_age_seconds", "Age of the latest counter sample", ["cluster"]);
  const health = g("lvs_real_server_health", "Health state: 1 for the current state, 0 for the others", ["cluster", "service", "real_server", "state"]);
  const latency = g("lvs_health_check_latency_seconds", "Latency of the last successful check", ["cluster", "service", "real_server"]);
  const checkedAge = g("lvs_health_check_age_seconds", "Seconds since the last check", ["cluster", "service", "real_server"]);
  const reach = g("lvs_host_ssh_reachable", "1 when the panel's last SSH exec on the host succeeded", ["cluster", "host", "role"]);
  const vrrp = g("lvs_director_vrrp_state", "Director HA: 1 for the director's VRRP state as keepalived reports it (unknown: stale or unread)",
    ["cluster", "director", "state"]);
  const holds = g("lvs_director_vips_held", "Director HA: how many of the cluster's VIPs the director holds (ip addr)", ["cluster", "director"]);
  const split = g("lvs_split_brain", "Director HA: 1 when two directors hold one VIP or two say MASTER", ["cluster"]);

  const rows = await prisma.$queryRawUnsafe<Row[]>(
    `SELECT DISTINCT ON (s."clusterId", s.service, s.destination) s.*, c.name AS cluster
       FROM "CounterSample" s JOIN "Cluster" c ON c.id = s."clusterId"
      WHERE s.at > $1 ORDER BY s."clusterId", s.service, s.destination, s.at DESC`,
    new Date(now - STALE_MS),
  );
  const newest = new Map<string, number>();
  for (const r of rows) {
    const l = { cluster: r.cluster, service: r.service, real_server: r.destination };
    conns.inc(l, Number(r.conns)); inPkts.inc(l, Number(r.inPkts)); outPkts.inc(l, Number(r.outPkts));
    inBytes.inc(l, Number(r.inBytes)); outBytes.inc(l, Number(r.outBytes));
    active.set(l, Number(r.activeConns)); inact.set(l, Number(r.inactConns));
    cps.set(l, r.cps); inPps.set(l, r.inPps); outPps.set(l, r.outPps); inBps.set(l, r.inBps); outBps.set(l, r.outBps);
    if (r.destination && r.weight !== null) weight.set(l, r.weight);
    newest.set(r.cluster, Math.max(newest.get(r.cluster) ?? 0, new Date(r.at).getTime()));
  }
  for (const [cl, t] of newest) age.set({ cluster: cl }, (now - t) / 1000);

  const services = await prisma.virtualService.findMany({ include: { cluster: { select: { name: true } }, realServers: { include: { healthState: true } }, healthCheck: { select: { enabled: true } } } });
  for (const vs of services) {
    if (!vs.healthCheck?.enabled) continue;
    // the keys the sampler writes from the kernel's table (canonical addresses, DR/TUN on the service port)
    const service = serviceKey(serviceIdOf(vs));
    for (const r of vs.realServers) {
      const real_server = destKey(configuredRealServer(vs, r));
      const st = r.healthState?.status ?? "unknown";
      for (const s of ["up", "down", "unknown"]) health.set({ cluster: vs.cluster.name, service, real_server, state: s }, s === st ? 1 : 0);
      if (r.healthState?.lastLatencyMs != null) latency.set({ cluster: vs.cluster.name, service, real_server }, r.healthState.lastLatencyMs / 1000);
      if (r.healthState?.lastCheckedAt) checkedAge.set({ cluster: vs.cluster.name, service, real_server }, (now - r.healthState.lastCheckedAt.getTime()) / 1000);
    }
  }
  const hosts = await prisma.host.findMany({ include: { cluster: { select: { name: true } } } });
  const statuses = new Map((await prisma.hostStatus.findMany()).map((s) => [s.hostId, s]));
  for (const h of hosts) {
    const s = statuses.get(h.id);
    if (s) reach.set({ cluster: h.cluster.name, host: h.name, role: h.role }, s.reachable ? 1 : 0);
  }
  const ha = await prisma.cluster.findMany({ where: { haEnabled: true }, select: { id: true, name: true } });
  for (const cl of ha) {
    const rows = await directorStates(prisma, cl.id);
    for (const r of rows) {
      const st = shownState(r, HA_POLL_MS, now);
      for (const s of ["MASTER", "BACKUP", "FAULT", "STOPPED", "unknown"]) vrrp.set({ cluster: cl.name, director: r.name, state: s }, s === st ? 1 : 0);
      holds.set({ cluster: cl.name, director: r.name }, r.reading && !isStale(r.readAt, HA_POLL_MS, now) ? r.reading.vipsHeld.length : 0);
    }
    split.set({ cluster: cl.name }, splitBrain(rows, HA_POLL_MS, now) ? 1 : 0);
  }
  return { contentType: reg.contentType, body: await reg.metrics() };
}

/** Bearer token check for the scrape endpoint (constant time). Unset METRICS_TOKEN: endpoint off. */
export function metricsAuthorized(header: string | null, token = process.env.METRICS_TOKEN): "ok" | "disabled" | "denied" {
  if (!token) return "disabled";
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!m) return "denied";
  const a = crypto.createHash("sha256").update(m[1]!.trim()).digest();
  const b = crypto.createHash("sha256").update(token).digest();
  return crypto.timingSafeEqual(a, b) ? "ok" : "denied";
}
