import { authorizeRoute } from "@/lib/auth";
import { db } from "@/lib/db";
import { documentOf } from "@/lib/data/cluster-document";
import { loadDesired } from "@/lib/desired/desired";
import { renderTable } from "@/lib/ipvs";
import { exportDocument, isExportFormat } from "@/lib/keepalived";

export const dynamic = "force-dynamic";

// The cluster's desired state as a download (the Export menu): the YAML or JSON document, keepalived.conf,
// or the `ipvsadm -R` batch (the operator's desired table, without the health checker's overlay).
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await authorizeRoute("read");
  if (user instanceof Response) return user;
  const { id } = await params;
  const format = new URL(req.url).searchParams.get("format") ?? "yaml";
  const prisma = await db();
  const d = await documentOf(prisma, id);
  if (!d) return new Response("No such cluster.\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  const file = (body: string, type: string, ext: string) => new Response(body, { headers: {
    "content-type": `${type}; charset=utf-8`, "cache-control": "no-store",
    "content-disposition": `attachment; filename="${d.name.replace(/[^A-Za-z0-9._-]/g, "_")}.${ext}"`,
  } });
  if (isExportFormat(format)) {
    const r = exportDocument(d.document, format);
    if (!r.ok) return new Response(`keepalived cannot express this cluster:\n${r.refused.map((n) => `${n.path}: ${n.message}`).join("\n")}\n`,
      { status: 409, headers: { "content-type": "text/plain; charset=utf-8" } });
    return file(r.text, r.type, r.ext);
  }
  if (format === "ipvsadm") {
    const desired = await loadDesired(prisma, id);
    return file(renderTable(desired.table).replace(/\n*$/, "\n"), "text/plain", "ipvsadm-rules");
  }
  return new Response("format must be yaml, json, keepalived or ipvsadm\n", { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
}
