import { describe, expect, it } from "vitest";
import { mergeThresholds } from "./merge";
import {
  FORWARDS, canonicalFlags, destEqual, destFieldDiff, destKey, destSame, flagsFromBits, forcesServicePort, normalizeService,
  serviceEqual, serviceFieldDiff, serviceKey, serviceSame, sortTable, tunnelDefaults, type Destination, type Service, type Table,
} from "./model";
import { parseList } from "./parse-list";
import { parseSave } from "./parse-save";
import { fx } from "./testing/fixtures";
import { gen, mutateTable, randomTable } from "./testing/generate";

const d = (over: Partial<Destination> = {}): Destination => ({ address: "10.0.1.1", port: 80, forward: "route", weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: null, tunnelPort: null, tunnelCsum: null, ...over });
const s = (over: Partial<Service> = {}): Service => ({ protocol: "tcp", family: "inet", address: "10.0.0.1", port: 80, fwmark: null, scheduler: "wlc", persistent: null, netmask: null, ops: false, pe: null, flags: [], destinations: [], ...over });

describe("keys are ipvsadm -Ln's notation", () => {
  it.each([
    [s(), "TCP 10.0.0.1:80"],
    [s({ protocol: "udp", family: "inet6", address: "2001:db8::1", port: 53 }), "UDP [2001:db8::1]:53"],
    [s({ protocol: "sctp" }), "SCTP 10.0.0.1:80"],
    [s({ protocol: "fwmark", address: null, port: null, fwmark: 3 }), "FWM 3"],
    [s({ protocol: "fwmark", family: "inet6", address: null, port: null, fwmark: 3 }), "FWM 3 IPv6"],
  ])("%#", (svc, key) => expect(serviceKey(svc)).toBe(key));
  it("destinations", () => {
    expect(destKey(d())).toBe("10.0.1.1:80");
    expect(destKey(d({ address: "::1", port: 0 }))).toBe("[::1]:0");
  });
});

describe("equality", () => {
  it("services compare their destination sets, not order", () => {
    const a = s({ destinations: [d(), d({ address: "10.0.1.2" })] });
    expect(serviceEqual(a, s({ destinations: [d({ address: "10.0.1.2" }), d()] }))).toBe(true);
    expect(serviceEqual(a, s({ destinations: [d()] }))).toBe(false);
    expect(serviceEqual(a, s({ destinations: [d({ address: "10.0.1.2" }), d({ weight: 2 })] }))).toBe(false);
    expect(serviceEqual(a, s({ destinations: [d({ address: "10.0.1.2" }), d({ address: "10.0.1.3" })] }))).toBe(false);
    expect(serviceEqual(a, { ...a, scheduler: "rr" })).toBe(false);
    expect(serviceEqual(s({ flags: ["flag-1"] }), s({ flags: ["flag-2"] }))).toBe(false);
  });
  it("destinations: local equals route", () => {
    expect(destEqual(d({ forward: "local" }), d())).toBe(true);
    expect(destEqual(d({ forward: "masq" }), d())).toBe(false);
    expect(destEqual(d({ port: 81 }), d())).toBe(false);
  });
});

