import { describe, expect, it } from "vitest";
import { activeConnsIndex, connKey, drainDestination, drainService } from "./drain";
import type { Destination, Service } from "./model";
import { parseList } from "./parse-list";
import { fx } from "./testing/fixtures";

const d = (address: string, weight: number): Destination => ({ address, port: 80, forward: "route", weight, upperThreshold: 0, lowerThreshold: 0, tunnelType: null, tunnelPort: null, tunnelCsum: null });
const s: Service = { protocol: "tcp", family: "inet", address: "10.0.0.1", port: 80, fwmark: null, scheduler: "wlc", persistent: null, netmask: null, ops: false, pe: null, flags: [], destinations: [d("10.0.1.1", 0), d("10.0.1.2", 3)] };

describe("drain", () => {
  it("indexes ActiveConn from a real -Ln", () => {
    const idx = activeConnsIndex(parseList(fx("list.txt")));
    expect(idx.size).toBe(34);
    expect([...idx.values()].every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
    expect(idx.has("TCP 10.77.0.100:80 -> 10.77.0.11:80")).toBe(true);
    expect(activeConnsIndex(parseList(fx("stats.txt"))).size).toBe(0); // --stats has no ActiveConn
  });
  it("connKey", () => expect(connKey(s, { address: "2001:db8::1", port: 80 })).toBe("TCP 10.0.0.1:80 -> [2001:db8::1]:80"));
  it("a real server with weight: weight 0 first", () => {
    const r = drainDestination(s, d("10.0.1.2", 3), new Map([[connKey(s, d("10.0.1.2", 3)), 4]]), "why");
    expect(r.steps).toMatchObject([{ op: "edit-destination", drain: true, destination: { weight: 0 }, reason: "why: draining (weight 0) before removal" }]);
    expect(r.draining).toEqual([{ service: "TCP 10.0.0.1:80", destination: "10.0.1.2:80", activeConns: 4 }]);
  });
  it("weight 0 and 0 active: delete; active or unknown: wait", () => {
    const k = connKey(s, d("10.0.1.1", 0));
    expect(drainDestination(s, d("10.0.1.1", 0), new Map([[k, 0]]), "why").steps).toMatchObject([{ op: "delete-destination" }]);
    expect(drainDestination(s, d("10.0.1.1", 0), new Map([[k, 2]]), "why")).toEqual({ steps: [], draining: [{ service: "TCP 10.0.0.1:80", destination: "10.0.1.1:80", activeConns: 2 }] });
    expect(drainDestination(s, d("10.0.1.1", 0), undefined, "why").draining[0]?.activeConns).toBeNull();
  });
  it("a service: drains every weighted real server, deletes when all are idle", () => {
    const r = drainService(s, new Map([[connKey(s, d("10.0.1.1", 0)), 0]]), "gone");
    expect(r.steps.map((x) => x.op)).toEqual(["edit-destination"]);
    expect(r.draining.map((x) => x.destination)).toEqual(["10.0.1.2:80"]);
    const idle = { ...s, destinations: [d("10.0.1.1", 0), d("10.0.1.2", 0)] };
    expect(drainService(idle, new Map([[connKey(s, d("10.0.1.1", 0)), 0], [connKey(s, d("10.0.1.2", 0)), 0]]), "gone").steps).toMatchObject([{ op: "delete-service" }]);
    expect(drainService(idle, new Map([[connKey(s, d("10.0.1.1", 0)), 0]]), "gone").steps).toEqual([]);
  });
});
