// import(export(x)) == x for every shape the tests build and for every corpus file that imports.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readDocument, validateDocument, writeDocument, type ClusterDocument } from "@/lib/declarative";
import { importKeepalived, memoryReader, parseText, previewKeepalived, renderKeepalived } from ".";
import { fsReader } from "@/bin/commands/fs-reader";
import { SHAPES } from "./testing/shapes";

const DIR = path.resolve(import.meta.dirname, "../../test/fixtures/keepalived");
const reimport = (doc: ClusterDocument) => {
  const e = renderKeepalived(doc);
  const r = importKeepalived(parseText(e.text, "/export.conf", memoryReader({})));
  const { cluster: _c, ...back } = r.document;
  const { cluster: _d, ...want } = doc;
  return { e, r, back, want };
};
const normal = (x: unknown) => {
  const v = validateDocument(x);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.document;
};

describe("round trip through keepalived.conf", () => {
  for (const [name, shape] of Object.entries(SHAPES))
    it(name, () => {
      const { e, r, back, want } = reimport(normal(shape));
      expect(e.ok).toBe(true);
      expect(r.items.filter((i) => i.kind === "refused")).toEqual([]);
      expect(back).toEqual(want);
    });
  for (const f of ["dr-seed.conf", "nat-http.conf", "tun-ssl.conf", "fwmark-groups.conf", "persistence-udp.conf", "quorum-sorry.conf", "includes/keepalived.conf"])
    it(`corpus ${f}: import → export → import is stable`, () => {
      const first = previewKeepalived(path.join(DIR, f), fsReader);
      expect(first.ok).toBe(true);
      expect(reimport(first.document).back).toEqual(first.document);
    });
});

describe("round trip through YAML and JSON", () => {
  for (const [name, shape] of Object.entries(SHAPES))
    it(name, () => {
      const doc = normal(shape);
      for (const f of ["yaml", "json"] as const) {
        const r = readDocument(writeDocument(doc, f), f);
        expect(r.ok && r.document).toEqual(doc);
      }
    });
});

describe("what keepalived cannot hold is listed on export", () => {
  it("rise, runFrom, draining and disabled real servers, a disabled check, a description", () => {
    const doc = normal({ version: 1, services: [{ protocol: "tcp", address: "10.0.0.1", port: 80, description: "web",
      healthCheck: { rise: 3, runFrom: "panel" }, realServers: [{ address: "10.0.0.2", state: "draining" }, { address: "10.0.0.3", state: "disabled" }] },
      { protocol: "tcp", address: "10.0.0.1", port: 81, healthCheck: { enabled: false } }] });
    const e = renderKeepalived(doc);
    expect(e.ok).toBe(true);
    expect(e.notes.map((n) => `${n.path}: ${n.message}`)).toEqual([
      "services[0].description: not carried: keepalived.conf has no description (kept as a comment)",
      "services[0].healthCheck.rise: rise 3: keepalived puts a server back after one good check",
      "services[0].healthCheck.runFrom: keepalived checks from the director",
      "services[0].realServers[0].state: real server 10.0.0.2 is draining: weight 0",
      "services[0].realServers[1].state: real server 10.0.0.3 is disabled: left out",
      "services[1].healthCheck.enabled: a disabled check is left out (keepalived has no disabled checker)",
    ]);
    expect(e.text).toContain("# web\nvirtual_server 10.0.0.1 80 {");
    expect(e.text).not.toContain("10.0.0.3");
  });
});
