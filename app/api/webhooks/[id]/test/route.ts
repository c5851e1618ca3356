import { audit } from "@/lib/audit";
import { authorize, ForbiddenError } from "@/lib/auth";
import { db } from "@/lib/db";
import { testWebhook } from "@/lib/notify";

export const dynamic = "force-dynamic";

/** The webhook's test button: one synchronous delivery of a "test" event; answers with its result. */
export async function POST(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  let user;
  try {
    user = await authorize("edit");
  } catch (e) {
    if (e instanceof ForbiddenError) return Response.json({ error: e.message }, { status: 403 });
    throw e;
  }
  const { id } = await params;
  const prisma = await db();
  const hook = await prisma.webhook.findUnique({ where: { id } });
  if (!hook) return Response.json({ error: "no such webhook" }, { status: 404 });
  const r = await testWebhook(prisma, id, user.email);
  await audit(prisma, { actor: user.email, action: "webhook.test", target: `webhook:${hook.name}`, after: { ok: r.ok, status: r.status, error: r.error } });
  return Response.json(r, { status: r.ok ? 200 : 502 });
}
