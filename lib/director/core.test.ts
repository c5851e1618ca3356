// ipvsCore's verify and notes on one read: the answers of the planner and the differences, the two
// reads disagreeing, and notes after verify on the same read.
import { describe, expect, it } from "vitest";
import { ipvsCore } from "./core";

const HEAD = "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn\n  -> RemoteAddress:Port\n";
const table = { services: [{ protocol: "tcp", address: "10.0.0.100", port: 80, scheduler: "rr", destinations: [{ address: "10.0.0.11", port: 80, forward: "route", weight: 1 }] }] };
// 10.0.0.12 left the desired state: weight 0, 3 connections still open
const draining = {
  save: "-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1\n-a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 0\n",
  thresholds: `${HEAD}TCP  10.0.0.100:80 rr\n  -> 10.0.0.11:80                 0          0          0          0\n  -> 10.0.0.12:80                 0          0          3          0\n`,
};

describe("ipvsCore verify and notes", () => {
  it("a graceful drain in progress is no difference, and notes say so (with or without verify first)", () => {
    const d = ipvsCore.validate({ table, graceful: true });
    const alone = ipvsCore.notes!(d, { ...draining });
    expect(alone.some((n) => n.includes("10.0.0.12:80 is draining (weight 0, 3 active connections)"))).toBe(true);
    const read = { ...draining };
    expect(ipvsCore.verify(d, read)).toEqual([]);
    expect(ipvsCore.notes!(d, read)).toEqual(alone);
  });
  it("notes after verify of another desired state on the same read plan for their own", () => {
    const read = { ...draining };
    const strict = ipvsCore.validate({ table });
    expect(ipvsCore.verify(strict, read)).toEqual(["service TCP 10.0.0.100:80: real server 10.0.0.12:80 should not be there"]);
    expect(ipvsCore.notes!(strict, read)).toEqual([]);
    const graceful = ipvsCore.validate({ table, graceful: true });
    expect(ipvsCore.notes!(graceful, read)).toEqual(ipvsCore.notes!(graceful, { ...draining }));
    expect(ipvsCore.notes!(graceful, read).length).toBeGreaterThan(0);
  });
  it("the two reads disagreeing is one difference", () => {
    const d = ipvsCore.validate({ table });
    const v = ipvsCore.verify(d, { save: draining.save, thresholds: `${HEAD}TCP  10.0.0.100:80 rr\n  -> 10.0.0.11:80                 0          0          0          0\n` });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/^the table changed between the two reads .*: read it again$/);
  });
});
