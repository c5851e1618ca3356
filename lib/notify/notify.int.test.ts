// Webhook outbox on real PostgreSQL with a receiver on 127.0.0.1: fan-out by event, one claim per
// attempt even with concurrent deliverers, back-off after failures, give-up, and the test button.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedDatabase } from "@/test/support/database";
import { DELIVERY, backoffMs, deliverDue, enqueueWebhook, testWebhook, webhookInputSchema } from "./index";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let server: http.Server;
let url = "";
const got: Array<{ id: string; event: string }> = [];
let status = 204;
let answerAfterMs = 0;

beforeAll(async () => {
  // the receiver is on loopback, which the egress policy denies unless allowed (lib/egress)
  process.env.LVS_PANEL_ALLOW_EGRESS = "127.0.0.1/32";
  ctx = await migratedDatabase("lvs_notify");
  server = http.createServer((req, res) => {
    let b = "";
    req.on("data", (c) => (b += c)).on("end", () => {
      if (status < 300) got.push(JSON.parse(b) as { id: string; event: string });
      setTimeout(() => res.writeHead(status).end(), answerAfterMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
});
afterAll(async () => {
  delete process.env.LVS_PANEL_ALLOW_EGRESS;
  server?.close();
  await ctx?.close();
});

const payload = (event: "health.transition" | "drift") => ({ event, at: new Date().toISOString(), cluster: null, summary: "s", data: {} });

describe("webhooks", () => {
  it("validates URLs (http/https only)", () => {
    expect(webhookInputSchema.safeParse({ name: "a", url: "ftp://x/y" }).success).toBe(false);
    expect(webhookInputSchema.safeParse({ name: "a", url: "https://hooks.example/y" }).success).toBe(true);
    expect(backoffMs(1, 1000)).toBe(1000);
    expect(backoffMs(4, 1000)).toBe(8000);
    expect(backoffMs(40, 1000)).toBe(DELIVERY.maxBackoffMs);
  });

  it("delivers each event once to the hooks that want it, even with three concurrent deliverers", async () => {
    const p = ctx.prisma;
    await p.webhook.create({ data: { name: "all", url } });
    await p.webhook.create({ data: { name: "drift only", url, events: ["drift"] } });
    await p.webhook.create({ data: { name: "off", url, enabled: false } });
    expect(await enqueueWebhook(p, payload("health.transition"))).toBe(1);
    expect(await enqueueWebhook(p, payload("drift"))).toBe(2);
    await Promise.all([deliverDue(p), deliverDue(p), deliverDue(p)]);
    expect(got.map((g) => g.event).sort()).toEqual(["drift", "drift", "health.transition"]);
    expect(new Set(got.map((g) => g.id)).size).toBe(3);
    expect(await p.webhookDelivery.count({ where: { status: "delivered", attempts: 1 } })).toBe(3);
  });

  it("several events in one call read the webhooks once; a claimed delivery of a disabled webhook fails", async () => {
    const p = ctx.prisma;
    await p.webhookDelivery.deleteMany();
    let reads = 0;
    const counting = { webhook: { findMany: (a: Parameters<typeof p.webhook.findMany>[0]) => (reads++, p.webhook.findMany(a)) }, webhookDelivery: p.webhookDelivery } as unknown as typeof p;
    expect(await enqueueWebhook(counting, [payload("health.transition"), payload("drift"), payload("drift")])).toBe(5);
    expect(reads).toBe(1);
    expect(await enqueueWebhook(counting, [])).toBe(0);
    expect(reads).toBe(1);
    await p.webhook.updateMany({ where: { name: "drift only" }, data: { enabled: false } });
    got.length = 0;
    expect(await deliverDue(p)).toEqual({ sent: 3, failed: 2 });
    expect(got.map((g) => g.event).sort()).toEqual(["drift", "drift", "health.transition"]);
    expect(await p.webhookDelivery.count({ where: { status: "failed", lastError: "webhook deleted or disabled" } })).toBe(2);
  });

  it("retries with back-off, then gives up after maxAttempts", async () => {
    const p = ctx.prisma;
    await p.webhookDelivery.deleteMany();
    await p.webhook.deleteMany({ where: { name: { not: "all" } } });
    got.length = 0;
    status = 503;
    await enqueueWebhook(p, payload("health.transition"));
    // A long back-off, then time moved on by hand: the outcome cannot depend on how loaded the machine is.
    const t0 = Date.now();
    await deliverDue(p, { baseBackoffMs: 60_000 });
    let d = await p.webhookDelivery.findFirstOrThrow();
    expect([d.status, d.attempts, d.lastStatus]).toEqual(["pending", 1, 503]);
    expect(d.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(t0 + 60_000);
    await deliverDue(p, { baseBackoffMs: 60_000 }); // not due yet: nothing happens
    expect((await p.webhookDelivery.findFirstOrThrow()).attempts).toBe(1);
    await p.webhookDelivery.updateMany({ data: { nextAttemptAt: new Date(Date.now() - 1) } });
    status = 204;
    await deliverDue(p, { baseBackoffMs: 60_000 });
    d = await p.webhookDelivery.findFirstOrThrow();
    expect([d.status, d.attempts]).toEqual(["delivered", 2]);
    expect(got).toHaveLength(1);
    // give-up
    status = 500;
    const max = DELIVERY.maxAttempts;
    DELIVERY.maxAttempts = 2;
    try {
      await enqueueWebhook(p, payload("health.transition"));
      await deliverDue(p, { baseBackoffMs: 60_000 });
      await p.webhookDelivery.updateMany({ where: { status: "pending" }, data: { nextAttemptAt: new Date(Date.now() - 1) } });
      await deliverDue(p, { baseBackoffMs: 60_000 });
      expect(await p.webhookDelivery.count({ where: { status: "failed", attempts: 2 } })).toBe(1);
    } finally {
      DELIVERY.maxAttempts = max;
      status = 204;
    }
  });

  it("the test button sends one test event and records it", async () => {
    const hook = await ctx.prisma.webhook.findFirstOrThrow({ where: { name: "all" } });
    const r = await testWebhook(ctx.prisma, hook.id, "admin@example.com");
    expect(r.ok).toBe(true);
    expect(got.at(-1)).toMatchObject({ id: r.deliveryId, event: "test" });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await ctx.prisma.webhook.update({ where: { id: hook.id }, data: { url: `http://127.0.0.1:${port}/closed` } });
    const bad = await testWebhook(ctx.prisma, hook.id, "admin@example.com");
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/ECONNREFUSED/);
  });

  it("a worker delivering while the test button waits for its answer does not send the test again", async () => {
    const hook = await ctx.prisma.webhook.findFirstOrThrow({ where: { name: "all" } });
    await ctx.prisma.webhook.update({ where: { id: hook.id }, data: { url } });
    answerAfterMs = 400;
    try {
      const test = testWebhook(ctx.prisma, hook.id, "admin@example.com");
      await new Promise((r) => setTimeout(r, 150)); // the test's row exists and its POST is in flight
      await deliverDue(ctx.prisma);
      const r = await test;
      expect(r.ok).toBe(true);
      expect(got.filter((g) => g.id === r.deliveryId)).toHaveLength(1);
    } finally {
      answerAfterMs = 0;
    }
  });
});
