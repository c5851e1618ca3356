import { describe, expect, it } from "vitest";
import { canonicalFlags, destEqual, destKey, flagsFromBits, forcesServicePort, normalizeService, serviceEqual, serviceKey, sortTable, tunnelDefaults, type Destination, type Service } from "./model";

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
