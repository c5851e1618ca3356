// /api/v1 real-server If-Match against real PostgreSQL, in-process: the route table (handleApi) is
// called directly with Requests, so no panel build is needed. Two writes sent with the same ETag must
// not both pass: the ETag is checked inside the write's transaction, on the locked row. Also: a RIP
// linked to its host, and the cluster list (one query) against the per-cluster summaries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedDatabase } from "@/test/support/database";
import { overviewPage } from "@/lib/data/overview";
import { clusterJson, realServerEtag, realServerJson } from "./present";
import { inProcessApi } from "./testing/in-process";
import { userWithToken } from "./testing/panel";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let token = "";

const call = inProcessApi(() => token);

const svc = "/clusters/race/services/tcp:10.9.0.100:80";

beforeAll(async () => {
  ctx = await migratedDatabase("lvs_api_rs_ifmatch");
  process.env.DATABASE_URL = ctx.url; // lib/db's client, which the router uses
  token = (await userWithToken(ctx.prisma, "op@example.test", "operator", { name: "racer" })).token;
  expect((await call("POST", "/clusters", { name: "race" })).status).toBe(201);
  expect((await call("POST", "/clusters/race/services", { protocol: "tcp", address: "10.9.0.100", port: 80, scheduler: "wlc" })).status).toBe(201);
}, 300_000);

afterAll(async () => {
  await ctx?.close();
});

async function addRs(address: string) {
  const r = await call("POST", `${svc}/real-servers`, { address, weight: 1 });
  expect(r.status).toBe(201);
  const got = await call("GET", `${svc}/real-servers/${address}`);
  expect(got.status).toBe(200);
  return { id: got.body.id as string, etag: got.headers.get("etag")! };
}

describe("real-server If-Match is atomic with the write", () => {
  it("two concurrent PATCHes with the same ETag: exactly one 200, one 412, and the row is the winner's", async () => {
    for (let round = 0; round < 5; round++) {
      const address = `10.9.0.${20 + round}`;
      const { id, etag } = await addRs(address);
      const audits = await ctx.prisma.auditEvent.count({ where: { action: "real-server.update" } });
      const bodies = [{ weight: 5, upperThreshold: 100 }, { weight: 9, upperThreshold: 50, lowerThreshold: 7 }];
      const res = await Promise.all(bodies.map((b) => call("PATCH", `${svc}/real-servers/${address}`, b, { "if-match": etag })));
      expect(res.map((r) => r.status).sort(), `round ${round}`).toEqual([200, 412]);
      const winner = res.find((r) => r.status === 200)!;
      const loser = res.find((r) => r.status === 412)!;
      expect(loser.body.type).toBe("urn:lvs-panel:problem:precondition-failed");
      const row = await ctx.prisma.realServer.findUniqueOrThrow({ where: { id } });
      const { notice: _notice, ...winnerJson } = winner.body;
      expect(realServerJson(row)).toEqual(winnerJson);
      expect(winner.headers.get("etag")).toBe(realServerEtag(row));
      expect(row).toMatchObject(bodies[res.indexOf(winner)]!);
      expect(await ctx.prisma.auditEvent.count({ where: { action: "real-server.update" } })).toBe(audits + 1);
    }
  });

  it("the weight, state and delete routes race the same way: one write per ETag", async () => {
    const a = await addRs("10.9.0.40");
    const [w, d] = await Promise.all([
      call("POST", `${svc}/real-servers/10.9.0.40/weight`, { weight: 4 }, { "if-match": a.etag }),
      call("POST", `${svc}/real-servers/10.9.0.40/drain`, undefined, { "if-match": a.etag }),
    ]);
    expect([w.status, d.status].sort()).toEqual([200, 412]);
    const row = await ctx.prisma.realServer.findUniqueOrThrow({ where: { id: a.id } });
    expect([row.weight, row.state]).toEqual(w.status === 200 ? [4, "active"] : [1, "draining"]);

    const b = await addRs("10.9.0.41");
    const [p, del] = await Promise.all([
      call("PATCH", `${svc}/real-servers/10.9.0.41`, { weight: 3 }, { "if-match": b.etag }),
      call("DELETE", `${svc}/real-servers/10.9.0.41`, undefined, { "if-match": b.etag }),
    ]);
    // the loser sees either the winner's new ETag (412) or, after a delete, no row (404)
    if (del.status === 204) {
      expect([404, 412]).toContain(p.status);
      expect(await ctx.prisma.realServer.findUnique({ where: { id: b.id } })).toBeNull();
    } else {
      expect([p.status, del.status]).toEqual([200, 412]);
      expect((await ctx.prisma.realServer.findUniqueOrThrow({ where: { id: b.id } })).weight).toBe(3);
    }
  });

  it("without If-Match the change is refused (428), and a wildcard always matches", async () => {
    const c = await addRs("10.9.0.50");
    expect((await call("PATCH", `${svc}/real-servers/10.9.0.50`, { weight: 2 })).status).toBe(428);
    expect((await call("PATCH", `${svc}/real-servers/10.9.0.50`, { weight: 2 }, { "if-match": c.etag })).status).toBe(200);
    expect((await call("PATCH", `${svc}/real-servers/10.9.0.50`, { weight: 6 }, { "if-match": "*" })).status).toBe(200);
    const stale = await call("PATCH", `${svc}/real-servers/10.9.0.50`, { weight: 8 }, { "if-match": c.etag });
    expect(stale.status).toBe(412);
    expect((await ctx.prisma.realServer.findUniqueOrThrow({ where: { id: c.id } })).weight).toBe(6);
  });
});

