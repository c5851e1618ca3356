import { describe, expect, it } from "vitest";
import { realServerSchema, virtualServiceSchema } from "@/lib/validation/virtual-service";
import { clusterCreateSchema } from "@/lib/validation/cluster";
import { BodyParser } from "./body";
import { checkIfMatch, parseIfMatch, parseJsonObject, readBody, versionFromIfMatch } from "./http";
import { requestHash, checkIdempotencyKey } from "./idempotency";
import { ApiProblem } from "./problem";
import { parseServiceRef, serviceRef } from "./refs";
import { generateToken, hashToken, lowerRole, tokenCreateSchema } from "./tokens";
import { problemText, renderStatus } from "../../bin/commands/remote";

function problemOf(f: () => unknown): ApiProblem {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiProblem) return e;
    throw e;
  }
  throw new Error("no problem raised");
}

describe("body parser over the forms' zod schemas", () => {
  const rs = new BodyParser({ schema: realServerSchema, fromPath: ["virtualServiceId"] });
  it("takes JSON integers where the form takes digit strings", () => {
    const v = rs.parse({ address: "10.0.0.11", port: 80, weight: 3, forwardingMethod: "route" }, { virtualServiceId: "vs1" });
    expect(v).toMatchObject({ virtualServiceId: "vs1", address: "10.0.0.11", port: 80, weight: 3 });
  });
  it("refuses wrong JSON types before zod can coerce them", () => {
    const p = problemOf(() => rs.parse({ address: "10.0.0.11", weight: true, forwardingMethod: "route" }, { virtualServiceId: "vs1" }));
    expect(p.status).toBe(422);
    expect(p.errors).toEqual([{ field: "weight", rule: "invalid_type:string|integer", message: "must be string or integer, not boolean" }]);
  });
  it("refuses members the path supplies and unknown ones, including __proto__", () => {
    const body = JSON.parse('{"address":"10.0.0.11","weight":1,"forwardingMethod":"route","virtualServiceId":"other","__proto__":{"x":1},"constructor":1}');
    expect(problemOf(() => rs.parse(body)).errors.map((e) => [e.field, e.rule])).toEqual([["virtualServiceId", "unrecognized_key"], ["__proto__", "unrecognized_key"], ["constructor", "unrecognized_key"]]);
  });
  it("reports zod's rule and the field", () => {
    const p = problemOf(() => rs.parse({ address: "10.0.0.300", weight: 2147483648, forwardingMethod: "route" }, { virtualServiceId: "v" }));
    expect(p.errors.map((e) => e.field).sort()).toEqual(["address", "weight"]);
    expect(p.errors.find((e) => e.field === "address")).toMatchObject({ rule: "custom", message: "must be an IPv4 or IPv6 address" });
  });
  it("merges a PATCH over the current state; the fixed members win", () => {
    const c = new BodyParser({ schema: clusterCreateSchema });
    expect(c.parse({ description: "new" }, {}, { name: "web", description: "old", defaultForwardingMethod: "masq" })).toEqual({ name: "web", description: "new", defaultForwardingMethod: "masq" });
  });
  it("documents the body without path members, integers allowed for digit fields", () => {
    const doc = new BodyParser({ schema: virtualServiceSchema, fromPath: ["clusterId"] }).documentSchema();
    expect(doc.properties?.clusterId).toBeUndefined();
    expect(doc.additionalProperties).toBe(false);
    expect(JSON.stringify(doc.properties?.port)).toContain('"integer"');
  });
});

describe("http helpers", () => {
  it("parses If-Match and checks it strongly", () => {
    expect(parseIfMatch(null)).toBeNull();
    expect(parseIfMatch('"v3", "v4"')).toEqual(['"v3"', '"v4"']);
    expect(() => checkIfMatch(['W/"v3"'], '"v3"', "x")).toThrow(ApiProblem);
    expect(() => checkIfMatch(["*"], '"v3"', "x")).not.toThrow();
    expect(problemOf(() => checkIfMatch(['"v2"'], '"v3"', "x")).status).toBe(412);
    expect(versionFromIfMatch(['"v7"'], "x", 9)).toBe(7);
    expect(versionFromIfMatch(["*"], "x", 9)).toBe(9);
    expect(problemOf(() => versionFromIfMatch(null, "x", 1)).status).toBe(428);
    expect(problemOf(() => parseIfMatch("v3")).status).toBe(422);
  });
  it("bounds bodies whatever Content-Length says", async () => {
    const big = new Request("http://x/", { method: "POST", body: "x".repeat(70_000) });
    await expect(readBody(big)).rejects.toMatchObject({ status: 413 });
    const lying = new Request("http://x/", { method: "POST", body: "x".repeat(10), headers: { "content-length": "999999" } });
    await expect(readBody(lying)).rejects.toMatchObject({ status: 413 });
    expect(await readBody(new Request("http://x/", { method: "POST", body: "{}" }))).toBe("{}");
  });
  it("accepts JSON objects only", () => {
    expect(parseJsonObject("", null)).toEqual({});
    expect(problemOf(() => parseJsonObject("{}", "text/plain")).status).toBe(415);
    expect(problemOf(() => parseJsonObject("{", "application/json")).status).toBe(400);
    expect(problemOf(() => parseJsonObject("[]", "application/json; charset=utf-8")).status).toBe(422);
    expect(parseJsonObject('{"a":1}', "application/merge-patch+json")).toEqual({ a: 1 });
  });
});

