// Director HA over /api/v1, in-process (the route table called with Requests) on real PostgreSQL:
// the settings (validation, roles, If-Match, the write-only password), each director's priority on
// the host routes, the directors' HA state from stored readings (stale → unknown, split brain), and
// the failover route's refusals. No lab: nothing here reaches a director.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveDirectorState } from "@/lib/data/ha";
import { expectedFailoverMs, HA_POLL_MS, type DirectorHaReading } from "@/lib/ha/model";
import { migratedDatabase } from "@/test/support/database";
import { apiDocument } from "./routes";
import { inProcessApi } from "./testing/in-process";
import { userWithToken } from "./testing/panel";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let op = "", viewer = "";
let as = "";
const call = inProcessApi(() => as);
const asOp = async (...a: Parameters<typeof call>) => { as = op; return call(...a); };
const asViewer = async (...a: Parameters<typeof call>) => { as = viewer; return call(...a); };
const fields = (body: { errors?: Array<{ field: string }> }) => (body.errors ?? []).map((e) => e.field).sort();

const reading = (state: DirectorHaReading["vrrpState"], vipsHeld: string[], extra: Partial<DirectorHaReading> = {}): DirectorHaReading =>
  ({ keepalived: "running", vrrpState: state, vipsHeld, syncDaemon: state === "MASTER" ? "master" : "backup", syncedConns: 3, behind: false, ...extra });

beforeAll(async () => {
  ctx = await migratedDatabase("lvs_api_ha");
  process.env.DATABASE_URL = ctx.url;
  op = (await userWithToken(ctx.prisma, "op@example.test", "operator", { name: "ha-op" })).token;
  viewer = (await userWithToken(ctx.prisma, "viewer@example.test", "viewer", { name: "ha-viewer" })).token;
  expect((await asOp("POST", "/clusters", { name: "pair" })).status).toBe(201);
  expect((await asOp("POST", "/clusters", { name: "single" })).status).toBe(201);
  expect((await asOp("POST", "/clusters/pair/services", { protocol: "tcp", address: "10.8.0.100", port: 80, scheduler: "wlc" })).status).toBe(201);
}, 300_000);

afterAll(async () => {
  await ctx?.close();
});

describe("a director's VRRP priority on the host routes", () => {
  it("is set on create (directors only, 1-254) and shown on GET; real servers have none", async () => {
    const d1 = await asOp("POST", "/clusters/pair/hosts", { name: "director1", address: "10.8.0.1", role: "director", vrrpPriority: 150 });
    expect([d1.status, d1.body.vrrpPriority]).toEqual([201, 150]);
    const d2 = await asOp("POST", "/clusters/pair/hosts", { name: "director2", address: "10.8.0.2", role: "director" });
    expect([d2.status, d2.body.vrrpPriority]).toEqual([201, 100]);
    const rs = await asOp("POST", "/clusters/pair/hosts", { name: "rs1", address: "10.8.0.11", role: "real_server" });
    expect([rs.status, rs.body.vrrpPriority]).toEqual([201, null]);
    expect((await asOp("POST", "/clusters/single/hosts", { name: "only", address: "10.8.1.1", role: "director" })).status).toBe(201);

    const bad = await asOp("POST", "/clusters/pair/hosts", { name: "rs2", address: "10.8.0.12", role: "real_server", vrrpPriority: 50 });
    expect([bad.status, fields(bad.body)]).toEqual([422, ["vrrpPriority"]]);
    for (const p of [0, 255, 1.5, "abc"]) {
      const r = await asOp("POST", "/clusters/pair/hosts", { name: "d3", address: "10.8.0.3", role: "director", vrrpPriority: p });
      expect([r.status, fields(r.body)], String(p)).toEqual([422, ["vrrpPriority"]]);
    }
    expect((await asOp("GET", "/clusters/pair/hosts/director1")).body.vrrpPriority).toBe(150);
  });

  it("is changed by PATCH with If-Match (428 without, 412 stale), audited; a real server's is refused", async () => {
    const got = await asOp("GET", "/clusters/pair/hosts/director2");
    const etag = got.headers.get("etag")!;
    expect((await asOp("PATCH", "/clusters/pair/hosts/director2", { vrrpPriority: 120 })).status).toBe(428);
    expect((await asViewer("PATCH", "/clusters/pair/hosts/director2", { vrrpPriority: 120 }, { "if-match": etag })).status).toBe(403);
    const ok = await asOp("PATCH", "/clusters/pair/hosts/director2", { vrrpPriority: 120 }, { "if-match": etag });
    expect([ok.status, ok.body.vrrpPriority, ok.body.address, ok.body.name]).toEqual([200, 120, "10.8.0.2", "director2"]);
    expect(ok.headers.get("etag")).not.toBe(etag);
    const stale = await asOp("PATCH", "/clusters/pair/hosts/director2", { vrrpPriority: 90 }, { "if-match": etag });
    expect(stale.status).toBe(412);
    expect((await ctx.prisma.host.findFirstOrThrow({ where: { name: "director2" } })).vrrpPriority).toBe(120);
    const ev = await ctx.prisma.auditEvent.findFirstOrThrow({ where: { action: "host.update", target: "host:pair/director2" }, orderBy: { createdAt: "desc" } });
    expect([(ev.before as { vrrpPriority: number }).vrrpPriority, (ev.after as { vrrpPriority: number }).vrrpPriority]).toEqual([100, 120]);

    const rs = await asOp("GET", "/clusters/pair/hosts/rs1");
    const r = await asOp("PATCH", "/clusters/pair/hosts/rs1", { vrrpPriority: 10 }, { "if-match": rs.headers.get("etag")! });
    expect([r.status, fields(r.body)]).toEqual([422, ["vrrpPriority"]]);
  });
});

