// Lost updates against real PostgreSQL: two edits made from the same page (the same version) race,
// exactly one lands and the other is refused with "changed by someone else" and changes nothing. The
// lib functions are the ones the server actions call with the form's hidden version; the API routes
// are called through the router in this process. Also: two admins demoting each other at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StaleError } from "@/lib/errors";
import { inProcessApi } from "@/lib/api/testing/in-process";
import { userWithToken } from "@/lib/api/testing/panel";
import { setUserRoleAndState } from "@/lib/data/users";
import { migratedDatabase } from "@/test/support/database";
import { saveHealthCheck } from "@/lib/data/health-checks";
import { deleteRealServer, setRealServerState, updateRealServer } from "@/lib/data/virtual-services";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let token = "";
let vsId = "";
let clusterId = "";

const call = inProcessApi(() => token);
const svc = "/clusters/lost/services/tcp:10.9.1.100:80";

beforeAll(async () => {
  ctx = await migratedDatabase("lvs_lost_updates_integrity");
  process.env.DATABASE_URL = ctx.url;
  token = (await userWithToken(ctx.prisma, "op@example.test", "operator", { name: "lost" })).token;
  expect((await call("POST", "/clusters", { name: "lost" })).status).toBe(201);
  expect((await call("POST", "/clusters/lost/services", { protocol: "tcp", address: "10.9.1.100", port: 80, scheduler: "wlc" })).status).toBe(201);
  const vs = await ctx.prisma.virtualService.findFirstOrThrow({ where: { address: "10.9.1.100" } });
  vsId = vs.id;
  clusterId = vs.clusterId;
}, 300_000);
afterAll(async () => { await ctx?.close(); });

async function addRs(address: string) {
  expect((await call("POST", `${svc}/real-servers`, { address, weight: 1 })).status).toBe(201);
  return ctx.prisma.realServer.findFirstOrThrow({ where: { virtualServiceId: vsId, address } });
}
const form = (r: { id: string; address: string; port: number; forwardingMethod: "route" | "masq" | "tunnel" }, version: number, weight: number) => ({
  virtualServiceId: vsId, hostId: null, address: r.address, port: r.port, weight, forwardingMethod: r.forwardingMethod,
  upperThreshold: 0, lowerThreshold: 0, id: r.id, version,
});

describe("real servers: every change carries its version", () => {
  it("two state changes from one rendered page (drain, disable): one lands, the other is refused and changes nothing", async () => {
    for (let round = 0; round < 4; round++) {
      const r = await addRs(`10.9.1.${10 + round}`);
      const audits = await ctx.prisma.auditEvent.count({ where: { target: { contains: r.address } } });
      const res = await Promise.allSettled([
        setRealServerState(ctx.prisma, { actor: "a@x", source: "ui" }, r.id, "draining", r.version),
        setRealServerState(ctx.prisma, { actor: "b@x", source: "ui" }, r.id, "disabled", r.version),
      ]);
      expect(res.map((x) => x.status).sort(), `round ${round}`).toEqual(["fulfilled", "rejected"]);
      const lost = res.find((x) => x.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(StaleError);
      expect(String(lost.reason.message)).toMatch(/changed by someone else since you opened it\. Reload/);
      const won = res.findIndex((x) => x.status === "fulfilled");
      const now = await ctx.prisma.realServer.findUniqueOrThrow({ where: { id: r.id } });
      expect(now.state).toBe(won === 0 ? "draining" : "disabled");
      expect(now.version).toBe(r.version + 1);
      expect(await ctx.prisma.auditEvent.count({ where: { target: { contains: r.address } } })).toBe(audits + 1);
    }
  });

  it("an edit and a removal from the same version: one of them, never both", async () => {
    const r = await addRs("10.9.1.30");
    const res = await Promise.allSettled([updateRealServer(ctx.prisma, { actor: "a@x", source: "ui" }, form(r, r.version, 7)), deleteRealServer(ctx.prisma, { actor: "b@x", source: "ui" }, r.id, r.version)]);
    expect(res.filter((x) => x.status === "fulfilled")).toHaveLength(1);
    const now = await ctx.prisma.realServer.findUnique({ where: { id: r.id } });
    if (res[0]!.status === "fulfilled") expect(now?.weight).toBe(7);
    else expect(now).toBeNull();
  });

  it("a stale version (someone saved since the page was opened) is refused", async () => {
    const r = await addRs("10.9.1.31");
    await updateRealServer(ctx.prisma, { actor: "a@x", source: "ui" }, form(r, r.version, 3));
    await expect(deleteRealServer(ctx.prisma, { actor: "b@x", source: "ui" }, r.id, r.version)).rejects.toBeInstanceOf(StaleError);
    await expect(setRealServerState(ctx.prisma, { actor: "b@x", source: "ui" }, r.id, "disabled", r.version)).rejects.toBeInstanceOf(StaleError);
    expect(await ctx.prisma.realServer.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ weight: 3, state: "active", version: r.version + 1 });
  });
});

