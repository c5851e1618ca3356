import { db } from "@/lib/db";
import { metricsAuthorized, renderMetrics } from "@/lib/metrics";

export const dynamic = "force-dynamic";

/** Prometheus scrape endpoint: `Authorization: Bearer $METRICS_TOKEN`. Off (404) while METRICS_TOKEN is unset. */
export async function GET(req: Request) {
  const auth = metricsAuthorized(req.headers.get("authorization"));
  if (auth === "disabled") return new Response("metrics are off: set METRICS_TOKEN\n", { status: 404 });
  if (auth === "denied") return new Response("bearer token required\n", { status: 401, headers: { "www-authenticate": 'Bearer realm="lvs-panel metrics"' } });
  const m = await renderMetrics(await db());
  return new Response(m.body, { headers: { "content-type": m.contentType, "cache-control": "no-store" } });
}
