import { describe, expect, it } from "vitest";
import { parseSave } from "@/lib/ipvs";
import { renderService } from "./desired";

const vs = {
  protocol: "tcp", address: "10.0.0.100", port: 80, fwmark: null, family: "inet", scheduler: "wlc", schedulerFlags: [],
  persistenceTimeout: null, persistenceNetmask: null, onePacket: false, persistenceEngine: null, sorryAddress: null, sorryPort: null,
};

describe("renderService (desired state as ipvsadm lines)", () => {
  it("carries a real server's connection thresholds, which ipvsadm -S never prints", () => {
    const lines = renderService({ ...vs, realServers: [
      { address: "10.0.0.11", port: 80, weight: 5, forwardingMethod: "route", state: "active", upperThreshold: 1000, lowerThreshold: 800 },
      { address: "10.0.0.12", port: 80, weight: 5, forwardingMethod: "route", state: "active", upperThreshold: 0, lowerThreshold: 0 },
    ] });
    expect(lines).toEqual([
      "-A -t 10.0.0.100:80 -s wlc",
      "-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 5 -x 1000 -y 800",
      "-a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 5",
    ]);
    const [d1, d2] = parseSave(lines.join("\n") + "\n").services[0]!.destinations;
    expect([d1!.upperThreshold, d1!.lowerThreshold, d2!.upperThreshold]).toEqual([1000, 800, 0]);
  });

  it("leaves disabled real servers out and gives draining ones weight 0", () => {
    const lines = renderService({ ...vs, realServers: [
      { address: "10.0.0.11", port: 80, weight: 5, forwardingMethod: "route", state: "draining" },
      { address: "10.0.0.12", port: 80, weight: 5, forwardingMethod: "route", state: "disabled" },
    ] });
    expect(lines).toEqual(["-A -t 10.0.0.100:80 -s wlc", "-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 0"]);
  });
});
