// /api/v1 and the `lvs` remote verbs against a running panel (production build, real PostgreSQL)
// and, for the tutorial, the fuzz's director check and the CLI, the real LVS-DR lab.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/generated/prisma/client";
import { freshDatabase } from "@/test/support/database";
import { acquireLab, assertLabRoute, labEnv, runLab, type LabEnv } from "@/lab/env";
import { revokeApiToken } from "./tokens";
import { api, prismaFor, startPanel, userWithToken, type Panel } from "./testing/panel";

const repo = path.resolve(import.meta.dirname, "../..");
const PORT = Number(process.env.LVS_API_TEST_PORT ?? 3321);
const KEY_SECRET = "api-test-key-secret";

let panel: Panel;
let prisma: PrismaClient;
let dropDb: () => Promise<void>;
let dbUrl: string;
let op: string, viewer: string, admin: string;

function run(cmd: string, args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { cwd: repo, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** Everything the API could change, as comparable JSON (timestamps of token use aside). */
async function snapshot() {
  const [clusters, hosts, services, realServers, runs, audits, users, keys] = await Promise.all([
    prisma.cluster.findMany({ orderBy: { id: "asc" } }), prisma.host.findMany({ orderBy: { id: "asc" } }),
    prisma.virtualService.findMany({ orderBy: { id: "asc" } }), prisma.realServer.findMany({ orderBy: { id: "asc" } }),
    prisma.applyRun.count(), prisma.auditEvent.count(), prisma.user.findMany({ orderBy: { id: "asc" } }), prisma.sshKey.count(),
  ]);
  return JSON.stringify({ clusters, hosts, services, realServers, runs, audits, users, keys });
}

beforeAll(async () => {
  const db = await freshDatabase("lvs_api_int");
  dbUrl = db.url;
  dropDb = db.drop;
  panel = await startPanel({ databaseUrl: db.url, port: PORT });
  prisma = prismaFor(db.url);
  op = (await userWithToken(prisma, "op@example.test", "operator", { name: "deploy" })).token;
  viewer = (await userWithToken(prisma, "viewer@example.test", "viewer", { name: "dashboards" })).token;
  admin = (await userWithToken(prisma, "admin@example.test", "admin", { name: "admin-ci" })).token;
}, 900_000);

afterAll(async () => {
  await panel?.stop();
  await prisma?.$disconnect();
  await dropDb?.();
});

describe("authentication and roles", () => {
  it("refuses a missing, malformed or unknown token with a 401 problem document", async () => {
    for (const [token, detail] of [[null, /Send Authorization/], ["nope", /not a panel API token/], ["lvsp_" + "A".repeat(43), /not known/]] as const) {
      const r = await api(panel.url, token)("GET", "/clusters");
      expect(r.status).toBe(401);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.headers.get("www-authenticate")).toMatch(/^Bearer realm="lvs-panel"/);
      expect(r.body).toMatchObject({ type: "urn:lvs-panel:problem:unauthorized", status: 401, instance: "/api/v1/clusters" });
      expect(r.body.detail).toMatch(detail);
    }
  });

  it("a viewer token reads but cannot change anything", async () => {
    const o = api(panel.url, op);
    expect((await o("POST", "/clusters", { name: "viewer-target" })).status).toBe(201);
    const before = await snapshot();
    const v = api(panel.url, viewer);
    expect((await v("GET", "/clusters")).status).toBe(200);
    const attempts: Array<[string, string, unknown?, Record<string, string>?]> = [
      ["POST", "/clusters", { name: "by-viewer" }],
      ["PATCH", "/clusters/viewer-target", { description: "x" }, { "if-match": '"v1"' }],
      ["DELETE", "/clusters/viewer-target", undefined, { "if-match": '"v1"' }],
      ["POST", "/clusters/viewer-target/services", { protocol: "tcp", address: "10.0.0.1", port: 80, scheduler: "wlc" }],
      ["POST", "/clusters/viewer-target/hosts", { name: "d", address: "10.0.0.2", role: "director" }],
      ["POST", "/clusters/viewer-target/apply"],
      ["POST", "/clusters/viewer-target/prepare"],
    ];
    for (const [m, p, b, h] of attempts) {
      const r = await v(m, p, b, h);
      expect(r.status, `${m} ${p}`).toBe(403);
      expect(r.body.type).toBe("urn:lvs-panel:problem:forbidden");
      expect(r.body.detail).toMatch(/viewer/);
    }
    expect(await snapshot()).toBe(before);
  });

  it("a token is never stronger than its user, now: a demoted operator's token becomes a viewer's", async () => {
    const u = await userWithToken(prisma, "demoted@example.test", "operator");
    const call = api(panel.url, u.token);
    expect((await call("POST", "/clusters", { name: "before-demotion" })).status).toBe(201);
    await prisma.user.update({ where: { id: u.user.id }, data: { role: "viewer" } });
    const r = await call("POST", "/clusters", { name: "after-demotion" });
    expect(r.status).toBe(403);
    expect((await call("GET", "/me")).body.role).toBe("viewer");
    await expect(userWithToken(prisma, "viewer2@example.test", "viewer", { tokenRole: "admin" })).rejects.toThrow(/more rights than you/);
  });

  it("refuses expired and revoked tokens and tokens of disabled users", async () => {
    const e = await userWithToken(prisma, "exp@example.test", "operator");
    expect((await api(panel.url, e.token)("GET", "/me")).status).toBe(200);
    await prisma.apiToken.update({ where: { id: e.tokenId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const r1 = await api(panel.url, e.token)("GET", "/clusters");
    expect([r1.status, r1.body.detail]).toEqual([401, "This token has expired."]);

    const rv = await userWithToken(prisma, "rev@example.test", "operator");
    expect((await api(panel.url, rv.token)("GET", "/me")).status).toBe(200);
    await revokeApiToken(prisma, { id: rv.user.id, email: rv.user.email, role: rv.user.role }, rv.tokenId);
    const r2 = await api(panel.url, rv.token)("POST", "/clusters", { name: "by-revoked" });
    expect([r2.status, r2.body.detail]).toEqual([401, "This token was revoked."]);
    expect(await prisma.cluster.findUnique({ where: { name: "by-revoked" } })).toBeNull();
    expect(await prisma.auditEvent.count({ where: { action: "api-token.revoke" } })).toBeGreaterThan(0);

    const d = await userWithToken(prisma, "dis@example.test", "operator");
    await prisma.user.update({ where: { id: d.user.id }, data: { disabled: true } });
    expect((await api(panel.url, d.token)("GET", "/me")).status).toBe(401);
  });

  it("stores only the token's sha256", async () => {
    const rows = await prisma.apiToken.findMany();
    for (const t of rows) expect(t.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.some((t) => t.tokenHash.includes(op.slice(5)))).toBe(false);
  });
});

describe("concurrency and retries", () => {
  const svc = "/clusters/idem/services/tcp:10.9.0.100:80";
  beforeAll(async () => {
    const o = api(panel.url, op);
    expect((await o("POST", "/clusters", { name: "idem" })).status).toBe(201);
    expect((await o("POST", "/clusters/idem/services", { protocol: "tcp", address: "10.9.0.100", port: 80, scheduler: "wlc" })).status).toBe(201);
  });

  it("a repeated POST with the same Idempotency-Key adds once and answers the same", async () => {
    const o = api(panel.url, op);
    const body = { address: "10.9.0.11", weight: 3 };
    const first = await o("POST", `${svc}/real-servers`, body, { "idempotency-key": "deploy-42-add-rs" });
    expect(first.status).toBe(201);
    const again = await o("POST", `${svc}/real-servers`, body, { "idempotency-key": "deploy-42-add-rs" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    // ten concurrent retries of one step
    const burst = await Promise.all(Array.from({ length: 10 }, () => o("POST", `${svc}/real-servers`, { address: "10.9.0.12" }, { "idempotency-key": "deploy-42-add-rs2" })));
    for (const r of burst) expect([201, 409]).toContain(r.status);
    expect(burst.filter((r) => r.status === 201 && !r.headers.get("idempotent-replayed")).length).toBe(1);
    expect(await prisma.realServer.count({ where: { address: "10.9.0.11" } })).toBe(1);
    expect(await prisma.realServer.count({ where: { address: "10.9.0.12" } })).toBe(1);
    expect(await prisma.auditEvent.count({ where: { action: "real-server.create", target: { contains: "10.9.0.11" } } })).toBe(1);
    // same key, different body: refused, nothing added
    const other = await o("POST", `${svc}/real-servers`, { address: "10.9.0.13" }, { "idempotency-key": "deploy-42-add-rs" });
    expect(other.status).toBe(422);
    expect(other.body.type).toBe("urn:lvs-panel:problem:idempotency-key-reused");
    expect(await prisma.realServer.count({ where: { address: "10.9.0.13" } })).toBe(0);
    // without a key, a repeat is a conflict, not a second row
    const dup = await o("POST", `${svc}/real-servers`, body);
    expect(dup.status).toBe(409);
    expect(dup.body.errors?.[0]).toMatchObject({ field: "address", rule: "unique" });
  });

  it("a stale If-Match is refused with 412 and changes nothing; a missing one with 428", async () => {
    const o = api(panel.url, op);
    const c = await o("GET", "/clusters/idem");
    const etag = c.headers.get("etag")!;
    expect(etag).toBe('"v1"');
    expect((await o("PATCH", "/clusters/idem", { description: "first" }, { "if-match": etag })).status).toBe(200);
    const stale = await o("PATCH", "/clusters/idem", { description: "second" }, { "if-match": etag });
    expect(stale.status).toBe(412);
    expect(stale.body.type).toBe("urn:lvs-panel:problem:precondition-failed");
    expect((await o("PATCH", "/clusters/idem", { description: "third" })).status).toBe(428);
    expect((await o("DELETE", "/clusters/idem", undefined, { "if-match": etag })).status).toBe(412);
    expect((await prisma.cluster.findUniqueOrThrow({ where: { name: "idem" } })).description).toBe("first");

    const s = await o("GET", svc);
    const sEtag = s.headers.get("etag")!;
    const rs = await o("GET", `${svc}/real-servers/10.9.0.11`);
    const rsEtag = rs.headers.get("etag")!;
    expect((await o("POST", `${svc}/real-servers/10.9.0.11/weight`, { weight: 7 }, { "if-match": rsEtag })).status).toBe(200);
    const staleRs = await o("POST", `${svc}/real-servers/10.9.0.11/drain`, undefined, { "if-match": rsEtag });
    expect(staleRs.status).toBe(412);
    expect((await prisma.realServer.findFirstOrThrow({ where: { address: "10.9.0.11" } })).state).toBe("active");
    // a real-server change bumps the service's version: the service's old ETag is stale too
    expect((await o("PATCH", svc, { scheduler: "rr" }, { "if-match": sEtag })).status).toBe(412);
    expect((await o("GET", svc)).body.scheduler).toBe("wlc");
  });
});

describe("bad requests", () => {
  it("answers malformed JSON, wrong media types, wrong types, unknown members, hostile strings and oversize bodies with 4xx problems", async () => {
    const o = api(panel.url, op);
    const before = await snapshot();
    const cases: Array<[string, string, string, Record<string, string>, number, string]> = [
      ["POST", "/clusters", "{\"name\":", {}, 400, "malformed-json"],
      ["POST", "/clusters", "[1,2]", {}, 422, "validation"],
      ["POST", "/clusters", "null", {}, 422, "validation"],
      ["POST", "/clusters", "name=x", { "content-type": "application/x-www-form-urlencoded" }, 415, "unsupported-media-type"],
      ["POST", "/clusters", JSON.stringify({ name: "a".repeat(70_000) }), {}, 413, "payload-too-large"],
      ["POST", "/clusters", JSON.stringify({ name: "$(reboot)" }), {}, 422, "validation"],
      ["POST", "/clusters", JSON.stringify({ name: "ok", defaultForwardingMethod: "dsr" }), {}, 422, "validation"],
      ["POST", "/clusters", JSON.stringify({ name: "ok", __proto__x: 1, ["__proto__"]: { admin: true } }), {}, 422, "validation"],
      ["POST", "/clusters/nope/services", JSON.stringify({ protocol: "tcp" }), {}, 404, "not-found"],
      ["DELETE", "/clusters", "", {}, 405, "method-not-allowed"],
      // refused by scripts/next-server.ts before Next's router (which answered a plain-text 500)
      ["GET", "/clusters/%E0%A4%A", "", {}, 400, "malformed-path"],
      ["DELETE", "/clusters/%ZZ/services/x", "", {}, 400, "malformed-path"],
    ];
    for (const [m, p, body, h, status, slug] of cases) {
      const r = await o(m, p, body || undefined, h);
      expect(r.status, `${m} ${p} ${body.slice(0, 40)}`).toBe(status);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.body.type).toBe(`urn:lvs-panel:problem:${slug}`);
    }
    const typed = await o("POST", "/clusters", { name: 42, description: ["x"], extra: true });
    expect(typed.body.errors).toEqual(expect.arrayContaining([
      { field: "name", rule: "invalid_type:string", message: "must be string, not number" },
      { field: "extra", rule: "unrecognized_key", message: "is not a member of this request" },
    ]));
    const rule = await o("POST", "/clusters", { name: "x y" });
    expect(rule.body.errors[0]).toMatchObject({ field: "name", rule: "invalid_format:regex" });
    expect(await snapshot()).toBe(before);
  });
});

describe("OpenAPI", () => {
  it("serves an OpenAPI 3.1 document with every route, and every non-public operation demands a token", async () => {
    const r = await api(panel.url, null)("GET", "/openapi.json");
    expect(r.status).toBe(200);
    const doc = r.body;
    expect(doc.openapi).toBe("3.1.0");
    const ops = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[]; requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>>)
      .flatMap(([p, ms]) => Object.entries(ms).map(([m, op]) => ({ p, m: m.toUpperCase(), op })));
    expect(ops.length).toBeGreaterThan(25);
    for (const path of ["/clusters/{cluster}/services/{service}/real-servers/{realServer}/drain", "/clusters/{cluster}/apply", "/clusters/{cluster}/applies/{apply}", "/clusters/{cluster}/live", "/clusters/{cluster}/plan"])
      expect(doc.paths[path], path).toBeDefined();
    // the body schemas come from the forms' zod schemas
    const rsBody = doc.paths["/clusters/{cluster}/services/{service}/real-servers"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(rsBody.properties)).toEqual(expect.arrayContaining(["address", "port", "weight", "forwardingMethod", "upperThreshold", "lowerThreshold"]));
    expect(rsBody.properties.virtualServiceId).toBeUndefined();
    const anon = api(panel.url, null);
    for (const { p, m, op } of ops) {
      if (op.security && op.security.length === 0) continue;
      const concrete = p.replace("{cluster}", "x").replace("{service}", "tcp:10.0.0.1:80").replace("{realServer}", "10.0.0.2").replace("{host}", "h").replace("{apply}", "a");
      const res = await anon(m, concrete, m === "GET" || m === "DELETE" ? undefined : {});
      expect(res.status, `${m} ${p}`).toBe(401);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The lab: a token drives the tutorial; the fuzz checks the director's table too; the CLI.
describe("on the LVS-DR lab", () => {
  let env: LabEnv;
  let release: (() => void) | null = null;
  const vip = () => env.vip.current;
  const svcPath = () => `/clusters/lab/services/tcp:${vip()}:80`;
  const directorTable = async () => {
    const r = await runLab(["exec", "director", "ipvsadm", "-S", "-n"], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    release = await acquireLab({ owner: "lib/api/api.int.test.ts", timeoutMs: 900_000 });
    env = await labEnv();
    if (!env.up) {
      const up = await runLab(["up"], { timeoutMs: 600_000 });
      if (up.code !== 0) throw new Error(`lab up failed: ${up.stderr}`);
      env = await labEnv();
    }
    await assertLabRoute(env.hosts.director.address);
    await runLab(["reset"], { timeoutMs: 60_000 });
    const reg = await run(process.execPath, ["--import", "tsx", "lab/register.ts"], { env: { DATABASE_URL: dbUrl, LVS_PANEL_KEY_SECRET: KEY_SECRET } });
    expect(reg.code, reg.stderr).toBe(0);
  }, 1_000_000);

  afterAll(async () => {
    await runLab(["reset"], { timeoutMs: 60_000 }).catch(() => {});
    release?.();
  });

  it("an operator token drives the tutorial: service, two real servers, prepare, apply; lab curl alternates", async () => {
    const o = api(panel.url, op);
    const [rs1, rs2] = env.realServers;
    const s = await o("POST", "/clusters/lab/services", { protocol: "tcp", address: vip(), port: 80, scheduler: "rr" }, { "idempotency-key": "tutorial-svc" });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    for (const rs of [rs1!, rs2!]) expect((await o("POST", `${svcPath()}/real-servers`, { address: rs.address, weight: 1 }, { "idempotency-key": `tutorial-${rs.name}` })).status).toBe(201);
    for (const rs of [rs1!, rs2!]) {
      const p = await o("POST", "/clusters/lab/prepare", { host: rs.name });
      expect(p.status, JSON.stringify(p.body)).toBe(200);
      expect(p.body.hosts[0]).toMatchObject({ host: rs.name, ready: true, error: null });
    }
    const plan = await o("POST", "/clusters/lab/plan");
    expect(plan.body.hosts[0].steps.map((x: { command: string }) => x.command)).toEqual(expect.arrayContaining([`ipvsadm -A -t ${vip()}:80 -s rr`]));
    const a = await o("POST", "/clusters/lab/apply?wait=true", undefined, { "idempotency-key": "tutorial-apply" });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.outcome).toBe("succeeded");
    expect(a.headers.get("location")).toMatch(/\/api\/v1\/clusters\/lab\/applies\/c/);
    const again = await o("POST", "/clusters/lab/apply?wait=true", undefined, { "idempotency-key": "tutorial-apply" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await prisma.applyRun.count()).toBe(1);
    const got = await o("GET", a.headers.get("location")!.replace("/api/v1", ""));
    expect(got.body.steps.every((x: { status: string }) => x.status === "succeeded")).toBe(true);

    const curl = await runLab(["curl", "10"], { timeoutMs: 60_000 });
    expect(curl.code, curl.stdout + curl.stderr).toBe(0);
    const names = curl.stdout.trim().split("\n").map((l) => l.split(/\s/)[0]);
    expect(new Set(names)).toEqual(new Set([rs1!.name, rs2!.name]));
    for (let i = 1; i < names.length; i++) expect(names[i]).not.toBe(names[i - 1]);

    const live = await o("GET", "/clusters/lab/live");
    expect(live.body.ok).toBe(true);
    expect(live.body.driftCount).toBe(0);
    expect(live.body.arp.find((x: { host: string }) => x.host === rs1!.name)).toMatchObject({ ready: true });
  });

  it("a thousands-strong fuzz of bad bodies gets only 4xx problems and changes neither the database nor the director", async () => {
    const o = api(panel.url, op);
    const cluster = await o("GET", "/clusters/lab");
    const service = await o("GET", svcPath());
    const rs = env.realServers[0]!.address;
    const before = await snapshot();
    const table = await directorTable();
    let seed = 20261125;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const hostile = ["$(reboot)", "`id`", "; ipvsadm -C", "10.0.0.1; rm -rf /", "../../etc/passwd", "\u0000", "\u202e", "<script>alert(1)</script>", "' OR 1=1 --",
      "a".repeat(5000), "💥", "-A -t 1.2.3.4:80", "\n-C\n", "%00", "${IFS}", "10.78.0.11\n-C"];
    const wrong = [true, false, null, [], {}, [1], { a: 1 }, -1, 1.5, 1e308, 2 ** 53, "NaN", ""];
    const endpoints: Array<{ m: string; p: string; fields: string[]; h?: Record<string, string> }> = [
      { m: "POST", p: "/clusters", fields: ["name", "description", "defaultForwardingMethod"] },
      { m: "PATCH", p: "/clusters/lab", fields: ["name", "description", "defaultForwardingMethod"], h: { "if-match": cluster.headers.get("etag")! } },
      { m: "POST", p: "/clusters/lab/hosts", fields: ["name", "address", "sshPort", "sshUser", "sshKeyId", "role"] },
      { m: "POST", p: "/clusters/lab/services", fields: ["protocol", "address", "port", "fwmark", "scheduler", "persistenceTimeout", "persistenceNetmask", "sorryAddress", "sorryPort"] },
      { m: "PATCH", p: svcPath(), fields: ["protocol", "address", "port", "scheduler", "persistenceTimeout", "onePacket"], h: { "if-match": service.headers.get("etag")! } },
      { m: "POST", p: `${svcPath()}/real-servers`, fields: ["address", "port", "weight", "forwardingMethod", "upperThreshold", "lowerThreshold", "hostId"] },
      // If-Match * (any version) so the body is judged, not the missing precondition (428)
      { m: "PATCH", p: `${svcPath()}/real-servers/${rs}`, fields: ["address", "port", "weight", "forwardingMethod", "upperThreshold", "lowerThreshold"], h: { "if-match": "*" } },
      { m: "POST", p: `${svcPath()}/real-servers/${rs}/weight`, fields: ["weight"], h: { "if-match": "*" } },
      { m: "POST", p: `${svcPath()}/real-servers/${rs}/drain`, fields: [], h: { "if-match": "*" } },
      { m: "POST", p: `${svcPath()}/real-servers/${rs}/disable`, fields: [], h: { "if-match": "*" } },
      { m: "POST", p: "/clusters/lab/apply", fields: [] },
      { m: "POST", p: "/clusters/lab/prepare", fields: ["host"] },
      { m: "POST", p: "/clusters/lab/hosts/rs1/host-key", fields: ["fingerprint"] },
    ];
    /** Each body carries at least one thing that must be refused, plus hostile noise elsewhere. */
    const badBody = (fields: string[]): { text: string; headers: Record<string, string> } => {
      const kind = Math.floor(rnd() * 6);
      if (kind === 0) return { text: pick(["{", "{\"a\":}", "[", "nul", "{'a':1}", "{\"a\":1,}", "\u0000", "{\"a\":\"\\u12\"}"]), headers: {} };
      if (kind === 1) return { text: JSON.stringify(pick([[], [{}], "x", 1, null, true])), headers: {} };
      if (kind === 2) return { text: JSON.stringify({ x: "y".repeat(70_000) }), headers: {} };
      if (kind === 3) return { text: "a=1", headers: { "content-type": pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]) } };
      const body: Record<string, unknown> = {};
      for (const f of fields) if (rnd() < 0.5) body[f] = pick(hostile);
      // defineProperty: `body["__proto__"] = v` would set the prototype, not a member
      if (kind === 4 || !fields.length) Object.defineProperty(body, pick(["__proto__", "constructor", "isAdmin", "clusterId", "virtualServiceId", "id", "version", pick(hostile)]), { value: pick([...hostile, ...wrong]), enumerable: true, configurable: true, writable: true });
      else body[pick(fields)] = pick([[], {}, [1], { a: 1 }, 1.5, 1e308]);
      if (!Object.keys(body).length) throw new Error("fuzz generated an empty body");
      return { text: JSON.stringify(body), headers: { "idempotency-key": rnd() < 0.3 ? `fuzz-${Math.floor(rnd() * 1e9)}` : "" } };
    };
    const statuses = new Map<number, number>();
    const N = 2600;
    let i = 0;
    const worker = async () => {
      while (i < N) {
        i++;
        const e = pick(endpoints);
        const b = badBody(e.fields);
        const headers: Record<string, string> = { ...(e.h ?? {}), ...b.headers };
        if (!headers["idempotency-key"]) delete headers["idempotency-key"];
        if (e.m !== "POST") delete headers["idempotency-key"];
        const r = await o(e.m, e.p, b.text, headers);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        expect(r.status >= 400 && r.status < 500, `${e.m} ${e.p} ${b.text.slice(0, 200)} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`).toBe(true);
        expect(r.headers.get("content-type")).toBe("application/problem+json");
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log(`fuzz: ${N} bad bodies over ${endpoints.length} endpoints → ${[...statuses].sort().map(([s, n]) => `${s}×${n}`).join(" ")}`);
    expect(await snapshot()).toBe(before);
    expect(await directorTable()).toBe(table);
  });

  it("the lvs CLI: login (0600), clusters, rs drain --apply, status with ARP state, weight, and exit codes", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-cli-"));
    const cliEnv = { XDG_CONFIG_HOME: home, LVS_URL: "", LVS_TOKEN: "" };
    const lvs = (args: string[], input?: string, env: Record<string, string> = cliEnv) => run(process.execPath, ["bin/lvs.mjs", ...args], { env, input, timeoutMs: 300_000 });
    expect((await lvs(["clusters"])).code).toBe(5); // not logged in
    const login = await lvs(["login", panel.url], `${op}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/as op@example\.test \(token deploy, role operator\)/);
    const cfg = path.join(home, "lvs", "config.json");
    expect(fs.statSync(cfg).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(cfg, "utf8"))).toEqual({ url: panel.url, token: op });

    const cl = await lvs(["clusters", "--json"]);
    expect(cl.code).toBe(0);
    expect(JSON.parse(cl.stdout).clusters.map((c: { name: string }) => c.name)).toContain("lab");

    const [rs1, rs2] = env.realServers;
    const svc = `${vip()}:80`;
    const drain = await lvs(["rs", "drain", "lab", svc, rs2!.address, "--apply"]);
    expect(drain.code, drain.stdout + drain.stderr).toBe(0);
    expect(drain.stdout).toMatch(/weight 1 draining/);
    expect(drain.stdout).toMatch(/: succeeded/);
    expect(await directorTable()).toMatch(new RegExp(`-a -t ${vip()}:80 -r ${rs2!.address}:80 -g -w 0`));
    const curl = await runLab(["curl", "6"], { timeoutMs: 60_000 });
    expect(curl.stdout.trim().split("\n").every((l) => l.startsWith(rs1!.name))).toBe(true);

    const st = await lvs(["status", "lab"]);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(new RegExp(`TCP  ${vip().replace(/\./g, "\\.")}:80 rr`));
    expect(st.stdout).toMatch(new RegExp(`-> ${rs2!.address}:80 +Route +0 .*ok ${rs2!.name} arp_ignore=1 arp_announce=2`));
    expect(st.stdout).toMatch(/in sync with the desired state/);
    const stj = await lvs(["status", "lab", "--json"]);
    expect(JSON.parse(stj.stdout).rows.length).toBe(3);

    const w = await lvs(["rs", "weight", "lab", svc, rs1!.address, "5", "--json"]);
    expect([w.code, JSON.parse(w.stdout).weight]).toEqual([0, 5]);
    const plan = await lvs(["plan", "lab"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`ipvsadm -e -t ${vip()}:80 -r ${rs1!.address}:80 .*-w 5`));
    expect((await lvs(["apply", "lab"])).code).toBe(0);

    expect((await lvs(["rs", "add", "lab", svc, rs1!.address])).code).toBe(7); // exists
    const nf = await lvs(["rs", "drain", "lab", svc, "10.78.0.99"]);
    expect([nf.code, nf.stderr]).toEqual([6, expect.stringMatching(/No real server/)]);
    expect((await lvs(["rs", "weight", "lab", svc, rs1!.address, "lots"])).code).toBe(2);
    expect((await lvs(["rs", "drain", "nope", svc, rs1!.address])).code).toBe(6);
    expect((await lvs(["clusters"], undefined, { ...cliEnv, LVS_URL: "http://127.0.0.1:9", LVS_TOKEN: op })).code).toBe(8);
    const asViewer = await lvs(["rs", "disable", "lab", svc, rs1!.address], undefined, { ...cliEnv, LVS_URL: panel.url, LVS_TOKEN: viewer });
    expect([asViewer.code, asViewer.stderr]).toEqual([5, expect.stringMatching(/viewer/)]);
    // the local planner still answers `lvs plan --desired …`
    expect((await lvs(["plan", "--desired"])).code).toBe(2);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("every API mutation is in the audit log under the token's name", async () => {
    const events = await prisma.auditEvent.findMany({ where: { actor: "op@example.test (API token deploy)" } });
    const actions = new Set(events.map((e) => e.action));
    for (const a of ["virtual-service.create", "real-server.create", "real-server.prepare", "cluster.apply", "real-server.drain", "real-server.update"]) expect(actions, a).toContain(a);
    expect(admin).toMatch(/^lvsp_/);
  });
});
