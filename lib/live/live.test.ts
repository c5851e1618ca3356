import { describe, expect, it } from "vitest";
import { parseSave } from "@/lib/ipvs";
import { buildRows, countersFor } from "@/lib/live/live";

// Text as the real ipvsadm 1.31 prints it (see lib/ipvs/fixtures).
const list = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.0.0.100:80 wlc
  -> 10.0.0.11:80                 Route   3      0          0         
`;
const save = "-A -t 10.0.0.100:80 -s wlc\n-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 3\n";
const thresholds = (x: number, y: number) => `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn 
  -> RemoteAddress:Port
TCP  10.0.0.100:80 wlc
  -> 10.0.0.11:80                 ${x}          ${y}          0          0         
`;
const desired = parseSave("-A -t 10.0.0.100:80 -s wlc\n-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 3 -x 1000 -y 800\n");
const rsDrift = (rows: ReturnType<typeof buildRows>) => rows.find((r) => r.kind === "dest")?.drift;

describe("live rows: threshold drift", () => {
  it("no drift when the kernel holds the desired thresholds (read from -Ln --thresholds, since -S loses them)", () => {
    expect(rsDrift(buildRows({ list, stats: "", rate: "", save, thresholds: thresholds(1000, 800) }, desired))).toEqual({ status: "ok", fields: [] });
  });
  it("names the threshold that differs", () => {
    expect(rsDrift(buildRows({ list, stats: "", rate: "", save, thresholds: thresholds(1000, 0) }, desired))).toEqual({ status: "different", fields: ["lowerThreshold"] });
  });
  it("without a thresholds listing, thresholds are not compared rather than reported as drift", () => {
    expect(rsDrift(buildRows({ list, stats: "", rate: "", save }, desired))).toEqual({ status: "ok", fields: [] });
  });
});

describe("countersFor: the listings a live view reads", () => {
  it.each([
    ["list", { stats: false, rate: false }], ["raw", { stats: false, rate: false }], ["stats", { stats: true, rate: false }],
    ["rate", { stats: false, rate: true }], [null, { stats: true, rate: true }], ["bogus", { stats: true, rate: true }],
  ])("%s -> %j", (view, want) => expect(countersFor(view)).toEqual(want));
});
