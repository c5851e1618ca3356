import { describe, expect, it } from "vitest";
import { diffService, diffTables, tablesEqual } from "./diff";
import { serviceKey, type Destination, type Service, type Table } from "./model";
import { parseSave } from "./parse-save";
import { fx } from "./testing/fixtures";

const dest = (address: string, over: Partial<Destination> = {}): Destination => ({
  address, port: 80, forward: "route", weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: null, tunnelPort: null, tunnelCsum: null, ...over,
});
const svc = (address: string, over: Partial<Service> = {}): Service => ({
  protocol: "tcp", family: "inet", address, port: 80, fwmark: null, scheduler: "wlc", persistent: null, netmask: null, ops: false, pe: null, flags: [], destinations: [], ...over,
});

describe("diffTables", () => {
  it("equal tables, in any order", () => {
    const t = parseSave(fx("save.txt"));
    const shuffled: Table = { services: [...t.services].reverse().map((s) => ({ ...s, destinations: [...s.destinations].reverse() })) };
    expect(tablesEqual(t, shuffled)).toBe(true);
    expect(diffTables(t, shuffled)).toEqual({ missing: [], unexpected: [], different: [] });
  });
  it("missing, unexpected and different, with field names", () => {
    const desired: Table = { services: [svc("10.0.0.1", { scheduler: "rr", destinations: [dest("10.0.1.1", { weight: 2 }), dest("10.0.1.2")] }), svc("10.0.0.2")] };
    const actual: Table = { services: [svc("10.0.0.1", { destinations: [dest("10.0.1.1", { forward: "masq", upperThreshold: 5 }), dest("10.0.1.3")] }), svc("10.0.0.3")] };
    const d = diffTables(desired, actual);
    expect(d.missing.map(serviceKey)).toEqual(["TCP 10.0.0.2:80"]);
    expect(d.unexpected.map(serviceKey)).toEqual(["TCP 10.0.0.3:80"]);
    expect(d.different).toEqual([{
      key: "TCP 10.0.0.1:80", fields: ["scheduler"], missing: ["10.0.1.2:80"], unexpected: ["10.0.1.3:80"],
      different: [{ key: "10.0.1.1:80", fields: ["forward", "weight", "upperThreshold"] }],
    }]);
    expect(tablesEqual(desired, actual)).toBe(false);
  });
  it("each service field is named", () => {
    const a = svc("10.0.0.1");
    expect(diffService(svc("10.0.0.1", { persistent: 5, netmask: "255.255.255.255", ops: true, pe: "sip", flags: ["flag-1"] }), a)?.fields).toEqual(["persistent", "netmask", "ops", "pe", "flags"]);
    expect(diffService(a, structuredClone(a))).toBeNull();
  });
  it("each real-server field is named", () => {
    const a = svc("10.0.0.1", { destinations: [dest("10.0.1.1")] });
    const b = svc("10.0.0.1", { destinations: [dest("10.0.1.1", { forward: "tunnel", lowerThreshold: 1, tunnelType: "gue", tunnelPort: 1, tunnelCsum: "csum" })] });
    expect(diffService(b, a)?.different[0]?.fields).toEqual(["forward", "lowerThreshold", "tunnelType", "tunnelPort", "tunnelCsum"]);
  });
  it("no perpetual drift for the DR port rule", () => {
    expect(tablesEqual({ services: [svc("10.0.0.1", { destinations: [dest("10.0.1.1", { port: 999 })] })] }, { services: [svc("10.0.0.1", { destinations: [dest("10.0.1.1")] })] })).toBe(true);
  });
});
