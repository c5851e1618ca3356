// Config as code over /api/v1, through the router in this process, on real PostgreSQL: export in the
// three formats, PUT the document (twice: the second is a no-op), a bad value refused naming its path,
// the diff, versions with a diff between two, rollback, and the keepalived.conf import (preview, then confirm).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { inProcessApi } from "@/lib/api/testing/in-process";
import { userWithToken } from "@/lib/api/testing/panel";
import { migratedDatabase } from "@/test/support/database";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let token = "";
const call = inProcessApi(() => token);
const D = "/clusters/cac/document";

const doc = {
  version: 1, cluster: { name: "cac", description: "api" },
  services: [
    { protocol: "tcp", address: "10.8.0.100", port: 80, scheduler: "rr", realServers: [{ address: "10.8.0.11" }, { address: "10.8.0.12", weight: 2 }] },
    { protocol: "tcp", address: "10.8.0.101", port: 443, forward: "masq", realServers: [{ address: "192.168.8.11", port: 8443 }] },
  ],
};

beforeAll(async () => {
  ctx = await migratedDatabase("lvs_document_api");
  process.env.DATABASE_URL = ctx.url;
  token = (await userWithToken(ctx.prisma, "op@example.test", "operator", { name: "cac" })).token;
  expect((await call("POST", "/clusters", { name: "cac" })).status).toBe(201);
}, 300_000);
afterAll(async () => { await ctx?.close(); });

