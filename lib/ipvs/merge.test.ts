import { describe, expect, it } from "vitest";
import { TableMismatchError } from "./errors";
import { attachCounters, mergeThresholds } from "./merge";
import { serviceKey } from "./model";
import { parseList } from "./parse-list";
import { parseSave } from "./parse-save";
import { fx } from "./testing/fixtures";

const save = parseSave(fx("save.txt"));
const th = parseList(fx("thresholds.txt"));

describe("mergeThresholds", () => {
  const t = mergeThresholds(save, th);
  const find = (k: string) => t.services.find((s) => serviceKey(s) === k);
  it("puts -x/-y back from --thresholds", () => {
    expect(find("TCP 10.77.0.101:8080")?.destinations.find((d) => d.port === 8081)).toMatchObject({ upperThreshold: 1000, lowerThreshold: 500 });
    expect(find("UDP 10.77.0.100:5060")?.destinations[1]).toMatchObject({ upperThreshold: 2000000000, lowerThreshold: 1999999999 });
    expect(find("TCP [2001:db8::100]:443")?.destinations[1]).toMatchObject({ upperThreshold: 100, lowerThreshold: 50 });
  });
  it("keeps everything else from -S", () => {
    expect(t.services.map((s) => ({ ...s, destinations: s.destinations.map((d) => ({ ...d, upperThreshold: 0, lowerThreshold: 0 })) }))).toEqual(save.services);
  });
  it("refuses another -Ln flavour", () => expect(() => mergeThresholds(save, parseList(fx("list.txt")))).toThrow(/needs ipvsadm -Ln --thresholds/));
  it("says where the two reads disagree", () => {
    const fewer = parseSave(fx("save.txt").split("\n").filter((l) => !l.includes("10.77.0.104:22") && !l.includes("-r [2001:db8::12]:8080")).join("\n"));
    let e: unknown;
    try { mergeThresholds(fewer, th); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(TableMismatchError);
    expect((e as TableMismatchError).differences).toEqual(["FWM 3 IPv6 -> [2001:db8::12]:8080 is missing from -S", "TCP 10.77.0.104:22 is missing from -S"]);
    const th2 = parseList(fx("thresholds.txt").split("\n").filter((l) => !l.includes("10.77.0.2:2222")).join("\n"));
    expect(() => mergeThresholds(save, th2)).toThrow("the two listings disagree: TCP 10.77.0.104:22 -> 10.77.0.2:2222 is missing from --thresholds");
    const th3 = parseList(fx("list-one-service.txt").replace("Scheduler Flags", "Uthreshold Lthreshold ActiveConn InActConn").replace("Forward Weight ActiveConn InActConn", "").replace(/Route   /g, "0 "));
    expect(() => mergeThresholds(save, th3)).toThrow(/FWM 1 is missing from --thresholds/);
  });
});

describe("attachCounters", () => {
  const c = attachCounters(save, parseList(fx("list.txt")), parseList(fx("stats-exact.txt")), parseList(fx("rate-exact.txt")));
  const s = c.services.find((x) => serviceKey(x) === "UDP 10.77.0.100:5060");
  it("joins -Ln, --stats --exact and --rate --exact on the keys", () => {
    expect(s?.counters).toMatchObject({ conns: 1, inPkts: 14000, inBytes: 112392000 });
    expect(s?.counters.inPps).toBeGreaterThan(0);
    expect(s?.destinations[1]?.counters).toMatchObject({ inBytes: 112392000, activeConns: 0 });
    expect(s?.destinations[1]?.weight).toBe(2147483647);
  });
  it("sums a service's active / inactive connections over its real servers", () => {
    const web = c.services.find((x) => serviceKey(x) === "TCP 10.77.0.100:80");
    expect((web?.counters.activeConns ?? 0) + (web?.counters.inactConns ?? 0)).toBe(20);
  });
  it("a service missing from a listing gets no counters", () => {
    const only = attachCounters(save, parseList(fx("list-one-service.txt")));
    expect(only.services.find((x) => serviceKey(x) === "TCP 10.77.0.101:8080")?.counters).toEqual({});
    expect(only.services.find((x) => serviceKey(x) === "TCP 10.77.0.100:80")?.destinations[0]?.counters).toHaveProperty("activeConns");
  });
});
