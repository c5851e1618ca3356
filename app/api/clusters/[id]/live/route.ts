import { authorizeRoute } from "@/lib/auth";
import { liveStream } from "@/lib/live/live-tick";
import { userGuard } from "@/lib/live/stream";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

// The live table: the director's -Ln (+ raw text, drift, and the stats or rates the `view` shows: list,
// stats, rate, raw; both without one) as server-sent events, every `interval` ms (at least the shared
// cadence, 2 s); the real servers' ARP/VIP probe every 10th tick (and at once when missing, at most
// once per host per probe interval): lib/live/live-tick. ONE loop per cluster in this process,
// however many browsers watch and whatever they ask.
// Each stream re-reads its user at every tick (userGuard): a disabled or demoted user's stream ends there.
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await authorizeRoute("read");
  if (user instanceof Response) return user;
  const { id } = await params;
  const prisma = await db();
  if (!(await prisma.cluster.findUnique({ where: { id }, select: { id: true } }))) return new Response("no such cluster", { status: 404 });
  return liveStream(prisma, id, new URL(req.url).searchParams, req.signal, userGuard(prisma, user.id, "read"));
}