describe("ipvsadm's rules", () => {
  it("DR / tunnel / local force the service port, masq and fwmark do not", () => {
    expect(forcesServicePort(s(), "route")).toBe(true);
    expect(forcesServicePort(s(), "tunnel")).toBe(true);
    expect(forcesServicePort(s(), "local")).toBe(true);
    expect(forcesServicePort(s(), "masq")).toBe(false);
    expect(forcesServicePort(s({ protocol: "fwmark" }), "route")).toBe(false);
  });
  it("normalizeService rewrites and explains", () => {
    const n = normalizeService(s({ destinations: [d({ port: 8080 }), d({ address: "10.0.1.2", port: 8080, forward: "masq" })] }));
    expect(n.service.destinations.map((x) => x.port)).toEqual([80, 8080]);
    expect(n.notices).toHaveLength(1);
    expect(normalizeService(n.service).notices).toEqual([]);
  });
  it("tunnel defaults", () => {
    expect(tunnelDefaults({ forward: "route", tunnelType: "gre", tunnelPort: 1, tunnelCsum: "csum" })).toEqual({ tunnelType: null, tunnelPort: null, tunnelCsum: null });
    expect(tunnelDefaults({ forward: "tunnel", tunnelType: null, tunnelPort: null, tunnelCsum: null })).toEqual({ tunnelType: "ipip", tunnelPort: null, tunnelCsum: null });
    expect(tunnelDefaults({ forward: "tunnel", tunnelType: "gre", tunnelPort: 5, tunnelCsum: null })).toEqual({ tunnelType: "gre", tunnelPort: null, tunnelCsum: "nocsum" });
  });
  it("flags", () => {
    expect(canonicalFlags("sh", ["flag-1", "sh-fallback", "flag-2"])).toEqual(["sh-fallback", "sh-port"]);
    expect(canonicalFlags("rr", ["flag-3", "flag-1"])).toEqual(["flag-1", "flag-3"]);
    expect(canonicalFlags("mh", ["sh-port"])).toMatch(/only applies to the sh scheduler, not mh/);
    expect(canonicalFlags("rr", ["x"])).toMatch(/unknown scheduler flag "x"/);
    expect(flagsFromBits("mh", 7)).toEqual(["mh-fallback", "mh-port", "flag-3"]);
  });
  it("sortTable orders by key", () => {
    const t = sortTable({ services: [s({ address: "10.0.0.2", destinations: [d({ address: "10.0.1.9" }), d()] }), s()] });
    expect(t.services.map(serviceKey)).toEqual(["TCP 10.0.0.1:80", "TCP 10.0.0.2:80"]);
    expect(t.services[1]?.destinations.map(destKey)).toEqual(["10.0.1.1:80", "10.0.1.9:80"]);
  });
});

