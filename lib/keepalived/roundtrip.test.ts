// import(export(x)) == x for every shape the tests build and for every corpus file that imports.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readDocument, validateDocument, writeDocument, type ClusterDocument } from "@/lib/declarative";
import { importKeepalived, memoryReader, parseText, previewKeepalived, renderKeepalived } from ".";
import { fsReader } from "@/bin/commands/fs-reader";
import { SHAPES } from "./testing/shapes";
import { HA_SHAPES } from "./testing/ha-shapes";
import { haAfterExport } from "./render-vrrp";

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
  for (const [name, shape] of Object.entries(HA_SHAPES))
    it(`director HA: ${name} (ha back as documented: no priorities, no unicast, no preempt delay under nopreempt)`, () => {
      const doc = normal(shape);
      const { e, r, back, want } = reimport(doc);
      expect(e.ok).toBe(true);
      expect(r.items.filter((i) => i.kind === "refused")).toEqual([]);
      expect(back).toEqual({ ...want, ha: haAfterExport(doc.ha!) });
      // once through, the rest is stable
      expect(reimport(r.document).back).toEqual(back);
    });
  for (const f of ["dr-seed.conf", "dr-pair.conf", "nat-http.conf", "tun-ssl.conf", "fwmark-groups.conf", "persistence-udp.conf", "quorum-sorry.conf", "includes/keepalived.conf"])
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
      for (const f of ["yaml", "json"] as const)
        for (const full of [false, true]) {
          const r = readDocument(writeDocument(doc, f, { full }), f);
          expect(r.ok && r.document).toEqual(doc);
        }
    });
});

describe("what keepalived cannot hold is listed on export", () => {
  it("director HA: priorities, the password, unicast, a preempt delay under nopreempt; HA off; HA without a VIP", () => {
    const ha = normal(HA_SHAPES["nopreempt, no sync, advert 3 s, IPv4 and IPv6 VIPs, unicast"]!);
    const e = renderKeepalived(ha);
    expect(e.notes.map((n) => `${n.kind} ${n.path}: ${n.message}`)).toEqual([
      "noted ha.directors: one director's keepalived.conf: priority 200 (a's); set each director's on its own",
      "noted ha: no authentication: the VRRP password is not in the document (a secret: set it in the HA settings)",
      "noted ha.preemptDelay: not carried: keepalived refuses preempt_delay with nopreempt",
      "noted ha.unicast: written as a comment: the document has no director addresses for unicast_src_ip and unicast_peer (keepalived then speaks multicast)",
    ]);
    expect(e.text).toContain("# director HA: each director's priority: a 200, b 50\n");
    expect(e.text).toContain("    priority 200\n    advert_int 3\n    nopreempt\n");
    expect(e.text).toContain("    virtual_ipaddress {\n        10.78.0.100/32 dev eth0\n        10.78.0.101/32 dev eth0\n    }\n    virtual_ipaddress_excluded {\n        2001:db8::100/128 dev eth0\n");
    expect(e.text).not.toContain("lvs_sync_daemon");
    expect(renderKeepalived(normal(HA_SHAPES["DR pair, multicast, connection sync, a preempt delay"]!)).text).toMatch(/^global_defs \{\n {4}lvs_sync_daemon eth0 lvs_panel\n\}$/m);
    const off = renderKeepalived(normal({ version: 1, services: [], ha: { enabled: false, virtualRouterId: 9 } }));
    expect([off.ok, off.text.includes("vrrp_instance"), off.notes.map((n) => n.path)]).toEqual([true, false, ["ha.enabled"]]);
    const noVip = renderKeepalived(normal({ version: 1, services: [{ protocol: "fwmark", fwmark: 1 }], ha: { enabled: true } }));
    expect([noVip.ok, noVip.notes.filter((n) => n.kind === "refused").map((n) => n.path)]).toEqual([false, ["ha"]]);
  });
  it("rise, runFrom, draining and disabled real servers, a disabled check, a description", () => {
    const doc = normal({ version: 1, services: [{ protocol: "tcp", address: "10.0.0.1", port: 80, description: "web",
      healthCheck: { rise: 3, runFrom: "panel" }, realServers: [{ address: "10.0.0.2", state: "draining" }, { address: "10.0.0.3", state: "disabled" }] },
      { protocol: "tcp", address: "10.0.0.1", port: 81, healthCheck: { enabled: false } }] });
    const e = renderKeepalived(doc);
    expect(e.ok).toBe(true);
    expect(e.notes.map((n) => `${n.path}: ${n.message}`)).toEqual([
      "services[0].description: not carried: keepalived.conf has no description (kept as a comment)",
      "services[0].realServers: every real server has weight 0: keepalived warns and runs the service with quorum 0",
      "services[0].healthCheck.rise: rise 3: keepalived puts a server back after one good check",
      "services[0].healthCheck.runFrom: keepalived checks from the director",
      "services[0].realServers[0].state: real server 10.0.0.2 is draining: weight 0",
      "services[0].realServers[1].state: real server 10.0.0.3 is disabled: left out",
      "services[1].healthCheck.enabled: a disabled check is left out (keepalived has no disabled checker)",
      "services[1].realServers: keepalived ignores a virtual_server without real servers (and warns)",
    ]);
    expect(e.text).toContain("# web\nvirtual_server 10.0.0.1 80 {");
    expect(e.text).not.toContain("10.0.0.3");
  });
  it("a quorum above the total weight is written as the total weight; weight 0 everywhere is noted", () => {
    const doc = normal({ version: 1, services: [{ protocol: "tcp", address: "10.0.0.1", port: 80, healthCheck: { quorum: 5 }, realServers: [{ address: "10.0.0.2", weight: 2 }, { address: "10.0.0.3", weight: 1 }] },
      { protocol: "tcp", address: "10.0.0.1", port: 81, realServers: [{ address: "10.0.0.2", weight: 0 }] }] });
    const e = renderKeepalived(doc);
    expect(e.text).toContain("    quorum 3\n");
    expect(e.notes.map((n) => `${n.path}: ${n.message}`)).toEqual([
      "services[0].healthCheck.quorum: quorum 5 exceeds the real servers' total weight 3: written as 3 (keepalived's quorum is a total weight)",
      "services[0].healthCheck.quorum: keepalived's quorum is a total weight of live servers, the panel's a count",
      "services[0].healthCheck.rise: rise 2: keepalived puts a server back after one good check",
      "services[1].realServers: every real server has weight 0: keepalived warns and runs the service with quorum 0",
    ]);
  });
});

describe("round trip of seeded random documents", () => {
  it("import(export(x)) == x for 300 documents", async () => {
    const { randomDocument } = await import("./testing/random");
    for (let seed = 1; seed <= 300; seed++) {
      const v = validateDocument(randomDocument(seed));
      if (!v.ok) throw new Error(`seed ${seed}: ${JSON.stringify(v.errors)}`);
      const { e, r, back, want } = reimport(v.document);
      expect(e.ok, `seed ${seed}`).toBe(true);
      expect(r.items.filter((i) => i.kind === "refused"), `seed ${seed}`).toEqual([]);
      expect(back, `seed ${seed}`).toEqual(want);
      const y = readDocument(writeDocument(v.document, "yaml"), "yaml");
      expect(y.ok && y.document, `seed ${seed} yaml`).toEqual(v.document);
    }
  });
});
