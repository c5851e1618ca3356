import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_WEIGHT, SCHEDULERS } from "@/lib/ipvs/model";
import { documentJsonSchema, formatPath, readDocument, validateDocument, writeDocument } from ".";

const svc = (over: object = {}) => ({ protocol: "tcp", address: "10.0.0.1", port: 80, realServers: [{ address: "10.0.0.11" }], ...over });
const errs = (x: unknown) => {
  const r = validateDocument(x);
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
};

describe("validateDocument", () => {
  it("fills defaults and normalises (canonical IPv6, explicit real-server ports, netmask from a prefix)", () => {
    const r = validateDocument({ version: 1, services: [svc({ address: "2001:DB8:0:0::1", persistence: { timeout: 60, netmask: 64 }, realServers: [{ address: "2001:db8::0:11" }] }), svc({ persistence: { timeout: 60, netmask: "/24" } })] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.document.services[0]).toEqual({ protocol: "tcp", address: "2001:db8::1", port: 80, scheduler: "wlc", flags: [], persistence: { timeout: 60, netmask: "64" }, ops: false, forward: "route",
      sorryServer: null, healthCheck: null, description: "", realServers: [{ address: "2001:db8::11", port: 80, weight: 1, upperThreshold: 0, lowerThreshold: 0, state: "active" }] });
    expect(r.document.services[1]!.persistence).toEqual({ timeout: 60, netmask: "255.255.255.0" });
  });
  it("a bad value gets an error naming its path", () => {
    const three = [svc(), svc({ port: 81 }), svc({ port: 82, realServers: [{ address: "10.0.0.11", weight: MAX_WEIGHT + 1 }] })];
    expect(errs({ version: 1, services: three })).toEqual([`services[2].realServers[0].weight: Too big: expected number to be <=${MAX_WEIGHT}`]);
    expect(errs({ version: 1, services: [svc({ scheduler: "fastest" })] })[0]).toBe(`services[0].scheduler: Invalid option: expected one of ${SCHEDULERS.map((s) => `"${s}"`).join("|")}`);
    expect(errs({ version: 1, services: [svc({ wieght: 1 })] })).toEqual(['services[0]: unknown field "wieght"']);
    expect(errs({ version: 2, services: [] })).toEqual(["version: Invalid input: expected 1"]);
  });
  it("lib/ipvs's rules, with the document's paths", () => {
    expect(errs({ version: 1, services: [svc({ realServers: [{ address: "2001:db8::11" }] })] })).toEqual(["services[0].realServers[0].address: real server address must be IPv4 like the service (a different family is only allowed when forward is tunnel)"]);
    expect(errs({ version: 1, services: [svc({ persistence: { timeout: 60, netmask: "255.0.255.0" } })] })).toEqual(["services[0].persistence.netmask: netmask must be a contiguous IPv4 mask such as 255.255.255.0 (or a prefix length 0..32)"]);
    expect(errs({ version: 1, services: [svc({ flags: ["sh-port"] })] })).toEqual(['services[0].flags: flags: scheduler flag "sh-port" only applies to the sh scheduler, not wlc']);
    expect(errs({ version: 1, services: [svc(), svc()] })).toEqual(["services[1]: service TCP 10.0.0.1:80 is listed twice (also at services[0])"]);
    expect(errs({ version: 1, services: [svc({ healthCheck: { intervalMs: 1000, timeoutMs: 2000 } })] })).toEqual(["services[0].healthCheck.timeoutMs: the timeout must not exceed the interval"]);
    expect(errs({ version: 1, services: [svc({ sorryServer: { address: "::ffff:10.0.0.9", port: 80 } })] })[0]).toMatch(/^services\[0\]\.sorryServer\.address: sorry server address must not be an IPv4-mapped/);
  });
  it("ipvsadm's DR port rule is applied with a notice", () => {
    const r = validateDocument({ version: 1, services: [svc({ realServers: [{ address: "10.0.0.11", port: 8080 }] })] });
    expect(r.ok && r.document.services[0]!.realServers[0]!.port).toBe(80);
    expect(r.ok && r.notices[0]!.path).toBe("services[0].realServers[0].port");
  });
  it("formatPath", () => expect(formatPath(["services", 2, "realServers", 0, "weight"])).toBe("services[2].realServers[0].weight"));
});

describe("readDocument", () => {
  const yaml = "version: 1\nservices:\n  - protocol: tcp\n    address: 10.0.0.1\n    port: 80\n    realServers:\n      - address: 10.0.0.11\n        weight: -1\n";
  it("YAML: errors carry the line of the value", () => {
    const r = readDocument(yaml, "yaml");
    expect(r.ok ? [] : r.errors.map((e) => [e.line, e.path])).toEqual([[8, "services[0].realServers[0].weight"]]);
    const bad = readDocument("version: 1\nservices: [\n", "yaml");
    expect(!bad.ok && bad.errors[0]!.message).toMatch(/^not YAML: /);
    const dup = readDocument("version: 1\nversion: 1\nservices: []\n", "yaml");
    expect(!dup.ok && dup.errors[0]!.line).toBe(2);
  });
  it("JSON: syntax errors and path errors with lines", () => {
    const doc = { version: 1, services: [svc({ realServers: [{ address: "10.0.0.11", weight: -1 }] })] };
    const r = readDocument(JSON.stringify(doc, null, 2), "json");
    expect(!r.ok && r.errors.map((e) => [e.line, e.path])).toEqual([[11, "services[0].realServers[0].weight"]]);
    const s = readDocument('{\n "version": 1,\n "services": [,]\n}', "json");
    expect(!s.ok && s.errors[0]!.line).toBe(3);
  });
  it("writes what it reads", () => {
    const r = readDocument(yaml.replace("-1", "5"), "yaml");
    expect(r.ok).toBe(true);
    if (r.ok) expect(readDocument(writeDocument(r.document, "json"), "json")).toEqual(r);
  });
});

describe("the JSON Schema", () => {
  it("public/schemas/cluster.schema.json is the one generated from the zod schema (npm run schema:cluster)", () => {
    const file = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../public/schemas/cluster.schema.json"), "utf8"));
    expect(file).toEqual(documentJsonSchema());
  });
  it("carries lib/ipvs's vocabularies and limits", () => {
    const s = JSON.stringify(documentJsonSchema());
    expect(s).toContain(JSON.stringify(SCHEDULERS));
    expect(s).toContain(`"maximum":${MAX_WEIGHT}`);
  });
});
