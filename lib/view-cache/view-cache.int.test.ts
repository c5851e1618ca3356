// The view cache against real PostgreSQL and a real panel (scripts/serve.ts -> scripts/next-server.ts):
// the generation triggers, then pages replayed only while nothing they show has changed, per user.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, prismaFor, signIn, startPanel, userWithToken, type Panel } from "@/lib/api/testing/panel";
import { hashPassword } from "@/lib/passwords";
import { freshDatabase } from "@/test/support/database";
// @ts-ignore plain ESM module without type declarations
import { deploy } from "@/scripts/migrate.mjs";
import { TIME_BUCKET_MS } from "./policy";

const PORT = Number(process.env.LVS_VIEW_TEST_PORT ?? 3323);

describe("view generation triggers (PostgreSQL)", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: pg.Client, b: pg.Client;
  const gen = async (c: pg.Client = a) => Number((await c.query(`SELECT n FROM "ViewGeneration" WHERE id = 1`)).rows[0].n);

  beforeAll(async () => {
    db = await freshDatabase("lvs_view_gen");
    await deploy({ databaseUrl: db.url, pgliteDir: null });
    a = new pg.Client({ connectionString: db.url });
    b = new pg.Client({ connectionString: db.url });
    await a.connect();
    await b.connect();
    await a.query(`INSERT INTO "Cluster"(id, name, "updatedAt") VALUES ('c1', 'one', now())`);
    await a.query(`INSERT INTO "Host"(id, "clusterId", name, address, role, "updatedAt") VALUES ('h1', 'c1', 'rs1', '10.0.0.11', 'real_server', now())`);
    await a.query(`INSERT INTO "VirtualService"(id, "clusterId", protocol, address, port, family, scheduler, "updatedAt") VALUES ('v1', 'c1', 'tcp', '10.0.0.1', 80, 'inet', 'rr', now())`);
    await a.query(`INSERT INTO "RealServer"(id, "virtualServiceId", "hostId", address, port, weight, "updatedAt") VALUES ('r1', 'v1', 'h1', '10.0.0.11', 80, 1, now())`);
  });
  afterAll(async () => {
    await a?.end();
    await b?.end();
    await db?.drop();
  });

  it("moves once per transaction, at commit, and not on rollback", async () => {
    const g0 = await gen();
    await a.query("BEGIN");
    await a.query(`UPDATE "Cluster" SET description = 'x' WHERE id = 'c1'`);
    await a.query(`INSERT INTO "VirtualService"(id, "clusterId", protocol, address, port, family, scheduler, "updatedAt") SELECT 'vb' || i, 'c1', 'tcp', '10.0.1.' || i, 80, 'inet', 'rr', now() FROM generate_series(1, 50) i`);
    expect(await gen(b)).toBe(g0); // another session sees neither the change nor a new number
    await a.query("COMMIT");
    expect(await gen(b)).toBe(g0 + 1);
    await a.query("BEGIN");
    await a.query(`DELETE FROM "VirtualService" WHERE id LIKE 'vb%'`);
    await a.query("ROLLBACK");
    expect(await gen()).toBe(g0 + 1);
    await a.query(`DELETE FROM "VirtualService" WHERE id LIKE 'vb%'`);
    expect(await gen()).toBe(g0 + 2);
  });

  it.each([
    ["User", `INSERT INTO "User"(id, email, name, "passwordHash", "updatedAt") VALUES ('u9', 'u9@x.test', 'u', 'h', now())`],
    ["Cluster", `UPDATE "Cluster" SET name = 'one-renamed' WHERE id = 'c1'`],
    ["Host", `UPDATE "Host" SET "hostKeyFingerprint" = 'SHA256:abc' WHERE id = 'h1'`],
    ["VirtualService", `UPDATE "VirtualService" SET scheduler = 'wlc' WHERE id = 'v1'`],
    ["RealServer", `UPDATE "RealServer" SET weight = 5 WHERE id = 'r1'`],
    ["ApplyRun", `INSERT INTO "ApplyRun"(id, "clusterId", actor, desired, outcome) VALUES ('a1', 'c1', 'me', '{}', 'succeeded')`],
    ["HostStatus insert", `INSERT INTO "HostStatus"("hostId", reachable) VALUES ('h1', true)`],
    ["HostStatus verdict", `UPDATE "HostStatus" SET reachable = false WHERE "hostId" = 'h1'`],
    ["HealthState insert", `INSERT INTO "HealthState"("realServerId", "updatedAt") VALUES ('r1', now())`],
    ["HealthState verdict", `UPDATE "HealthState" SET status = 'down' WHERE "realServerId" = 'r1'`],
    ["RealServerProbe insert", `INSERT INTO "RealServerProbe"("hostId", ready) VALUES ('h1', false)`],
    ["RealServerProbe verdict", `UPDATE "RealServerProbe" SET ready = true WHERE "hostId" = 'h1'`],
    ["TRUNCATE", `TRUNCATE "HostStatus"`],
  ])("a change to %s moves it", async (_t, sql) => {
    const g0 = await gen();
    await a.query(sql);
    expect(await gen()).toBe(g0 + 1);
  });

  it.each([
    ["HostStatus heartbeat", `UPDATE "HostStatus" SET "checkedAt" = now(), "latencyMs" = 3 WHERE "hostId" = 'h0'`, `INSERT INTO "HostStatus"("hostId", reachable) VALUES ('h0', true)`],
    ["HealthState heartbeat", `UPDATE "HealthState" SET "lastCheckedAt" = now(), successes = successes + 1, "lastLatencyMs" = 2 WHERE "realServerId" = 'r1'`, null],
    ["RealServerProbe re-probe, same verdict", `UPDATE "RealServerProbe" SET "probedAt" = now(), report = '{"x":1}' WHERE "hostId" = 'h1'`, null],
    ["CounterSample (the charts read it themselves)", `INSERT INTO "CounterSample"("clusterId", service) VALUES ('c1', 'TCP 10.0.0.1:80')`, null],
    ["AuditEvent", `INSERT INTO "AuditEvent"(id, actor, action, target) VALUES ('e1', 'me', 'x', 'y')`, null],
  ])("%s does not move it", async (_t, sql, setup) => {
    if (setup) await a.query(setup);
    const g0 = await gen();
    await a.query(sql);
    expect(await gen()).toBe(g0);
  });
});