describe("references, tokens, idempotency", () => {
  it("parses service references as operators write them", () => {
    expect(parseServiceRef("10.0.0.100:80")).toEqual({ kind: "addr", protocol: "tcp", address: "10.0.0.100", port: 80 });
    expect(parseServiceRef("udp:[2001:DB8::1]:53")).toEqual({ kind: "addr", protocol: "udp", address: "2001:db8::1", port: 53 });
    expect(parseServiceRef("fwm:3")).toEqual({ kind: "fwmark", fwmark: 3, family: "inet" });
    expect(parseServiceRef("fwm6:3")).toEqual({ kind: "fwmark", fwmark: 3, family: "inet6" });
    for (const bad of ["10.0.0.100", "tcp:10.0.0.300:80", "fwm:0", "x;y", "tcp:10.0.0.1:65536"]) expect(parseServiceRef(bad), bad).toBeNull();
    expect(serviceRef({ protocol: "tcp", address: "2001:db8::1", port: 80, fwmark: null, family: "inet6" })).toBe("tcp:[2001:db8::1]:80");
  });
  it("tokens: 256 random bits, stored as sha256, role never above the user's", () => {
    const t = generateToken();
    expect(t).toMatch(/^lvsp_[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(t);
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(lowerRole("admin", "viewer")).toBe("viewer");
    expect(lowerRole("operator", "admin")).toBe("operator");
    expect(tokenCreateSchema.safeParse({ name: "ci", role: "operator", expiresInDays: "0" }).success).toBe(false);
    expect(tokenCreateSchema.parse({ name: "ci", role: "operator" }).expiresInDays).toBe(90);
  });
  it("idempotency: the request hash covers method, path and body; keys are bounded", () => {
    expect(requestHash("POST", "/a", "{}")).toBe(requestHash("POST", "/a", "{}"));
    expect(requestHash("POST", "/a", "{}")).not.toBe(requestHash("POST", "/b", "{}"));
    expect(requestHash("POST", "/a", '{"w":1}')).not.toBe(requestHash("POST", "/a", '{"w":2}'));
    expect(checkIdempotencyKey("deploy-42")).toBe("deploy-42");
    for (const bad of ["", "a b", "x".repeat(201), "é"]) expect(() => checkIdempotencyKey(bad)).toThrow(ApiProblem);
  });
});

describe("lvs remote output", () => {
  it("renders problems with field and rule", () => {
    expect(problemText(422, { detail: "Please correct", errors: [{ field: "weight", rule: "too_big", message: "must be 0..2147483647" }] }))
      .toBe("Please correct (HTTP 422)\n  weight: must be 0..2147483647 [too_big]");
  });
  it("renders the live table like ipvsadm -Ln with ARP state and drift", () => {
    const text = renderStatus({
      cluster: "lab", at: "2026-11-25T08:00:00.000Z", ok: true, error: null, driftCount: 1,
      rows: [
        { kind: "service", service: "TCP 10.78.0.100:80", text: "TCP 10.78.0.100:80", scheduler: "rr", flags: "", drift: { status: "ok", fields: [] } },
        { kind: "dest", service: "TCP 10.78.0.100:80", text: "10.78.0.11:80", forward: "Route", weight: 1, activeConns: 0, inactConns: 3, drift: { status: "ok", fields: [] } },
        { kind: "dest", service: "TCP 10.78.0.100:80", text: "10.78.0.12:80", forward: "Route", weight: 0, activeConns: 1, inactConns: 0, drift: { status: "different", fields: ["weight"] } },
      ],
      arp: [{ host: "rs1", address: "10.78.0.11", ready: true, error: null, vips: [{ vip: "10.78.0.100", ready: true, problems: [] }], arp: { all: { arp_ignore: 1, arp_announce: 2 }, iface: "eth0", ifaceConf: { arp_ignore: 0, arp_announce: 0 } } },
        { host: "rs2", address: "10.78.0.12", ready: false, error: null, vips: [{ vip: "10.78.0.100", ready: false, problems: ["arp_ignore is 0"] }], arp: { all: { arp_ignore: 0, arp_announce: 0 }, iface: "eth0", ifaceConf: null } }],
    });
    expect(text).toContain("TCP  10.78.0.100:80 rr");
    expect(text).toMatch(/-> 10\.78\.0\.11:80 +Route +1 +0 +3 +ok rs1 arp_ignore=1 arp_announce=2/);
    expect(text).toMatch(/-> 10\.78\.0\.12:80 .*NOT READY rs2 arp_ignore=0 arp_announce=0 \(arp_ignore is 0\) +\[different: weight\]/);
    expect(text).toContain("1 difference(s) from the desired state: lvs plan lab");
  });
});
