// The document's ha section: defaults from lib/ha, path errors, compact form, the diff in words.
import { describe, expect, it } from "vitest";
import { compactDocument, diffDocuments, documentJsonSchema, readDocument, validateDocument, writeDocument, type ClusterDocument, type DocumentInput } from ".";

const doc = (x: DocumentInput): ClusterDocument => {
  const v = validateDocument(x);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.document;
};
const errors = (x: unknown) => { const v = validateDocument(x); return v.ok ? [] : v.errors.map((e) => `${e.path}: ${e.message}`); };

describe("the ha section", () => {
  it("fills a new cluster's settings; no password field (a secret): unknown fields are errors", () => {
    expect(doc({ version: 1, services: [], ha: { enabled: true } }).ha).toEqual({
      enabled: true, interface: "eth0", virtualRouterId: 51, advertInt: 1, preempt: true, preemptDelay: 30, unicast: true, syncDaemon: true, directors: [] });
    expect(errors({ version: 1, services: [], ha: { authPass: "x" } })).toEqual(['ha: unknown field "authPass"']);
    expect(JSON.stringify(documentJsonSchema())).toContain("The VRRP authentication password is not in the document (a secret)");
  });
  it("ranges, whole-second advert_int, interface names, a director listed twice", () => {
    expect(errors({ version: 1, services: [], ha: { advertInt: 0.5, virtualRouterId: 256, interface: "eth 0", directors: [{ name: "a", priority: 255 }] } })).toEqual([
      "ha.interface: must be an interface name such as eth0 (at most 15 characters)",
      "ha.virtualRouterId: Too big: expected number to be <=255",
      "ha.advertInt: Invalid input: expected int, received number",
      "ha.directors[0].priority: Too big: expected number to be <=254",
    ]);
    expect(errors({ version: 1, services: [], ha: { directors: [{ name: "a" }, { name: "b" }, { name: "a" }] } }))
      .toEqual(["ha.directors[2].name: director a is listed twice (also at ha.directors[0])"]);
  });
  it("compact keeps enabled and what differs from the defaults; YAML and JSON read back the same document", () => {
    const d = doc({ version: 1, services: [], ha: { enabled: true, advertInt: 2, directors: [{ name: "d1", priority: 150 }] } });
    expect(compactDocument(d).ha).toEqual({ enabled: true, advertInt: 2, directors: [{ name: "d1", priority: 150 }] });
    for (const f of ["yaml", "json"] as const) for (const full of [false, true]) expect(readDocument(writeDocument(d, f, { full }), f)).toMatchObject({ ok: true, document: d });
    expect("ha" in compactDocument(doc({ version: 1, services: [] }))).toBe(false);
  });
  it("the diff says each change in words; no ha is the defaults", () => {
    const before = doc({ version: 1, services: [] });
    const after = doc({ version: 1, services: [], ha: { enabled: true, interface: "eth1", unicast: false, directors: [{ name: "d1", priority: 150 }, { name: "d2" }] } });
    expect(diffDocuments(before, after).map((l) => l.text)).toEqual(["director HA on", "HA interface eth0 → eth1", "HA unicast on → off", "HA director d1 priority 100 → 150"]);
    expect(diffDocuments(after, before).map((l) => l.text)).toEqual(["director HA off", "HA interface eth1 → eth0", "HA unicast off → on", "HA director d1 priority 150 → 100"]);
    const fewer = doc({ version: 1, services: [], ha: { ...after.ha!, directors: [{ name: "d2", priority: 100 }] } });
    expect(diffDocuments(after, fewer).map((l) => l.text)).toEqual(["HA director d1 no longer listed (priority 150)"]);
    expect(diffDocuments(after, after)).toEqual([]);
  });
});