describe("view cache in front of the panel", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let panel: Panel;
  let sql: pg.Client;
  let admin: string, viewer: string, token: string;

  const get = async (path: string, cookie: string, headers: Record<string, string> = {}) => {
    const r = await fetch(`${panel.url}${path}`, { headers: { cookie, ...headers }, redirect: "manual" });
    return { status: r.status, cache: r.headers.get("x-lvs-view-cache"), type: r.headers.get("content-type") ?? "", location: r.headers.get("location") ?? "", body: await r.text() };
  };
  /** Two views in one time bucket: the second is the first replayed (the bucket can roll over once, then retry). */
  const replayed = async (path: string, cookie: string, headers: Record<string, string> = {}) => {
    for (let attempt = 0; ; attempt++) {
      const bucket = Math.floor(Date.now() / TIME_BUCKET_MS);
      const first = await get(path, cookie, headers);
      const second = await get(path, cookie, headers);
      if (Math.floor(Date.now() / TIME_BUCKET_MS) !== bucket && attempt === 0) continue;
      return { first, second };
    }
  };

  beforeAll(async () => {
    db = await freshDatabase("lvs_view_cache");
    await deploy({ databaseUrl: db.url, pgliteDir: null });
    const prisma = prismaFor(db.url);
    await prisma.user.create({ data: { email: "vc-admin@example.test", name: "VC Admin", role: "admin", passwordHash: await hashPassword("view-cache-pass-1") } });
    await prisma.user.create({ data: { email: "vc-viewer@example.test", name: "VC Viewer", role: "viewer", passwordHash: await hashPassword("view-cache-pass-2") } });
    token = (await userWithToken(prisma, "vc-api@example.test", "operator")).token;
    await prisma.$disconnect();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    await sql.query(`INSERT INTO "Cluster"(id, name, "updatedAt") VALUES ('vc1', 'cache-one', now())`);
    await sql.query(`INSERT INTO "Host"(id, "clusterId", name, address, role, "updatedAt") VALUES ('vh1', 'vc1', 'director', '10.9.0.2', 'director', now())`);
    panel = await startPanel({ databaseUrl: db.url, port: PORT });
    admin = await signIn(panel.url, "vc-admin@example.test", "view-cache-pass-1");
    viewer = await signIn(panel.url, "vc-viewer@example.test", "view-cache-pass-2");
  });
  afterAll(async () => {
    await panel?.stop();
    await sql?.end();
    await db?.drop();
  });

  it("replays the second view of the overview byte for byte", async () => {
    const { first, second } = await replayed("/clusters", admin);
    expect(first.status).toBe(200);
    expect(first.body).toContain("cache-one");
    expect(second.cache).toBe("hit");
    expect(second.body).toBe(first.body);
  });

  it("shows a change committed by someone else (another instance, the worker) on the next view", async () => {
    await replayed("/clusters", admin);
    await sql.query(`INSERT INTO "Cluster"(id, name, "updatedAt") VALUES ('vc2', 'cache-two', now())`);
    const after = await get("/clusters", admin);
    expect(after.cache).toBe("miss");
    expect(after.body).toContain("cache-two");
    await sql.query(`DELETE FROM "Cluster" WHERE id = 'vc2'`);
    expect((await get("/clusters", admin)).body).not.toContain("cache-two");
  });

  it("shows a change made through the panel itself (API) on the next view of the cluster page", async () => {
    await replayed("/clusters/vc1", admin);
    const r = await api(panel.url, token)("POST", "/clusters/cache-one/services", { protocol: "tcp", address: "10.9.7.7", port: 8080, scheduler: "wlc" });
    expect(r.status).toBe(201);
    const after = await get("/clusters/vc1", admin);
    expect(after.body).toContain("10.9.7.7:8080");
  });

  it("after a change, views asked for at once are rendered once and shared", async () => {
    let burst: Awaited<ReturnType<typeof get>>[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      await sql.query(`UPDATE "Cluster" SET description = 'burst' || $1::text WHERE id = 'vc1'`, [attempt]);
      const bucket = Math.floor(Date.now() / TIME_BUCKET_MS);
      burst = await Promise.all(Array.from({ length: 12 }, () => get("/clusters/vc1", admin)));
      if (Math.floor(Date.now() / TIME_BUCKET_MS) === bucket) break; // else the minute turned mid-burst: once more
    }
    expect(burst.filter((r) => r.cache === "miss")).toHaveLength(1);
    expect(burst.filter((r) => r.cache === "hit")).toHaveLength(11);
    expect(new Set(burst.map((r) => r.body)).size).toBe(1);
    expect(burst[0]!.body).toContain("burst");
  });

  it("does not throw the page away for a heartbeat, does for a verdict", async () => {
    await sql.query(`INSERT INTO "HostStatus"("hostId", reachable) VALUES ('vh1', true)`);
    const { second } = await replayed("/clusters", admin);
    expect(second.cache).toBe("hit");
    expect(second.body).toMatch(/data-health="ok"/);
    await sql.query(`UPDATE "HostStatus" SET "checkedAt" = now(), "latencyMs" = 7 WHERE "hostId" = 'vh1'`);
    expect((await get("/clusters", admin)).cache).toBe("hit");
    await sql.query(`UPDATE "HostStatus" SET reachable = false, "checkedAt" = now() WHERE "hostId" = 'vh1'`);
    const down = await get("/clusters", admin);
    expect(down.cache).toBe("miss");
    expect(down.body).toMatch(/data-health="error"/);
  });

  it("keeps each user's page apart, and a role change shows on the next view", async () => {
    const a = await replayed("/clusters", admin);
    const v = await replayed("/clusters", viewer);
    expect(a.second.cache).toBe("hit");
    expect(v.second.cache).toBe("hit");
    expect(a.second.body).toContain("New cluster");
    expect(v.second.body).not.toContain("New cluster");
    expect(v.second.body).toContain("vc-viewer@example.test");
    await sql.query(`UPDATE "User" SET role = 'operator' WHERE email = 'vc-viewer@example.test'`);
    const promoted = await get("/clusters", viewer);
    expect(promoted.body).toContain("New cluster");
    await sql.query(`UPDATE "User" SET role = 'viewer' WHERE email = 'vc-viewer@example.test'`);
    expect((await get("/clusters", viewer)).body).not.toContain("New cluster");
  });

  it("never replays to a disabled user, a forged cookie or nobody", async () => {
    await replayed("/clusters/vc1", viewer);
    await sql.query(`UPDATE "User" SET disabled = true WHERE email = 'vc-viewer@example.test'`);
    try {
      const disabled = await get("/clusters/vc1", viewer);
      expect(disabled.cache).toBeNull();
      expect(disabled.body).not.toContain("cache-one");
      expect([303, 307, 308]).toContain(disabled.status);
      expect(disabled.location).toContain("/login");
    } finally {
      await sql.query(`UPDATE "User" SET disabled = false WHERE email = 'vc-viewer@example.test'`);
    }
    const forged = admin.replace(/(session-token=[^;]{20})[^;]/, (_m, keep: string) => `${keep}${_m.endsWith("A") ? "B" : "A"}`);
    expect(forged).not.toBe(admin);
    for (const cookie of [forged, ""]) {
      const r = await get("/clusters/vc1", cookie);
      expect(r.cache).toBeNull();
      expect(r.status).toBe(307);
      expect(r.location).toContain("/login");
    }
  });

  it("stores the router's RSC payload apart from the HTML", async () => {
    const html = await replayed("/clusters/vc1", admin);
    // Next sends an RSC request without the matching `_rsc` cache-buster to the URL that has it
    const bare = await get("/clusters/vc1", admin, { rsc: "1" });
    expect(bare.status).toBe(307);
    const rscUrl = new URL(bare.location, panel.url);
    expect(rscUrl.searchParams.has("_rsc")).toBe(true);
    const rsc = await replayed(rscUrl.pathname + rscUrl.search, admin, { rsc: "1" });
    expect([html.second.status, rsc.first.status, rsc.second.status]).toEqual([200, 200, 200]);
    expect(html.second.type).toContain("text/html");
    expect(rsc.second.type).toContain("text/x-component");
    expect(rsc.second.cache).toBe("hit");
    expect(rsc.second.body).toBe(rsc.first.body);
    expect(rsc.second.body).not.toBe(html.second.body);
  });

  it("renders other pages, unknown clusters and actions every time", async () => {
    expect((await get("/clusters/new", admin)).cache).toBeNull();
    expect((await get("/clusters/vc1/plan", admin)).cache).toBeNull();
    const missing = [await get("/clusters/does-not-exist", admin), await get("/clusters/does-not-exist", admin)];
    expect(missing.map((m) => [m.status, m.cache])).toEqual([[404, "miss"], [404, "miss"]]);
  });
});
