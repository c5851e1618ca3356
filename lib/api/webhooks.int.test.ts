// Webhooks through a running panel (production build, real PostgreSQL) with receivers on loopback:
// the /api/v1/webhooks lifecycle (create, edit, disable, test, delete; audited), the egress policy at
// the API (loopback outside LVS_PANEL_ALLOW_EGRESS and cloud metadata refused, nothing dialled), and
// that no page, API answer or audit line shows a webhook URL's path or query (where secrets live).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/generated/prisma/client";
import { freshDatabase } from "@/test/support/database";
import { api, prismaFor, signIn, startPanel, userWithToken, type Panel } from "./testing/panel";

const PORT = Number(process.env.LVS_WEBHOOK_API_TEST_PORT ?? 3325);
const SECRET_PATH = "/services/T0PSECRET-path-token";
let panel: Panel;
let prisma: PrismaClient;
let dropDb: () => Promise<void>;
let op: string, viewer: string;
const hits: Record<string, number> = { allowed: 0, other: 0 };
const servers: http.Server[] = [];
let allowedPort = 0, otherPort = 0;

async function receiver(host: string, name: keyof typeof hits): Promise<number> {
  const s = http.createServer((req, res) => { hits[name]!++; req.resume(); req.on("end", () => res.writeHead(204).end()); });
  await new Promise<void>((r) => s.listen(0, host, r));
  servers.push(s);
  return (s.address() as AddressInfo).port;
}

beforeAll(async () => {
  allowedPort = await receiver("127.0.0.1", "allowed");
  // loopback too, but outside the allowed range: the panel must not dial it
  otherPort = await receiver("127.0.0.2", "other");
  const db = await freshDatabase("lvs_webhook_api");
  dropDb = db.drop;
  process.env.LVS_PANEL_ALLOW_EGRESS = "127.0.0.1/32";
  try {
    panel = await startPanel({ databaseUrl: db.url, port: PORT });
  } finally {
    delete process.env.LVS_PANEL_ALLOW_EGRESS;
  }
  prisma = prismaFor(db.url);
  op = (await userWithToken(prisma, "op@example.test", "operator")).token;
  viewer = (await userWithToken(prisma, "viewer@example.test", "viewer")).token;
  await prisma.cluster.create({ data: { id: "wh1", name: "wh" } });
}, 900_000);

afterAll(async () => {
  await panel?.stop();
  for (const s of servers) s.close();
  await prisma?.$disconnect();
  await dropDb?.();
});

const secretUrl = () => `http://127.0.0.1:${allowedPort}${SECRET_PATH}?key=Q-S3CR3T-QUERY`;

describe("/api/v1/webhooks", () => {
  it("refuses loopback outside the allowed range and cloud metadata at the URL member; nothing is dialled", async () => {
    const asOp = api(panel.url, op);
    for (const url of [`http://127.0.0.2:${otherPort}/x`, "http://169.254.169.254/latest/meta-data/", `http://[::1]:${otherPort}/x`]) {
      const r = await asOp("POST", "/webhooks", { name: "bad", url });
      expect(r.status, url).toBe(422);
      expect(r.body.errors, url).toEqual([expect.objectContaining({ field: "url", message: expect.stringMatching(/loopback|link-local/) })]);
    }
    expect(hits.other).toBe(0);
    expect(await prisma.webhook.count()).toBe(0);
    expect((await api(panel.url, viewer)("POST", "/webhooks", { name: "v", url: secretUrl() })).status).toBe(403);
  });

  it("create, read (redacted, for every role), test, edit, disable, delete; each audited", async () => {
    const asOp = api(panel.url, op);
    const c = await asOp("POST", "/webhooks", { name: "ops", url: secretUrl(), secret: "0123456789abcdef0123", events: ["drift"] });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: "ops", url: `http://127.0.0.1:${allowedPort}/…`, events: ["drift"], enabled: true, signed: true });
    expect(c.headers.get("location")).toBe("/api/v1/webhooks/ops");
    for (const token of [viewer, op]) {
      const list = await api(panel.url, token)("GET", "/webhooks");
      expect(list.status).toBe(200);
      expect(list.body.webhooks).toEqual([expect.objectContaining({ name: "ops", url: `http://127.0.0.1:${allowedPort}/…` })]);
      expect(JSON.stringify(list.body)).not.toMatch(/T0PSECRET|S3CR3T|0123456789abcdef/);
    }
    const t = await asOp("POST", "/webhooks/ops/test");
    expect(t).toMatchObject({ status: 200, body: { delivered: true } });
    expect(hits.allowed).toBe(1);
    expect((await asOp("GET", "/webhooks/ops")).body.lastDelivery).toMatchObject({ event: "test", result: "delivered" });

    // a closed port: "not delivered", and nothing else (no status, no errno)
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect((await asOp("PATCH", "/webhooks/ops", { url: `http://127.0.0.1:${closedPort}/x` })).status).toBe(200);
    const bad = await asOp("POST", "/webhooks/ops/test");
    expect(bad.body).toEqual({ delivered: false });
    expect(JSON.stringify((await asOp("GET", "/webhooks/ops")).body)).not.toMatch(/ECONN|HTTP \d|status/i);

    expect((await asOp("PATCH", "/webhooks/ops", { name: "ops2", url: secretUrl(), enabled: false, secret: null })).body)
      .toMatchObject({ name: "ops2", enabled: false, signed: false });
    expect((await asOp("PATCH", "/webhooks/ops2", { colour: "red" })).status).toBe(422);
    expect((await asOp("PATCH", "/webhooks/ops2", { url: "http://169.254.169.254/" })).status).toBe(422);
    expect((await api(panel.url, viewer)("DELETE", "/webhooks/ops2")).status).toBe(403);
    expect((await asOp("DELETE", "/webhooks/ops2")).status).toBe(204);
    expect((await asOp("GET", "/webhooks/ops2")).status).toBe(404);
    const audit = await prisma.auditEvent.findMany({ where: { action: { startsWith: "webhook." } }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["webhook.create", "webhook.test", "webhook.update", "webhook.test", "webhook.update", "webhook.delete"]);
    expect(JSON.stringify(audit)).not.toMatch(/T0PSECRET|S3CR3T|ECONN/);
  });

  it("the OpenAPI document lists the webhook routes", async () => {
    const doc = (await api(panel.url, null)("GET", "/openapi.json")).body;
    expect(Object.keys(doc.paths["/webhooks"])).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/webhooks/{webhook}"]).sort()).toEqual(["delete", "get", "patch"]);
    expect(doc.paths["/webhooks/{webhook}/test"].post).toBeTruthy();
  });

  it("no page carries the URL's path or query: the health page (viewer and operator) and the audit log", async () => {
    const asOp = api(panel.url, op);
    expect((await asOp("POST", "/webhooks", { name: "paged", url: secretUrl() })).status).toBe(201);
    for (const email of ["viewer@example.test", "op@example.test"]) {
      const cookie = await signIn(panel.url, email, "api-test-password-1");
      for (const page of ["/clusters/wh1/health", "/audit"]) {
        const r = await fetch(`${panel.url}${page}`, { headers: { cookie } });
        expect(r.status, `${email} ${page}`).toBe(200);
        const html = await r.text();
        expect(html, `${email} ${page}`).toContain(`127.0.0.1:${allowedPort}/…`);
        const leak = /.{0,200}(T0PSECRET|S3CR3T).{0,100}/.exec(html)?.[0];
        expect(leak, `${email} ${page}`).toBeUndefined();
      }
    }
  });
});