describe("PATCH /clusters/{cluster}/ha", () => {
  const etag = async (c = "pair") => (await asOp("GET", `/clusters/${c}/ha`)).headers.get("etag")!;

  it("shows the settings, the password only as set / not set", async () => {
    const r = await asViewer("GET", "/clusters/pair/ha");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ haEnabled: false, vrrpRouterId: 51, vrrpInterface: "eth0", vrrpAdvertInt: 1, vrrpPreempt: true, vrrpUnicast: true, vrrpAuthPassSet: false, syncDaemon: true });
    expect(r.headers.get("etag")).toBe(r.body.etag);
  });

  it("needs If-Match and the edit permission", async () => {
    expect((await asOp("PATCH", "/clusters/pair/ha", { haEnabled: true })).status).toBe(428);
    const v = await asViewer("PATCH", "/clusters/pair/ha", { haEnabled: true }, { "if-match": await etag() });
    expect([v.status, v.body.type]).toEqual([403, "urn:lvs-panel:problem:forbidden"]);
    expect((await asOp("GET", "/clusters/pair/ha")).body.haEnabled).toBe(false);
  });

  it("names every bad member", async () => {
    const r = await asOp("PATCH", "/clusters/pair/ha", { vrrpRouterId: 0, vrrpInterface: "eth 0", vrrpAdvertInt: 0, vrrpPreemptDelay: 5000, vrrpAuthPass: "123456789" },
      { "if-match": await etag() });
    expect(r.status).toBe(422);
    expect(fields(r.body)).toEqual(["vrrpAdvertInt", "vrrpAuthPass", "vrrpInterface", "vrrpPreemptDelay", "vrrpRouterId"]);
    const types = await asOp("PATCH", "/clusters/pair/ha", { haEnabled: "yes", vrrpRouterId: "51", nope: 1 }, { "if-match": await etag() });
    expect([types.status, fields(types.body)]).toEqual([422, ["haEnabled", "nope", "vrrpRouterId"]]);
    expect(types.body.errors.find((e: { field: string }) => e.field === "haEnabled").rule).toBe("invalid_type:boolean");
  });

  it("refuses HA with one director, naming the field", async () => {
    const r = await asOp("PATCH", "/clusters/single/ha", { haEnabled: true }, { "if-match": await etag("single") });
    expect([r.status, fields(r.body)]).toEqual([422, ["haEnabled"]]);
    expect(r.body.detail).toMatch(/needs two directors; single has 1/);
  });

  it("turns HA on with a password, keeps it when omitted, removes it with null; audits without it", async () => {
    const on = await asOp("PATCH", "/clusters/pair/ha", { haEnabled: true, vrrpRouterId: 77, vrrpInterface: "ens3", vrrpAuthPass: "s3cret" }, { "if-match": await etag() });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ haEnabled: true, vrrpRouterId: 77, vrrpInterface: "ens3", vrrpAuthPassSet: true });
    expect(JSON.stringify(on.body)).not.toContain("s3cret");
    expect((await ctx.prisma.cluster.findUniqueOrThrow({ where: { name: "pair" } })).vrrpAuthPass).toBe("s3cret");

    const keep = await asOp("PATCH", "/clusters/pair/ha", { vrrpAdvertInt: 2 }, { "if-match": on.headers.get("etag")! });
    expect(keep.body).toMatchObject({ vrrpAdvertInt: 2, vrrpAuthPassSet: true, vrrpRouterId: 77, haEnabled: true });
    const stale = await asOp("PATCH", "/clusters/pair/ha", { vrrpAdvertInt: 2 }, { "if-match": on.headers.get("etag")! });
    expect(stale.status).toBe(412);

    const cleared = await asOp("PATCH", "/clusters/pair/ha", { vrrpAuthPass: null, vrrpAdvertInt: 1 }, { "if-match": keep.headers.get("etag")! });
    expect(cleared.body).toMatchObject({ vrrpAuthPassSet: false, vrrpAdvertInt: 1 });
    const audits = await ctx.prisma.auditEvent.findMany({ where: { action: "cluster.ha" } });
    expect(audits.length).toBe(3);
    expect(JSON.stringify(audits)).not.toContain("s3cret");
  });
});

