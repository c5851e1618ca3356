// Webhooks: an outbox in PostgreSQL. An event is enqueued in the same transaction as what it reports
// (so a rolled-back transition sends nothing), and any worker delivers it: rows are claimed with
// FOR UPDATE SKIP LOCKED and a lease, so two panel instances never send the same attempt twice.
// Delivery is at-least-once (a crash after the POST and before the update re-sends it): receivers
// de-duplicate on the X-LVS-Panel-Delivery header. Failed attempts retry with exponential back-off.
import crypto from "node:crypto";
import http from "node:http";
import https from "node:https";
import { z } from "zod";
import type { Prisma, PrismaClient } from "@/generated/prisma/client";
import { decryptSecret } from "@/lib/crypto";
import { EgressDenied, pinnedLookup, resolveChecked, type Pinned } from "@/lib/egress";

type Tx = PrismaClient | Prisma.TransactionClient;

export const WEBHOOK_EVENTS = ["health.transition", "apply.failed", "drift", "split-brain", "test"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const webhookInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  url: z.url({ protocol: /^https?$/ }).max(2000),
  secret: z.string().min(16).max(256).nullable().default(null),
  events: z.array(z.enum(WEBHOOK_EVENTS)).default([]),
  enabled: z.boolean().default(true),
});
export type WebhookInput = z.infer<typeof webhookInputSchema>;

export const DELIVERY = {
  /** attempts before a delivery is marked failed */
  maxAttempts: Number(process.env.WEBHOOK_MAX_ATTEMPTS ?? 8),
  /** first retry delay; doubles each attempt, capped at maxBackoffMs */
  baseBackoffMs: Number(process.env.WEBHOOK_BACKOFF_MS ?? 2000),
  maxBackoffMs: 10 * 60_000,
  timeoutMs: 10_000,
  /** a claimed delivery becomes claimable again after this (the claimer died) */
  leaseMs: 60_000,
};

export function backoffMs(attempt: number, base = DELIVERY.baseBackoffMs): number {
  return Math.min(DELIVERY.maxBackoffMs, base * 2 ** Math.max(0, attempt - 1));
}

export interface WebhookPayload {
  event: WebhookEvent;
  at: string;
  cluster: { id: string; name: string } | null;
  summary: string;
  data: Record<string, unknown>;
}

/**
 * Queues each event for every enabled webhook that wants it: one read of the webhooks and one insert,
 * however many events. Call inside the events' transaction. Returns the number of deliveries queued.
 */
export async function enqueueWebhook(tx: Tx, events: WebhookPayload | readonly WebhookPayload[]): Promise<number> {
  const list: readonly WebhookPayload[] = Array.isArray(events) ? events : [events as WebhookPayload];
  if (!list.length) return 0;
  const hooks = await tx.webhook.findMany({ where: { enabled: true }, select: { id: true, events: true } });
  const data = list.flatMap((p) => hooks.filter((h) => h.events.length === 0 || h.events.includes(p.event))
    .map((h) => ({ webhookId: h.id, event: p.event, payload: p as unknown as Prisma.InputJsonValue })));
  if (!data.length) return 0;
  await tx.webhookDelivery.createMany({ data });
  return data.length;
}

