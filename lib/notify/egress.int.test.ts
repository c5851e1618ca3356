// The webhook side of the egress policy (lib/egress), with real sockets and real PostgreSQL: a receiver
// listening on loopback gets NOTHING unless LVS_PANEL_ALLOW_EGRESS allows its range; cloud metadata and
// names that resolve to loopback are refused too; the lifecycle (create, edit, disable, delete) is
// audited with the URL redacted.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { migratedDatabase } from "@/test/support/database";
import { deliverDue, enqueueWebhook, testWebhook } from "./index";
import { createWebhook, deleteWebhook, listWebhooks, updateWebhook } from "./manage";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let server: http.Server;
let port = 0;
let hits = 0;

beforeAll(async () => {
  ctx = await migratedDatabase("lvs_notify_egress");
  server = http.createServer((req, res) => { hits++; req.resume(); req.on("end", () => res.writeHead(204).end()); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.close();
  await ctx?.close();
});
afterEach(() => { delete process.env.LVS_PANEL_ALLOW_EGRESS; });

const SECRET_URL = () => `http://127.0.0.1:${port}/hooks/T0PSECRET-token?key=abc`;

describe("webhooks and the egress policy", () => {
  it("a webhook to a listening loopback port is not sent without the allow-list (the receiver sees no connection)", async () => {
    const hook = await ctx.prisma.webhook.create({ data: { name: "loopback", url: SECRET_URL() } });
    hits = 0;
    const r = await testWebhook(ctx.prisma, hook.id, "admin@example.test");
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^egress denied: a loopback address/);
    await enqueueWebhook(ctx.prisma, { event: "drift", at: new Date().toISOString(), cluster: null, summary: "s", data: {} });
    await deliverDue(ctx.prisma);
    expect(hits).toBe(0);
    // the same hook with its range allowed is delivered: the denial above was the policy, not the receiver
    process.env.LVS_PANEL_ALLOW_EGRESS = "127.0.0.1/32";
    expect((await testWebhook(ctx.prisma, hook.id, "admin@example.test")).ok).toBe(true);
    expect(hits).toBe(1);
    await ctx.prisma.webhook.delete({ where: { id: hook.id } });
  });

  it("a name that resolves to loopback (localhost) and cloud metadata are refused as well", async () => {
    for (const url of [`http://localhost:${port}/x`, "http://169.254.169.254/latest/meta-data/", "http://[::1]:9/x", "http://0.0.0.0:9/x"]) {
      const hook = await ctx.prisma.webhook.create({ data: { name: `h-${url.length}-${Math.random()}`, url } });
      hits = 0;
      const r = await testWebhook(ctx.prisma, hook.id, "admin@example.test");
      expect(r.ok, url).toBe(false);
      expect(r.error, url).toMatch(/^egress denied/);
      expect(hits).toBe(0);
      await ctx.prisma.webhook.delete({ where: { id: hook.id } });
    }
  });

  it("creating or editing a webhook toward a denied address is refused at the URL field", async () => {
    await expect(createWebhook(ctx.prisma, "op@example.test", { name: "meta", url: "http://169.254.169.254/latest", secret: null, events: [], enabled: true }))
      .rejects.toMatchObject({ fields: { url: [expect.stringMatching(/link-local/)] } });
    expect(await ctx.prisma.webhook.count({ where: { name: "meta" } })).toBe(0);
    process.env.LVS_PANEL_ALLOW_EGRESS = "127.0.0.1/32";
    const w = await createWebhook(ctx.prisma, "op@example.test", { name: "ok", url: SECRET_URL(), secret: null, events: [], enabled: true });
    delete process.env.LVS_PANEL_ALLOW_EGRESS;
    await expect(updateWebhook(ctx.prisma, "op@example.test", w.id, { url: `http://localhost:${port}/y` })).rejects.toMatchObject({ fields: { url: [expect.stringMatching(/loopback/)] } });
    expect((await ctx.prisma.webhook.findUniqueOrThrow({ where: { id: w.id } })).url).toBe(SECRET_URL());
    await deleteWebhook(ctx.prisma, "op@example.test", w.id);
  });

  it("edit, disable and delete are audited; the URL's path and query appear nowhere but the webhook row", async () => {
    process.env.LVS_PANEL_ALLOW_EGRESS = "127.0.0.1/32";
    const w = await createWebhook(ctx.prisma, "op@example.test", { name: "life", url: SECRET_URL(), secret: "0123456789abcdef", events: ["drift"], enabled: true });
    const renamed = await updateWebhook(ctx.prisma, "op@example.test", w.id, { name: "life2", events: [], secret: null });
    expect(renamed).toMatchObject({ name: "life2", events: [], secret: null, url: SECRET_URL() });
    // disabling drops what is queued: the next delivery round sends nothing
    await enqueueWebhook(ctx.prisma, { event: "drift", at: new Date().toISOString(), cluster: null, summary: "s", data: {} });
    await updateWebhook(ctx.prisma, "op@example.test", w.id, { enabled: false });
    hits = 0;
    await deliverDue(ctx.prisma);
    expect(hits).toBe(0);
    expect(await enqueueWebhook(ctx.prisma, { event: "drift", at: new Date().toISOString(), cluster: null, summary: "s", data: {} })).toBe(0);
    const list = await listWebhooks(ctx.prisma);
    expect(list.find((h) => h.name === "life2")).toMatchObject({ url: `http://127.0.0.1:${port}/…`, enabled: false, signed: false });
    expect(JSON.stringify(list)).not.toContain("T0PSECRET");
    await deleteWebhook(ctx.prisma, "op@example.test", w.id);
    expect(await ctx.prisma.webhook.count({ where: { id: w.id } })).toBe(0);
    expect(await ctx.prisma.webhookDelivery.count({ where: { webhookId: w.id } })).toBe(0);
    const events = await ctx.prisma.auditEvent.findMany({ where: { target: { startsWith: "webhook:life" } }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["webhook.create", "webhook.update", "webhook.update", "webhook.delete"]);
    expect(events[2]!.after).toMatchObject({ enabled: false });
    expect(JSON.stringify(events)).not.toMatch(/T0PSECRET|key=abc/);
    expect(JSON.stringify(events)).toContain(`http://127.0.0.1:${port}/…`);
  });
});