describe("the API requires If-Match on every change of a real server and on a host's removal", () => {
  it("428 without If-Match, and nothing changes", async () => {
    const r = await addRs("10.9.1.40");
    const base = `${svc}/real-servers/10.9.1.40`;
    for (const [m, p, body] of [["PATCH", base, { weight: 5 }], ["POST", `${base}/weight`, { weight: 5 }], ["POST", `${base}/drain`, undefined], ["DELETE", base, undefined]] as const) {
      const res = await call(m, p, body);
      expect(res.status, `${m} ${p}`).toBe(428);
      expect(res.body.type).toBe("urn:lvs-panel:problem:precondition-required");
    }
    expect(await ctx.prisma.realServer.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ weight: 1, state: "active", version: r.version });
    const got = await call("GET", base);
    expect(got.headers.get("etag")).toBe(`"v${r.version}"`);
    expect((await call("POST", `${base}/drain`, undefined, { "if-match": got.headers.get("etag")! })).status).toBe(200);
    expect((await call("DELETE", base, undefined, { "if-match": got.headers.get("etag")! })).status).toBe(412);
  });

  it("a host's DELETE: 428 without If-Match, 412 with a stale one, 204 with the current one", async () => {
    const h = await call("POST", "/clusters/lost/hosts", { name: "rs-del", address: "10.9.1.60", role: "real_server" });
    expect(h.status).toBe(201);
    expect((await call("DELETE", "/clusters/lost/hosts/rs-del")).status).toBe(428);
    const etag = h.headers.get("etag")!;
    await ctx.prisma.host.update({ where: { id: h.body.id }, data: { sshUser: "lab" } }); // changed since read
    expect((await call("DELETE", "/clusters/lost/hosts/rs-del", undefined, { "if-match": etag })).status).toBe(412);
    expect(await ctx.prisma.host.findUnique({ where: { id: h.body.id } })).not.toBeNull();
    const now = await call("GET", "/clusters/lost/hosts/rs-del");
    expect((await call("DELETE", "/clusters/lost/hosts/rs-del", undefined, { "if-match": now.headers.get("etag")! })).status).toBe(204);
  });
});