export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** One POST (JSON body, HMAC-SHA256 signature when the webhook has a secret). Never throws. */
export async function sendWebhook(hook: { url: string; secret: string | null }, deliveryId: string, payload: WebhookPayload): Promise<SendResult> {
  const body = JSON.stringify({ id: deliveryId, ...payload });
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "lvs-panel-webhook", "x-lvs-panel-event": payload.event, "x-lvs-panel-delivery": deliveryId };
  if (hook.secret) headers["x-lvs-panel-signature"] = `sha256=${crypto.createHmac("sha256", decryptSecret(hook.secret)).update(body).digest("hex")}`;
  const t0 = performance.now();
  const result = (status: number | null, error: string | null): SendResult =>
    ({ ok: status !== null && status >= 200 && status < 300, status, error, durationMs: Math.round(performance.now() - t0) });
  let url: URL;
  let pinned: Pinned;
  try {
    url = new URL(hook.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") return result(null, "not an http(s) URL");
    // resolve once, check every address, connect to the checked one (lib/egress)
    pinned = await resolveChecked(url.hostname);
  } catch (e) {
    return result(null, e instanceof EgressDenied ? `egress denied: ${e.why}` : `cannot resolve: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  headers["content-length"] = String(Buffer.byteLength(body));
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: SendResult) => { if (!settled) { settled = true; clearTimeout(timer); resolve(r); } };
    const mod = url.protocol === "https:" ? https : http;
    // redirects are not followed: a 3xx is "not delivered" (it could point anywhere)
    const req = mod.request(url, { method: "POST", headers, agent: false, lookup: pinnedLookup(pinned) as never }, (res) => {
      res.resume();
      res.on("end", () => finish(result(res.statusCode ?? null, res.statusCode && res.statusCode < 300 && res.statusCode >= 200 ? null : `HTTP ${res.statusCode}`)));
      res.on("error", () => finish(result(null, "connection reset while reading the answer")));
      res.on("close", () => finish(result(res.complete ? res.statusCode ?? null : null, res.complete ? `HTTP ${res.statusCode}` : "answer cut short")));
    });
    const timer = setTimeout(() => { req.destroy(); finish(result(null, `timeout after ${DELIVERY.timeoutMs} ms`)); }, DELIVERY.timeoutMs);
    req.on("error", (e: NodeJS.ErrnoException) => finish(result(null, e.code ?? e.message)));
    req.end(body);
  });
}

type Claimed = { id: string; webhookId: string; event: string; payload: unknown; attempts: number };

/** Claims and sends due deliveries (any number of workers may call this concurrently). */
export async function deliverDue(prisma: PrismaClient, opts: { limit?: number; baseBackoffMs?: number } = {}): Promise<{ sent: number; failed: number }> {
  const claimed = await prisma.$queryRawUnsafe<Claimed[]>(
    `UPDATE "WebhookDelivery" SET "nextAttemptAt" = now() + ($2 || ' milliseconds')::interval, attempts = attempts + 1
     WHERE id IN (SELECT id FROM "WebhookDelivery" WHERE status = 'pending' AND "nextAttemptAt" <= now() ORDER BY "nextAttemptAt" LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, "webhookId", event, payload, attempts`,
    opts.limit ?? 20, String(DELIVERY.leaseMs),
  );
  let sent = 0, failed = 0;
  if (!claimed.length) return { sent, failed };
  const hooks = new Map((await prisma.webhook.findMany({ where: { id: { in: [...new Set(claimed.map((d) => d.webhookId))] } } })).map((h) => [h.id, h]));
  await Promise.all(claimed.map(async (d) => {
    const hook = hooks.get(d.webhookId);
    if (!hook || !hook.enabled) {
      await prisma.webhookDelivery.update({ where: { id: d.id }, data: { status: "failed", lastError: "webhook deleted or disabled" } });
      failed++;
      return;
    }
    const r = await sendWebhook(hook, d.id, d.payload as WebhookPayload);
    if (r.ok) {
      await prisma.webhookDelivery.update({ where: { id: d.id }, data: { status: "delivered", lastStatus: r.status, lastError: null, deliveredAt: new Date() } });
      sent++;
    } else {
      const give = d.attempts >= DELIVERY.maxAttempts;
      await prisma.webhookDelivery.update({ where: { id: d.id }, data: { status: give ? "failed" : "pending", lastStatus: r.status, lastError: r.error, nextAttemptAt: new Date(Date.now() + backoffMs(d.attempts, opts.baseBackoffMs)) } });
      if (give) failed++;
    }
  }));
  return { sent, failed };
}

/** The test button: one immediate, synchronous delivery of a "test" event (recorded like any other). */
export async function testWebhook(prisma: PrismaClient, webhookId: string, actor: string): Promise<SendResult & { deliveryId: string }> {
  const hook = await prisma.webhook.findUniqueOrThrow({ where: { id: webhookId } });
  const payload: WebhookPayload = { event: "test", at: new Date().toISOString(), cluster: null, summary: `Test delivery requested by ${actor}`, data: { webhook: hook.name } };
  // created already leased (as deliverDue's claim leaves a row), so a worker never sends it a second time
  const d = await prisma.webhookDelivery.create({ data: { webhookId, event: "test", payload: payload as unknown as Prisma.InputJsonValue, attempts: 1,
    nextAttemptAt: new Date(Date.now() + DELIVERY.leaseMs) } });
  const r = await sendWebhook(hook, d.id, payload);
  await prisma.webhookDelivery.update({ where: { id: d.id }, data: { status: r.ok ? "delivered" : "failed", lastStatus: r.status, lastError: r.error, deliveredAt: r.ok ? new Date() : null } });
  return { ...r, deliveryId: d.id };
}