describe("a typed RIP that is a real-server host of the cluster", () => {
  it("is linked to that host (createRealServer's lookup; the route adds none of its own)", async () => {
    const h = await call("POST", "/clusters/race/hosts", { name: "rs-linked", address: "10.9.0.60", role: "real_server" });
    expect(h.status).toBe(201);
    const linked = await addRs("10.9.0.60");
    expect((await ctx.prisma.realServer.findUniqueOrThrow({ where: { id: linked.id } })).hostId).toBe(h.body.id);
    const plain = await addRs("10.9.0.61");
    expect((await ctx.prisma.realServer.findUniqueOrThrow({ where: { id: plain.id } })).hostId).toBeNull();
  });
});

describe("GET /clusters", () => {
  it("lists every cluster by name with the same members, counts and last apply as the cluster rows and their summaries", async () => {
    expect((await call("POST", "/clusters", { name: "a-empty", description: "nothing here" })).status).toBe(201);
    expect((await call("POST", "/clusters/race/services", { protocol: "fwmark", fwmark: 7, scheduler: "rr" })).status).toBe(201);
    expect((await call("POST", "/clusters/race/services", { protocol: "udp", address: "10.9.0.100", port: 53, scheduler: "rr" })).status).toBe(201);
    const race = await ctx.prisma.cluster.findUniqueOrThrow({ where: { name: "race" } });
    await ctx.prisma.applyRun.create({ data: { clusterId: race.id, actor: "old@example.test", desired: {}, outcome: "failed", startedAt: new Date(Date.now() - 60_000) } });
    await ctx.prisma.applyRun.create({ data: { clusterId: race.id, actor: "op@example.test", desired: {}, outcome: "succeeded" } });
    const r = await call("GET", "/clusters");
    expect(r.status).toBe(200);
    expect(r.headers.get("etag")).toBeNull();
    const rows = await ctx.prisma.cluster.findMany({ orderBy: { name: "asc" } });
    const counts = async (id: string) => ({
      hostCount: await ctx.prisma.host.count({ where: { clusterId: id } }),
      vipCount: id === race.id ? 2 : 0, // the fwmark service and VIP 10.9.0.100 (tcp:80 and udp:53 share it)
      realServerCount: await ctx.prisma.realServer.count({ where: { virtualService: { clusterId: id } } }),
    });
    const expected = await Promise.all(rows.map(async (c) => ({ ...clusterJson(c), ...(await counts(c.id)),
      lastApply: c.id === race.id ? { at: expect.any(String), outcome: "succeeded", actor: "op@example.test" } : null })));
    expect(r.body).toEqual({ clusters: expected });
    expect(r.body.clusters.map((c: { name: string }) => c.name)).toEqual(["a-empty", "race"]);
    expect(r.body.clusters[1]).toMatchObject({ vipCount: 2, lastApply: { outcome: "succeeded", actor: "op@example.test" } });
    // the overview page reads through the same query, a page at a time
    const page = await overviewPage(ctx.prisma, { q: "rac" });
    expect(page).toMatchObject({ total: 1, page: 1, pages: 1 });
    const raceCounts = await counts(race.id);
    expect(page.rows.map((c) => [c.name, c.hostCount, c.vipCount, c.realServerCount])).toEqual([["race", raceCounts.hostCount, 2, raceCounts.realServerCount]]);
  });
});