describe("health-check saves check the version", () => {
  const check = { enabled: true, kind: "tcp" as const, port: null, path: "/", hostHeader: null, expectStatus: "200-399", bodyContains: null,
    intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 3, runFrom: "director" as const, onFail: "quiesce" as const, quorum: 1 };

  it("two first saves (both opened with no check): one creates it, the other is refused", async () => {
    const res = await Promise.allSettled([
      saveHealthCheck(ctx.prisma, { actor: "a@x", source: "ui" }, { ...check, virtualServiceId: vsId, version: 0, fall: 4 }),
      saveHealthCheck(ctx.prisma, { actor: "b@x", source: "ui" }, { ...check, virtualServiceId: vsId, version: 0, fall: 5 }),
    ]);
    expect(res.map((x) => x.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((res.find((x) => x.status === "rejected") as PromiseRejectedResult).reason).toBeInstanceOf(StaleError);
    const hc = await ctx.prisma.healthCheck.findUniqueOrThrow({ where: { virtualServiceId: vsId } });
    expect(hc.fall).toBe(res[0]!.status === "fulfilled" ? 4 : 5);
    expect(hc.version).toBe(1);
  });

  it("two saves from one version: one lands, the other is refused; a stale one later too", async () => {
    const v = (await ctx.prisma.healthCheck.findUniqueOrThrow({ where: { virtualServiceId: vsId } })).version;
    const res = await Promise.allSettled([
      saveHealthCheck(ctx.prisma, { actor: "a@x", source: "ui" }, { ...check, virtualServiceId: vsId, version: v, rise: 6 }),
      saveHealthCheck(ctx.prisma, { actor: "b@x", source: "ui" }, { ...check, virtualServiceId: vsId, version: v, rise: 7 }),
    ]);
    expect(res.map((x) => x.status).sort()).toEqual(["fulfilled", "rejected"]);
    const hc = await ctx.prisma.healthCheck.findUniqueOrThrow({ where: { virtualServiceId: vsId } });
    expect([hc.rise, hc.version]).toEqual([res[0]!.status === "fulfilled" ? 6 : 7, v + 1]);
    await expect(saveHealthCheck(ctx.prisma, { actor: "c@x", source: "ui" }, { ...check, virtualServiceId: vsId, version: v, rise: 9 })).rejects.toBeInstanceOf(StaleError);
    await expect(saveHealthCheck(ctx.prisma, { actor: "c@x", source: "ui" }, { ...check, virtualServiceId: vsId, version: 0, rise: 9 })).rejects.toBeInstanceOf(StaleError);
    expect((await ctx.prisma.healthCheck.findUniqueOrThrow({ where: { virtualServiceId: vsId } })).rise).toBe(hc.rise);
    expect(clusterId).not.toBe("");
  });
});

describe("the last-admin check holds under concurrency", () => {
  it("the last two admins demoting each other at once: one is refused, one admin remains", async () => {
    for (let round = 0; round < 4; round++) {
      await ctx.prisma.user.updateMany({ where: { role: "admin" }, data: { role: "operator" } });
      const a = await ctx.prisma.user.create({ data: { email: `a${round}@x.test`, name: "A", role: "admin", passwordHash: "x" } });
      const b = await ctx.prisma.user.create({ data: { email: `b${round}@x.test`, name: "B", role: "admin", passwordHash: "x" } });
      const res = await Promise.allSettled([
        setUserRoleAndState(ctx.prisma, { id: a.id, email: a.email }, b.id, { role: "viewer", disabled: false }, b.updatedAt.toISOString()),
        setUserRoleAndState(ctx.prisma, { id: b.id, email: b.email }, a.id, { role: "viewer", disabled: false }, a.updatedAt.toISOString()),
      ]);
      expect(res.map((x) => x.status).sort(), `round ${round}`).toEqual(["fulfilled", "rejected"]);
      expect(String((res.find((x) => x.status === "rejected") as PromiseRejectedResult).reason.message)).toMatch(/last active admin/);
      expect(await ctx.prisma.user.count({ where: { role: "admin", disabled: false } })).toBe(1);
    }
  });

  it("a change to a user someone changed since the page was opened is refused", async () => {
    const admin = await ctx.prisma.user.findFirstOrThrow({ where: { role: "admin" } });
    const u = await ctx.prisma.user.create({ data: { email: "stale@x.test", name: "S", role: "viewer", passwordHash: "x" } });
    await setUserRoleAndState(ctx.prisma, admin, u.id, { role: "operator", disabled: false }, u.updatedAt.toISOString());
    await expect(setUserRoleAndState(ctx.prisma, admin, u.id, { role: "viewer", disabled: true }, u.updatedAt.toISOString())).rejects.toBeInstanceOf(StaleError);
    expect(await ctx.prisma.user.findUniqueOrThrow({ where: { id: u.id } })).toMatchObject({ role: "operator", disabled: false });
  });
});
