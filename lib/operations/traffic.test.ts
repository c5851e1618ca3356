import { describe, expect, it } from "vitest";
import { fx } from "@/lib/ipvs/testing/fixtures";
import { activeConnsCut, describeDest, kernelDests, liveDrTraffic, stepTarget } from "@/lib/operations/traffic";

// Real `ipvsadm -Ln` output (lib/ipvs/fixtures/list.txt, tun-info.txt): what the director's kernel sends where.
const dests = kernelDests(fx("list.txt"));

describe("kernelDests: every real server of every service in a listing", () => {
  it("keys like the live table, with weight and connection counts", () => {
    expect(dests.filter((d) => d.service === "TCP 10.77.0.100:80")).toEqual([
      { service: "TCP 10.77.0.100:80", vip: "10.77.0.100", dest: "10.77.0.11:80", address: "10.77.0.11", port: 80, forward: "route", weight: 1, activeConns: 0, inactConns: 10 },
      { service: "TCP 10.77.0.100:80", vip: "10.77.0.100", dest: "10.77.0.12:80", address: "10.77.0.12", port: 80, forward: "route", weight: 2, activeConns: 0, inactConns: 10 },
    ]);
    expect(dests.find((d) => d.service === "TCP [2001:db8::100]:443")?.dest).toBe("[2001:db8::11]:443");
    expect(dests.find((d) => d.service === "FWM 1")?.vip).toBeNull();
  });
  it("throws on text that is not a listing (the caller then treats traffic as unknown)", () => {
    expect(() => kernelDests("ipvsadm: command not found\n")).toThrow();
  });
});

describe("liveDrTraffic: what undo on a real server would black-hole", () => {
  it("DR and TUN entries with weight > 0 for the host's VIPs (and fwmark services, whose VIP the table does not name)", () => {
    const live = liveDrTraffic(dests, "10.77.0.11", ["10.77.0.100"]);
    expect(live.map((d) => `${d.service} ${d.dest} ${d.forward}`)).toEqual([
      "TCP 10.77.0.100:80 10.77.0.11:80 route", "UDP 10.77.0.100:5060 10.77.0.11:5060 route", "UDP 10.77.0.100:5070 10.77.0.11:5070 route",
      "SCTP 10.77.0.100:3868 10.77.0.11:3868 tunnel", "FWM 1 10.77.0.11:0 route", "FWM 2 10.77.0.11:0 route",
    ]);
  });
  it("leaves out NAT real servers (no VIP on lo needed), weight 0 (drained) and other VIPs", () => {
    // 10.77.0.11:8081 on .101 is Masq weight 0; .102 and .103 are other VIPs
    expect(liveDrTraffic(dests, "10.77.0.11", ["10.77.0.101"]).filter((d) => d.vip !== null)).toEqual([]);
    expect(liveDrTraffic(dests, "10.77.0.12", ["10.77.0.101"]).filter((d) => d.vip !== null)).toEqual([]); // Masq weight 3
    expect(liveDrTraffic(dests, "10.77.0.99", ["10.77.0.100"])).toEqual([]);
    const drained = dests.map((d) => (d.address === "10.77.0.11" ? { ...d, weight: 0 } : d));
    expect(liveDrTraffic(drained, "10.77.0.11", ["10.77.0.100"])).toEqual([]);
  });
  it("says it in words", () => {
    expect(describeDest(dests[0]!)).toBe("TCP 10.77.0.100:80 → 10.77.0.11:80 (weight 1, 0 active connections)");
  });
});

describe("the connections a disruptive step cuts", () => {
  it("reads the target of the planner's commands", () => {
    expect(stepTarget("ipvsadm -d -t 10.78.0.100:80 -r 10.78.0.12:80")).toEqual({ service: "TCP 10.78.0.100:80", dest: "10.78.0.12:80" });
    expect(stepTarget("ipvsadm -D -u [fd78::100]:53")).toEqual({ service: "UDP [fd78::100]:53", dest: null });
    expect(stepTarget("ipvsadm -D -f 7")).toEqual({ service: "FWM 7", dest: null });
    expect(stepTarget("ipvsadm -D --sctp-service 10.0.0.1:3868")).toEqual({ service: "SCTP 10.0.0.1:3868", dest: null });
  });
  it("counts the real server's, or the whole service's, active connections", () => {
    // the fixtures were captured idle (ActiveConn 0); the counts here are set on the parsed rows
    const busy = dests.map((d, i) => ({ ...d, activeConns: d.service === "TCP 10.77.0.100:80" ? i + 3 : d.activeConns }));
    const [a, b] = busy.filter((d) => d.service === "TCP 10.77.0.100:80");
    expect(activeConnsCut(busy, "ipvsadm -d -t 10.77.0.100:80 -r 10.77.0.12:80")).toBe(b!.activeConns);
    expect(activeConnsCut(busy, "ipvsadm -D -t 10.77.0.100:80")).toBe(a!.activeConns + b!.activeConns);
    expect(activeConnsCut(dests, "ipvsadm -D -t 10.77.0.100:80")).toBe(0);
    expect(activeConnsCut(busy, "ipvsadm -D -t 192.0.2.1:80")).toBe(0);
    expect(activeConnsCut(busy, "ipvsadm --clear")).toBeNull();
  });
});
