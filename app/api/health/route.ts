import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

/** Liveness for load balancers and the test runner: the server answers and the database is reachable. */
export async function GET() {
  try {
    await (await db()).$queryRawUnsafe("SELECT 1");
    return Response.json({ ok: true });
  } catch {
    return Response.json({ ok: false, error: "database unreachable" }, { status: 503 });
  }
}