describe("GET /clusters/{cluster}/directors", () => {
  const ids = async () => Object.fromEntries((await ctx.prisma.host.findMany({ where: { role: "director", cluster: { name: "pair" } } })).map((h) => [h.name, h.id]));

  it("each director's priority and VRRP state, the expected failover time", async () => {
    const id = await ids();
    await saveDirectorState(ctx.prisma, id.director1!, reading("MASTER", ["10.8.0.100"]), null);
    await saveDirectorState(ctx.prisma, id.director2!, reading("BACKUP", [], { syncedConns: 7 }), null);
    const r = await asViewer("GET", "/clusters/pair/directors");
    expect(r.status).toBe(200);
    expect(r.body.directors.map((d: Record<string, unknown>) => [d.name, d.priority, d.state, d.vipsHeld, d.syncDaemon, d.syncedConns, d.behind])).toEqual([
      ["director1", 150, "MASTER", ["10.8.0.100"], "master", 3, false],
      ["director2", 120, "BACKUP", [], "backup", 7, false],
    ]);
    expect(r.body.splitBrain).toBeNull();
    expect(r.body.failover).toEqual({ backup: "director2", priority: 120, expectedMs: expectedFailoverMs(1, 120) });
    expect(r.body.pollMs).toBe(HA_POLL_MS);
  });

  it("split brain names the VIP and both holders", async () => {
    const id = await ids();
    await saveDirectorState(ctx.prisma, id.director2!, reading("MASTER", ["10.8.0.100"]), null);
    const r = await asOp("GET", "/clusters/pair/directors");
    expect(r.body.splitBrain).toEqual({ vips: [{ vip: "10.8.0.100", holders: ["director1", "director2"] }], masters: ["director1", "director2"] });
  });

  it("a reading older than two polls is unknown (never a stale MASTER), a read error and behind are shown", async () => {
    const id = await ids();
    await ctx.prisma.directorState.update({ where: { hostId: id.director1! }, data: { readAt: new Date(Date.now() - 3 * HA_POLL_MS) } });
    await saveDirectorState(ctx.prisma, id.director2!, null, "unreachable: connect ETIMEDOUT");
    await ctx.prisma.directorState.update({ where: { hostId: id.director2! }, data: { behind: true } });
    const r = await asOp("GET", "/clusters/pair/directors");
    const [d1, d2] = r.body.directors;
    expect([d1.state, d1.stale, d2.state, d2.error, d2.behind]).toEqual(["unknown", true, "unknown", "unreachable: connect ETIMEDOUT", true]);
    expect(r.body.splitBrain).toBeNull();
    // director2 is behind: no backup can take over
    expect(r.body.failover).toBeNull();
  });
});

describe("POST /clusters/{cluster}/failover", () => {
  it("needs the apply permission and a valid body", async () => {
    const v = await asViewer("POST", "/clusters/pair/failover", {});
    expect([v.status, v.body.detail]).toEqual([403, expect.stringMatching(/viewer/)]);
    const bad = await asOp("POST", "/clusters/pair/failover", { to: 5 });
    expect([bad.status, fields(bad.body)]).toEqual([422, ["to"]]);
    const unknown = await asOp("POST", "/clusters/pair/failover", { whom: "x" });
    expect([unknown.status, fields(unknown.body)]).toEqual([422, ["whom"]]);
  });

  it("is refused on a cluster without director HA, saying why", async () => {
    const r = await asOp("POST", "/clusters/single/failover", {});
    expect([r.status, r.body.detail]).toEqual([409, "single has no director HA: there is no backup to switch over to."]);
    expect(await ctx.prisma.auditEvent.count({ where: { action: "cluster.failover" } })).toBe(0);
  });
});

describe("the OpenAPI document", () => {
  it("has the HA routes and the priority on the host bodies", () => {
    const doc = apiDocument() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; "x-permission"?: string }>> };
    const p = doc.paths;
    expect(Object.keys(p["/clusters/{cluster}/ha"]!).sort()).toEqual(["get", "patch"]);
    expect(p["/clusters/{cluster}/directors"]!.get).toBeDefined();
    expect(p["/clusters/{cluster}/failover"]!.post!["x-permission"]).toBe("apply");
    const haProps = Object.keys(p["/clusters/{cluster}/ha"]!.patch!.requestBody!.content["application/json"]!.schema.properties).sort();
    expect(haProps).toEqual(["haEnabled", "syncDaemon", "vrrpAdvertInt", "vrrpAuthPass", "vrrpInterface", "vrrpPreempt", "vrrpPreemptDelay", "vrrpRouterId", "vrrpUnicast"]);
    expect(p["/clusters/{cluster}/hosts"]!.post!.requestBody!.content["application/json"]!.schema.properties).toHaveProperty("vrrpPriority");
    expect(p["/clusters/{cluster}/hosts/{host}"]!.patch!.requestBody!.content["application/json"]!.schema.properties).toHaveProperty("vrrpPriority");
  });
});
