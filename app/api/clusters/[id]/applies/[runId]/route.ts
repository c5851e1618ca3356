import { authorizeRoute } from "@/lib/auth";
import { sseResponse, userGuard } from "@/lib/live/stream";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

// An apply's progress, read from the database (so a reload, or another browser, sees the same),
// every 500 ms until the run has finished.
export async function GET(req: Request, { params }: { params: Promise<{ id: string; runId: string }> }) {
  const user = await authorizeRoute("read");
  if (user instanceof Response) return user;
  const { id, runId } = await params;
  const prisma = await db();
  return sseResponse(req.signal, 500, userGuard(prisma, user.id, "read"), async () => {
    const run = await prisma.applyRun.findFirst({ where: { id: runId, clusterId: id }, include: { steps: { orderBy: { position: "asc" } } } });
    if (!run) return { data: { missing: true }, done: true };
    return { data: run, done: run.outcome !== "running" && run.outcome !== "planned" };
  });
}
