// Webhook lifecycle (create, edit, disable, delete), shared by the health page's forms and /api/v1.
// A webhook URL often carries its receiver's secret (a token in the path or query), so it leaves the
// panel only redacted (scheme, host, port): in pages, API answers and the audit log alike.
import type { PrismaClient } from "@/generated/prisma/client";
import { z } from "zod";
import { audit } from "@/lib/audit";
import { encryptSecret } from "@/lib/crypto";
import { EgressDenied, resolveChecked } from "@/lib/egress";
import { isUniqueViolation, UserError } from "@/lib/errors";
import { WEBHOOK_EVENTS, webhookInputSchema, type WebhookInput } from "./index";

export const webhookPatchSchema = z.object({
  name: z.string().trim().min(1, "is required").max(100, "must be at most 100 characters"),
  url: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).max(2000),
  /** null removes the secret (unsigned deliveries) */
  secret: z.string().min(16, "must be 16..256 characters").max(256, "must be 16..256 characters").nullable(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  enabled: z.boolean(),
}).partial().strict();
export type WebhookPatch = z.infer<typeof webhookPatchSchema>;

/** "https://hooks.example:8443/…": what anyone but the URL's author may see of it. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "(invalid URL)";
  }
}

type Hook = { id: string; name: string; url: string; secret: string | null; events: string[]; enabled: boolean; createdAt: Date; updatedAt: Date };
type LastDelivery = { event: string; status: string; createdAt: Date; deliveredAt: Date | null } | undefined;

/** What pages and the API show: never the URL's path or query, never the secret, never a status code or errno. */
export function webhookView(h: Hook, last?: LastDelivery) {
  return {
    id: h.id, name: h.name, url: redactUrl(h.url), events: h.events, enabled: h.enabled, signed: h.secret !== null,
    createdAt: h.createdAt.toISOString(), updatedAt: h.updatedAt.toISOString(),
    lastDelivery: last ? { event: last.event, result: last.status === "delivered" ? "delivered" : last.status === "pending" ? "pending" : "not delivered", at: last.createdAt.toISOString() } : null,
  };
}
export type WebhookView = ReturnType<typeof webhookView>;

/** Refuses a URL whose host resolves to an address the panel does not connect to (lib/egress). */
export async function checkWebhookDestination(url: string): Promise<void> {
  try {
    await resolveChecked(new URL(url).hostname);
  } catch (e) {
    if (e instanceof EgressDenied) throw new UserError("This URL points where the panel does not send webhooks.", { url: [e.message] });
    throw new UserError("This URL's host does not resolve from the panel host.", { url: ["does not resolve from the panel host"] });
  }
}

const auditState = (h: { url: string; events: string[]; enabled: boolean; secret: string | null; name: string }) =>
  ({ name: h.name, url: redactUrl(h.url), events: h.events, enabled: h.enabled, signed: h.secret !== null });

const nameTaken = () => new UserError("A webhook with this name already exists.", { name: ["is already used by another webhook"] });

export async function createWebhook(prisma: PrismaClient, actor: string, input: WebhookInput) {
  const w = webhookInputSchema.parse(input);
  await checkWebhookDestination(w.url);
  try {
    return await prisma.$transaction(async (tx) => {
      if (await tx.webhook.findUnique({ where: { name: w.name } })) throw nameTaken();
      const hook = await tx.webhook.create({ data: { name: w.name, url: w.url, secret: w.secret ? encryptSecret(w.secret) : null, events: w.events, enabled: w.enabled } });
      await audit(tx, { actor, action: "webhook.create", target: `webhook:${w.name}`, after: auditState(hook) });
      return hook;
    });
  } catch (e) {
    throw isUniqueViolation(e) ? nameTaken() : e;
  }
}

export async function updateWebhook(prisma: PrismaClient, actor: string, id: string, patch: WebhookPatch) {
  const p = webhookPatchSchema.parse(patch);
  if (p.url !== undefined) await checkWebhookDestination(p.url);
  try {
    return await prisma.$transaction(async (tx) => {
      const before = await tx.webhook.findUnique({ where: { id } });
      if (!before) throw new UserError("This webhook no longer exists.");
      if (p.name !== undefined && p.name !== before.name && (await tx.webhook.findUnique({ where: { name: p.name } }))) throw nameTaken();
      const after = await tx.webhook.update({ where: { id }, data: {
        ...(p.name !== undefined ? { name: p.name } : {}), ...(p.url !== undefined ? { url: p.url } : {}),
        ...(p.secret !== undefined ? { secret: p.secret === null ? null : encryptSecret(p.secret) } : {}),
        ...(p.events !== undefined ? { events: p.events } : {}), ...(p.enabled !== undefined ? { enabled: p.enabled } : {}),
      } });
      // a disabled webhook's queued deliveries are dropped by the next delivery round (lib/notify deliverDue)
      await audit(tx, { actor, action: "webhook.update", target: `webhook:${before.name}`, before: auditState(before),
        after: { ...auditState(after), ...(p.url !== undefined && p.url !== before.url ? { urlChanged: true } : {}), ...(p.secret !== undefined ? { secretChanged: true } : {}) } });
      return after;
    });
  } catch (e) {
    throw isUniqueViolation(e) ? nameTaken() : e;
  }
}

/** Deletes the webhook and its deliveries (queued ones are never sent). */
export async function deleteWebhook(prisma: PrismaClient, actor: string, id: string) {
  return prisma.$transaction(async (tx) => {
    const before = await tx.webhook.findUnique({ where: { id } });
    if (!before) throw new UserError("This webhook no longer exists.");
    await tx.webhook.delete({ where: { id } });
    await audit(tx, { actor, action: "webhook.delete", target: `webhook:${before.name}`, before: auditState(before) });
    return before;
  });
}

/** Every webhook with its last delivery, for the health page and GET /webhooks. */
export async function listWebhooks(prisma: PrismaClient): Promise<WebhookView[]> {
  const hooks = await prisma.webhook.findMany({ orderBy: { name: "asc" }, include: { deliveries: { orderBy: { createdAt: "desc" }, take: 1 } } });
  return hooks.map((h) => webhookView(h, h.deliveries[0]));
}
