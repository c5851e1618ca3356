import { authorizeRoute } from "@/lib/auth";
import { countersFor, liveSnapshot } from "@/lib/console/live";
import { lastProbes, realServerOp, rsHosts } from "@/lib/console/ops";
import { sharedSseResponse } from "@/lib/console/stream";
import { db } from "@/lib/db";
import { destKey, serviceKey, type ServiceId } from "@/lib/ipvs/model";

export const dynamic = "force-dynamic";

// The live table: the director's -Ln (+ raw text, drift, and the stats or rates the `view` shows: list,
// stats, rate, raw; both without one) every `interval` ms (default 2 s) as server-sent events; the real
// servers' ARP/VIP probe every 10th tick (and at once when missing). One loop per cluster, view and
// interval in this process, however many browsers watch.
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await authorizeRoute("read");
  if (user instanceof Response) return user;
  const { id } = await params;
  const prisma = await db();
  if (!(await prisma.cluster.findUnique({ where: { id }, select: { id: true } }))) return new Response("no such cluster", { status: 404 });
  const url = new URL(req.url);
  const interval = Math.min(60_000, Math.max(500, Number(url.searchParams.get("interval")) || 2000));
  const counters = countersFor(url.searchParams.get("view"));
  let n = 0;
  // every browser on this cluster with the same view and interval shares one loop (lib/console/live-hub)
  return sharedSseResponse(req.signal, `${id}|stats=${counters.stats}|rate=${counters.rate}|${interval}`, interval, async () => {
    const snap = await liveSnapshot(prisma, id, counters);
    const hosts = await rsHosts(prisma, id);
    // the last probe is in the database (RealServerProbe); probe again every 10th tick, or when a host has none
    let cache = await lastProbes(prisma, hosts.map((h) => h.host.id));
    if (n++ % 10 === 0 || hosts.some((h) => !cache.has(h.host.id))) {
      await realServerOp(prisma, "live-view", id, "probe").catch(() => {});
      cache = await lastProbes(prisma, hosts.map((h) => h.host.id));
    }
    const realServers = hosts.map((h) => {
      const c = cache.get(h.host.id);
      return { hostId: h.host.id, host: h.host.name, address: h.host.address, vips: h.vips, at: c?.at ?? null, error: c?.error ?? null,
        ready: c?.report?.ready ?? null, verdicts: c?.report?.verdicts ?? [], conf: c?.report?.facts.conf ?? null, gateway: c?.report?.facts.defaultGateway ?? null,
        vipOnLo: c?.report ? h.vips.filter((v) => c.report!.facts.interfaces.some((i) => i.ifname === "lo" && i.addrs.some((a) => a.local === v))) : [],
        listening: c?.report?.facts.listening?.map((l) => `${l.addr}:${l.port}`) ?? null };
    });
    // each real server's health-check state (the worker's HealthState), keyed like the live rows
    const checked = await prisma.realServer.findMany({ where: { virtualService: { clusterId: id, healthCheck: { enabled: true } }, state: "active" },
      select: { address: true, port: true, healthState: true, healthOverride: { select: { enabled: true } }, virtualService: { select: { protocol: true, family: true, address: true, port: true, fwmark: true } } } });
    const health: Record<string, { status: string; message: string; latencyMs: number | null; checkedAt: string | null }> = {};
    for (const r of checked) {
      if (r.healthOverride?.enabled === false) continue;
      const key = `${serviceKey(r.virtualService as ServiceId)} -> ${destKey(r)}`;
      health[key] = { status: r.healthState?.status ?? "unknown", message: r.healthState?.lastMessage ?? "", latencyMs: r.healthState?.lastLatencyMs ?? null, checkedAt: r.healthState?.lastCheckedAt?.toISOString() ?? null };
    }
    return { ...snap, rows: snap.rows.map((row) => (health[row.key] ? { ...row, health: health[row.key] } : row)), realServers };
  });
}