// The fast boolean forms (destSame, serviceSame, serviceEqual: what the planner uses) list their
// fields by hand; these tests hold them to the field diffs over the fixtures and generated tables,
// and vary every field of the types, so a field added to one and not the other fails here.
describe("fast equality agrees with the field diffs", () => {
  const fixtureTables: Table[] = [
    mergeThresholds(parseSave(fx("save.txt")), parseList(fx("thresholds.txt"))),
    parseSave(fx("edit-after-save.txt")),
    JSON.parse(fx("edit-desired.json")) as Table,
  ];
  const generated = Array.from({ length: 12 }, (_, i) => randomTable(i + 1, 30, 8));
  const tables = [...fixtureTables, ...generated, ...generated.map((t, i) => mutateTable(i + 101, t, 0.6))];
  const services = tables.flatMap((t) => t.services);
  const dests = services.flatMap((x) => x.destinations);
  const ID = new Set(["protocol", "family", "address", "port", "fwmark", "destinations"]);
  // every value each field takes somewhere in the pool (forward: every kind, `local` included)
  const valuesOf = <T extends object>(xs: readonly T[], k: keyof T, extra: readonly unknown[] = []) => {
    const m = new Map<string, unknown>();
    for (const v of [...xs.map((x) => x[k]), ...extra]) m.set(JSON.stringify(v), v);
    return [...m.values()];
  };
  const routeLike = (f: unknown) => f === "route" || f === "local";

  it("the pools are varied enough to mean something", () => {
    expect(services.length).toBeGreaterThan(300);
    expect(dests.length).toBeGreaterThan(1000);
  });

  it("destSame(a, b) === (destFieldDiff(a, b).length === 0), over pairs of real servers", () => {
    const wrong: string[] = [];
    for (let i = 0; i < dests.length; i++) {
      for (const j of [i, i + 1, i + 7, i + 31]) {
        const a = dests[i] as Destination, b = dests[j % dests.length] as Destination;
        if (destSame(a, b) !== (destFieldDiff(a, b).length === 0)) wrong.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("every real-server field (but address and port) is seen by both, one field changed at a time", () => {
    const keys = (Object.keys(dests[0] as Destination) as (keyof Destination)[]).filter((k) => k !== "address" && k !== "port");
    expect(keys.length).toBeGreaterThan(5);
    const wrong: string[] = [];
    for (const k of keys) {
      const values = valuesOf(dests, k, k === "forward" ? FORWARDS : []);
      expect(values.length, `field ${k} takes one value only in the pool`).toBeGreaterThan(1);
      for (const a of dests.slice(0, 100)) {
        for (const v of values) {
          const b = { ...a, [k]: v } as Destination;
          const diff = destFieldDiff(a, b);
          const same = v === a[k] || (k === "forward" && routeLike(v) && routeLike(a[k]));
          if (destSame(a, b) !== (diff.length === 0) || diff.join() !== (same ? "" : k)) wrong.push(`${k}: ${String(a[k])} -> ${String(v)}: diff [${diff.join()}]`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("serviceSame(a, b) === (serviceFieldDiff(a, b).length === 0), over pairs of services", () => {
    const wrong: string[] = [];
    for (const a of services) {
      for (const b of services.slice(0, 150)) if (serviceSame(a, b) !== (serviceFieldDiff(a, b).length === 0)) wrong.push(`${serviceKey(a)} vs ${serviceKey(b)}`);
    }
    expect(wrong).toEqual([]);
  });

  it("every service option is seen by both, one field changed at a time", () => {
    const keys = (Object.keys(services[0] as Service) as (keyof Service)[]).filter((k) => !ID.has(k));
    expect(keys.length).toBeGreaterThan(5);
    const wrong: string[] = [];
    for (const k of keys) {
      const values = valuesOf(services, k);
      expect(values.length, `field ${k} takes one value only in the pool`).toBeGreaterThan(1);
      for (const a of services.slice(0, 100)) {
        for (const v of values) {
          const b = { ...a, [k]: v } as Service;
          const diff = serviceFieldDiff(a, b);
          const same = JSON.stringify(v) === JSON.stringify(a[k]);
          if (serviceSame(a, b) !== (diff.length === 0) || diff.join() !== (same ? "" : k)) wrong.push(`${k}: ${JSON.stringify(a[k])} -> ${JSON.stringify(v)}: diff [${diff.join()}]`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("serviceEqual is key + options + the real-server set, in any order", () => {
    // the definition, written the slow way
    const slow = (a: Service, b: Service) => {
      if (serviceKey(a) !== serviceKey(b) || serviceFieldDiff(a, b).length || a.destinations.length !== b.destinations.length) return false;
      const bm = new Map(b.destinations.map((x) => [destKey(x), x]));
      return a.destinations.every((x) => { const o = bm.get(destKey(x)); return !!o && destFieldDiff(x, o).length === 0; });
    };
    const shuffled = (x: Service, seed: number): Service => {
      const g = gen(seed);
      const ds = [...x.destinations];
      for (let i = ds.length - 1; i > 0; i--) { const j = g.int(0, i); [ds[i], ds[j]] = [ds[j] as Destination, ds[i] as Destination]; }
      return { ...x, destinations: ds };
    };
    const many = (n: number, over: Partial<Destination> = {}) => Array.from({ length: n }, (_, i) => d({ address: `10.0.${i >> 8}.${i & 255}`, weight: i, ...over }));
    let equal = 0;
    const wrong: string[] = [];
    const check = (a: Service, b: Service) => {
      const want = slow(a, b);
      if (want) equal++;
      if (serviceEqual(a, b) !== want) wrong.push(`${serviceKey(a)} vs ${serviceKey(b)}: want ${want}`);
    };
    for (let t = 0; t < generated.length; t++) {
      const base = generated[t] as Table, mutated = tables[fixtureTables.length + generated.length + t] as Table;
      const byKey = new Map(mutated.services.map((x) => [serviceKey(x), x]));
      base.services.forEach((a, i) => {
        check(a, structuredClone(a));
        check(a, shuffled(a, i));
        const m = byKey.get(serviceKey(a));
        if (m) { check(a, m); check(a, shuffled(m, i + 1)); }
        check(a, base.services[(i + 1) % base.services.length] as Service);
      });
    }
    for (const x of fixtureTables[0]?.services ?? []) { check(x, structuredClone(x)); check(x, shuffled(x, 3)); }
    // past 32 out-of-place real servers the comparison takes another path
    for (const n of [33, 100]) {
      const a = s({ destinations: many(n) });
      check(a, shuffled(a, n));
      check(a, s({ destinations: many(n, { weight: 5 }) }));
      check(a, s({ destinations: [...many(n - 1), d({ address: "10.9.9.9" })].reverse() }));
      check(a, { ...shuffled(a, n), address: "10.0.0.2" });
    }
    // identity: fwmark services compare mark and family; others address and port
    const fw = s({ protocol: "fwmark", address: null, port: null, fwmark: 3 });
    check(fw, { ...fw });
    check(fw, { ...fw, fwmark: 4 });
    check(fw, { ...fw, family: "inet6" });
    check(s(), s({ port: 81 }));
    check(s(), s({ protocol: "udp" }));
    expect(wrong).toEqual([]);
    expect(equal).toBeGreaterThan(100);
  });
});
