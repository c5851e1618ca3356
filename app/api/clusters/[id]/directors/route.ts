import { authorizeRoute } from "@/lib/auth";
import { loadDirectorsView } from "@/lib/data/ha-view";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

// The Directors panel's refresh: the stored HA readings (the worker's poll writes them), no SSH.
export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await authorizeRoute("read");
  if (user instanceof Response) return user;
  const { id } = await params;
  const view = await loadDirectorsView(await db(), id);
  if (!view) return new Response("No such cluster.", { status: 404 });
  return Response.json(view, { headers: { "Cache-Control": "no-store" } });
}
