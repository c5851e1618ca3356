import { authorizeRoute } from "@/lib/auth";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

const METRICS = ["cps", "inPps", "outPps", "inBps", "outBps", "activeConns"] as const;
type Metric = (typeof METRICS)[number];

// Rates over time for one virtual service (its total and each real server) from the worker's counter
// samples (CounterSample, kept for SAMPLE_RETENTION_HOURS): { services, series: [{ destination, points }] }.
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await authorizeRoute("read");
  if (user instanceof Response) return user;
  const { id } = await params;
  const url = new URL(req.url);
  const minutes = Math.min(24 * 60, Math.max(1, Number(url.searchParams.get("minutes")) || 30));
  const prisma = await db();
  const since = new Date(Date.now() - minutes * 60_000);
  const services = (await prisma.counterSample.findMany({ where: { clusterId: id, destination: "", at: { gte: since } }, distinct: ["service"], select: { service: true }, orderBy: { service: "asc" } })).map((s) => s.service);
  const service = url.searchParams.get("service") ?? services[0] ?? null;
  if (!service) return Response.json({ services, service: null, minutes, series: [] });
  const rows = await prisma.counterSample.findMany({
    where: { clusterId: id, service, at: { gte: since } }, orderBy: { at: "asc" }, take: 50_000,
    select: { at: true, destination: true, weight: true, cps: true, inPps: true, outPps: true, inBps: true, outBps: true, activeConns: true },
  });
  const by = new Map<string, Array<{ t: number; weight: number | null } & Record<Metric, number>>>();
  for (const r of rows) {
    const list = by.get(r.destination) ?? by.set(r.destination, []).get(r.destination)!;
    list.push({ t: r.at.getTime(), weight: r.weight, cps: r.cps, inPps: r.inPps, outPps: r.outPps, inBps: r.inBps, outBps: r.outBps, activeConns: Number(r.activeConns) });
  }
  const series = [...by.entries()].sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))).map(([destination, points]) => ({ destination, points }));
  return Response.json({ services, service, minutes, series }, { headers: { "Cache-Control": "no-store" } });
}
