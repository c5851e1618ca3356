import { authorizeRoute } from "@/lib/auth";
import { countersFor } from "@/lib/console/live";
import { liveTicker } from "@/lib/console/live-tick";
import { sharedSseResponse, userGuard } from "@/lib/console/stream";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

// The live table: the director's -Ln (+ raw text, drift, and the stats or rates the `view` shows: list,
// stats, rate, raw; both without one) every `interval` ms (default 2 s) as server-sent events; the real
// servers' ARP/VIP probe every 10th tick (and at once when missing): lib/console/live-tick. One loop per
// cluster, view and interval in this process, however many browsers watch. Each stream re-reads its
// user at every tick (userGuard): a disabled or demoted user's stream ends there.
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await authorizeRoute("read");
  if (user instanceof Response) return user;
  const { id } = await params;
  const prisma = await db();
  if (!(await prisma.cluster.findUnique({ where: { id }, select: { id: true } }))) return new Response("no such cluster", { status: 404 });
  const url = new URL(req.url);
  const interval = Math.min(60_000, Math.max(500, Number(url.searchParams.get("interval")) || 2000));
  const counters = countersFor(url.searchParams.get("view"));
  // every browser on this cluster with the same view and interval shares one loop (lib/console/live-hub)
  return sharedSseResponse(req.signal, `${id}|stats=${counters.stats}|rate=${counters.rate}|${interval}`, interval, userGuard(prisma, user.id, "read"), liveTicker(prisma, id, counters));
}