describe("the cluster document over the API", () => {
  it("PUT stores it as a version; PUT again is a no-op; GET gives it back as JSON, YAML and keepalived.conf", async () => {
    const first = await call("PUT", `${D}?source=cli`, doc);
    expect(first.status).toBe(200);
    expect(first.body.changed).toBe(true);
    expect(first.body.changes).toContain("add TCP 10.8.0.100:80");
    const again = await call("PUT", D, doc);
    expect([again.status, again.body.changed, again.body.changes, again.body.clusterVersion]).toEqual([200, false, [], first.body.clusterVersion]);
    const got = await call("GET", D);
    expect(got.headers.get("etag")).toBe(`"v${first.body.version}"`);
    expect(got.body.services.map((s: { address: string }) => s.address)).toEqual(["10.8.0.100", "10.8.0.101"]);
    // what GET gives, PUT back: nothing changes (the round trip a pipeline keeping it in git relies on)
    expect((await call("PUT", D, got.body)).body.changed).toBe(false);
    const yaml = await fetchText(`${D}?format=yaml`);
    expect(parse(yaml)).toEqual(got.body);
    const conf = await fetchText(`${D}?format=keepalived`);
    expect(conf).toMatch(/virtual_server 10\.8\.0\.100 80 \{/);
    expect(conf).toMatch(/lb_kind NAT/);
  });

  it("a bad value: 422 naming the path, nothing changed; a stale If-Match: 412", async () => {
    const before = await call("GET", D);
    const bad = structuredClone(doc);
    (bad.services[0]!.realServers[1] as { weight: number }).weight = -5;
    const r = await call("PUT", D, bad);
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toEqual(["services[0].realServers[1].weight"]);
    const stale = await call("PUT", D, { ...doc, cluster: { name: "cac", description: "stale" } }, { "if-match": '"v1"' });
    expect(stale.status).toBe(412);
    expect(await call("GET", D)).toMatchObject({ body: before.body });
  });

  it("diff: the changes, without storing; versions, a diff between two, rollback", async () => {
    const next = structuredClone(doc);
    (next.services[0]!.realServers[1] as { weight: number }).weight = 0;
    const d = await call("POST", `${D}/diff?plan=false`, next);
    expect(d.status).toBe(200);
    expect(d.body.changes.map((c: { text: string }) => c.text)).toEqual(["TCP 10.8.0.100:80: real server 10.8.0.12:80 weight 2 → 0"]);
    expect((await call("GET", D)).body.services[0].realServers[1].weight).toBe(2);
    const stored = await call("PUT", D, next);
    const list = await call("GET", "/clusters/cac/versions");
    const numbers = list.body.versions.map((v: { number: number }) => v.number);
    expect(numbers[0]).toBe(stored.body.clusterVersion);
    expect(list.body.versions[0].source).toBe("api");
    expect(list.body.versions[1].source).toBe("cli");
    const one = await call("GET", `/clusters/cac/versions/${numbers[0]}?against=${numbers[1]}`);
    expect(one.body.diff.map((x: { text: string }) => x.text)).toEqual(["TCP 10.8.0.100:80: real server 10.8.0.12:80 weight 2 → 0"]);
    const rb = await call("POST", `/clusters/cac/versions/${numbers[1]}/rollback`);
    expect([rb.status, rb.body.changed, rb.body.clusterVersion]).toEqual([200, true, numbers[0] + 1]);
    expect((await call("GET", D)).body.services[0].realServers[1].weight).toBe(2);
    expect((await call("POST", "/clusters/cac/versions/999/rollback")).status).toBe(404);
  });

  it("keepalived.conf import: a preview with line numbers, nothing stored until confirm; refused directives block the confirm", async () => {
    const conf = "virtual_server 10.8.0.200 80 {\n  lb_algo wrr\n  lb_kind DR\n  protocol TCP\n  real_server 10.8.0.21 80 {\n    weight 3\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n}\n";
    const p = await call("POST", "/clusters/cac/import/keepalived", { text: conf });
    expect(p.status).toBe(200);
    expect(p.body.ok).toBe(true);
    expect(p.body.items.some((i: { line: number; keyword: string }) => i.keyword === "lb_algo" && i.line === 2)).toBe(true);
    expect(p.body.changes.map((c: { text: string }) => c.text)).toContain("add TCP 10.8.0.200:80 (wrr, route, 1 real server)");
    expect((await call("GET", D)).body.services).toHaveLength(2);
    const ok = await call("POST", "/clusters/cac/import/keepalived", { text: conf, confirm: true });
    expect(ok.body.stored.changed).toBe(true);
    const after = await call("GET", D);
    expect(after.body.services.map((s: { address: string }) => s.address)).toEqual(["10.8.0.200"]);
    const v = await call("GET", "/clusters/cac/versions");
    expect(v.body.versions[0].source).toBe("import");
    const refused = "virtual_server 10.8.0.201 80 {\n  lb_kind DR\n  no_such_thing 1\n}\n";
    const r = await call("POST", "/clusters/cac/import/keepalived", { text: refused, confirm: true });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].field).toBe("keepalived.conf:3");
    expect((await call("GET", D)).body).toEqual(after.body);
  });
});

async function fetchText(p: string): Promise<string> {
  const { handleApi } = await import("@/lib/api/routes");
  const res = await handleApi(new Request(`http://127.0.0.1/api/v1${p}`, { headers: { authorization: `Bearer ${token}` } }));
  expect(res.status).toBe(200);
  return res.text();
}

describe("body limits", () => {
  it("a whole cluster's document is not held to the small bodies' 64 KB: the diff of 2,000 real servers is answered; a form's route still refuses it", async () => {
    const big = { version: 1, cluster: { name: "cac" }, services: Array.from({ length: 200 }, (_, s) => ({
      protocol: "tcp", address: `10.9.${s}.1`, port: 80, realServers: Array.from({ length: 10 }, (_, r) => ({ address: `10.10.${s}.${10 + r}` })) })) };
    expect(JSON.stringify(big).length).toBeGreaterThan(64 * 1024);
    const diff = await call("POST", `${D}/diff`, big);
    expect([diff.status, diff.body.changes.filter((c: { text: string }) => / add real server /.test(c.text)).length]).toEqual([200, 2000]);
    const form = await call("POST", "/clusters", { name: "x".repeat(70 * 1024) });
    expect(form.status).toBe(413);
  });
});
