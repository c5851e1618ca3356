import { describe, expect, it } from "vitest";
import { IpvsParseError } from "./errors";
import { destKey, serviceKey } from "./model";
import { parseList, type ListFormat, type Listing, type ListedService } from "./parse-list";
import { parseSave } from "./parse-save";
import { fx } from "./testing/fixtures";

const get = (l: Listing, key: string): ListedService => {
  const s = l.services.find((x) => serviceKey(x) === key);
  if (!s) throw new Error(`no ${key}`);
  return s;
};
const save = parseSave(fx("save.txt"));
const shape = (x: { services: Array<{ destinations: Array<{ address: string; port: number }> } & Parameters<typeof serviceKey>[0]> }) =>
  x.services.map((s) => `${serviceKey(s)} ${s.destinations.map(destKey).sort().join(",")}`).sort();

describe("every -Ln fixture parses, with the same services and real servers as -S -n", () => {
  const cases: Array<[string, ListFormat, boolean]> = [
    ["list.txt", "list", false], ["list-exact.txt", "list", false], ["tun-info.txt", "tun-info", false],
    ["stats.txt", "stats", true], ["stats-exact.txt", "stats", false], ["rate.txt", "rate", false],
    ["rate-exact.txt", "rate", false], ["thresholds.txt", "thresholds", false], ["persistent-conn.txt", "persistent-conn", false],
  ];
  it.each(cases)("%s is %s", (file, format, approximate) => {
    const l = parseList(fx(file));
    expect(l.format).toBe(format);
    expect(l.approximate).toBe(approximate);
    expect(shape(l)).toEqual(shape(save));
  });
  it("the config flavours agree with -S -n on every option -Ln prints", () => {
    for (const file of ["list.txt", "tun-info.txt", "thresholds.txt", "persistent-conn.txt"]) {
      const l = parseList(fx(file));
      for (const s of save.services) {
        const x = get(l, serviceKey(s));
        expect({ sched: x.scheduler, p: x.persistent, m: x.netmask, ops: x.ops, f: x.flags }).toEqual({ sched: s.scheduler, p: s.persistent, m: s.netmask, ops: s.ops, f: s.flags });
        // -Ln prints pe only inside the persistence clause
        expect(x.pe).toBe(s.persistent === null ? null : s.pe);
      }
    }
  });
  it("plain -Ln agrees with -S -n on forward and weight (local is listed as Route/Masq)", () => {
    const l = parseList(fx("list.txt"));
    for (const s of save.services) {
      const m = new Map(get(l, serviceKey(s)).destinations.map((d) => [destKey(d), d]));
      for (const d of s.destinations) expect([m.get(destKey(d))?.forward, m.get(destKey(d))?.weight]).toEqual([d.forward, d.weight]);
    }
  });
  it("--tun-info agrees with -S -n on the tunnel fields", () => {
    const l = parseList(fx("tun-info.txt"));
    for (const s of save.services) {
      const m = new Map(get(l, serviceKey(s)).destinations.map((d) => [destKey(d), d]));
      for (const d of s.destinations) {
        const x = m.get(destKey(d));
        expect([x?.tunnelType, x?.tunnelPort, x?.tunnelCsum]).toEqual([d.tunnelType, d.tunnelPort, d.tunnelCsum]);
      }
    }
  });
});

describe("values", () => {
  it("stats without --exact: 112392K is read as 112392000 and flagged approximate", () => {
    const l = parseList(fx("stats.txt"));
    const s = get(l, "UDP 10.77.0.100:5060");
    expect(s).toMatchObject({ conns: 1, inPkts: 14000, outPkts: 0, inBytes: 112392000, outBytes: 0 });
    expect(s.destinations[1]).toMatchObject({ address: "10.77.0.12", inBytes: 112392000 });
  });
  it("stats --exact gives the exact byte count", () => {
    const s = get(parseList(fx("stats-exact.txt")), "UDP 10.77.0.100:5060");
    expect(s.inBytes).toBe(112392000); // 14000 datagrams x 8028 bytes; printed as 112392K without --exact
    expect(s.inPkts).toBe(14000);
  });
  it("masq shows OutPkts, DR does not", () => {
    const l = parseList(fx("stats-exact.txt"));
    expect(get(l, "TCP 10.77.0.101:8080").outPkts).toBeGreaterThan(0);
    expect(get(l, "TCP 10.77.0.100:80")).toMatchObject({ conns: 20, outPkts: 0 });
    expect(get(l, "TCP 10.77.0.100:80").inPkts).toBeGreaterThan(0);
  });
  it("rates are read into cps/inPps/outPps/inBps/outBps", () => {
    const s = get(parseList(fx("rate-exact.txt")), "UDP 10.77.0.100:5060");
    expect(Object.keys(s).filter((k) => ["cps", "inPps", "outPps", "inBps", "outBps"].includes(k))).toHaveLength(5);
    expect(s.inPps).toBeGreaterThan(0);
    expect(s.inBps).toBeGreaterThan(s.inPps as number);
  });
  it("10-digit weights push the columns right", () => {
    const s = get(parseList(fx("list.txt")), "UDP 10.77.0.100:5060");
    expect(s.destinations.map((d) => d.weight)).toEqual([1234567, 2147483647]);
    expect(get(parseList(fx("list.txt")), "SCTP [fd00:77::1]:9000").destinations[0]).toMatchObject({ address: "fd00:77::1234:5678:9abc:def0", port: 9000, forward: "masq", weight: 1000000 });
  });
  it("active / inactive connections", () => {
    const s = get(parseList(fx("list.txt")), "TCP 10.77.0.100:80");
    const total = s.destinations.reduce((a, d) => a + (d.activeConns as number) + (d.inactConns as number), 0);
    expect(total).toBe(20);
  });
  it("thresholds", () => {
    const l = parseList(fx("thresholds.txt"));
    expect(get(l, "TCP 10.77.0.101:8080").destinations.find((d) => d.port === 8081)).toMatchObject({ upperThreshold: 1000, lowerThreshold: 500, forward: null, weight: null });
    expect(get(l, "UDP 10.77.0.100:5060").destinations[1]).toMatchObject({ upperThreshold: 2000000000, lowerThreshold: 1999999999 });
    expect(get(l, "FWM 2147483647").destinations[0]).toMatchObject({ upperThreshold: 10, lowerThreshold: 2 });
  });
  it("persistent connections", () => {
    const s = get(parseList(fx("persistent-conn.txt")), "TCP 10.77.0.103:80");
    expect(s.destinations.find((d) => d.address === "10.77.0.12")).toMatchObject({ weight: 1, persistConns: 1 });
  });
  it("fwmarks >= 2^31 (listed negative) and IPv6 fwmarks", () => {
    const l = parseList(fx("list.txt"));
    expect(get(l, "FWM 4294967295").scheduler).toBe("rr");
    expect(get(l, "FWM 2147483648").persistent).toBe(600);
    expect(get(l, "FWM 3 IPv6")).toMatchObject({ family: "inet6", netmask: "64" });
    expect(get(parseList(fx("stats.txt")), "FWM 3 IPv6").destinations).toHaveLength(2);
  });
  it("flags: sh () is flag-3", () => {
    const l = parseList(fx("list.txt"));
    expect(get(l, "TCP 10.77.0.106:80").flags).toEqual(["flag-3"]);
    expect(get(l, "UDP 10.77.0.100:5070")).toMatchObject({ flags: ["sh-fallback", "sh-port"], persistent: 90, netmask: "255.255.255.0", pe: "sip", ops: true });
  });
  it("a single service has no version banner", () => {
    const l = parseList(fx("list-one-service.txt"));
    expect(l.services.map(serviceKey)).toEqual(["TCP 10.77.0.100:80"]);
    expect(parseList(fx("list-one-fwmark.txt"), ["stats"]).services[0]?.destinations).toHaveLength(2);
  });
  it("the empty table", () => expect(parseList(fx("empty-list.txt"))).toEqual({ format: "list", approximate: false, services: [] }));
  it("M, G and T suffixes multiply out", () => {
    const text = "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\nTCP  10.0.0.1:80  1  2M  3G  4T  120000K\n";
    expect(parseList(text).services[0]).toMatchObject({ conns: 1, inPkts: 2e6, outPkts: 3e9, inBytes: 4e12, outBytes: 1.2e8 });
  });
  it("Local forwarding (older kernels) is read", () => {
    const text = "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.0.0.1:80 wlc\n  -> 127.0.0.1:80  Local   1      0          0\n";
    expect(parseList(text).services[0]?.destinations[0]?.forward).toBe("local");
  });
  it("expect restricts the flavour", () => {
    expect(() => parseList(fx("list.txt"), ["stats"])).toThrow(/line 3: this is ipvsadm -Ln list output, expected stats/);
    expect(parseList(fx("tun-info.txt"), ["list", "tun-info"]).format).toBe("tun-info");
  });
});

describe("parseList errors name the line number and the line", () => {
  const H = "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
  const S = "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n";
  const T = "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\nTCP  1.1.1.1:1 rr\n";
  const cases: Array<[string, string, number, RegExp]> = [
    ["empty input", "", 1, /headers are missing/],
    ["header only", "Prot LocalAddress:Port Scheduler Flags\n", 1, /headers are missing/],
    ["not -Ln", "hello world\n", 1, /expected the "Prot LocalAddress:Port/],
    ["banner late", "\nIP Virtual Server version 1.2.1 (size=4096)\n", 2, /version banner after the first line/],
    ["unknown columns", "Prot LocalAddress:Port Foo Bar\n", 1, /unknown -Ln column header/],
    ["missing dest header", "Prot LocalAddress:Port Scheduler Flags\nTCP  1.1.1.1:1 rr\n", 2, /expected the "-> RemoteAddress:Port/],
    ["unknown dest columns", "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port  Forward Foo\n", 2, /unknown real-server column header/],
    ["stats dest columns", "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port Forward\n", 2, /unexpected real-server column header/],
    ["dest first", H + "  -> 1.1.1.1:1  Route 1 0 0\n", 4, /real server line before any service/],
    ["unknown protocol", H + "ICMP 1.1.1.1:1 rr\n", 4, /unknown protocol "ICMP"/],
    ["no address", H + "TCP\n", 4, /service line without an address/],
    ["bad address", H + "TCP  1.1.1.256:1 rr\n", 4, /not ADDR:PORT/],
    ["leading zero", H + "TCP  01.1.1.1:1 rr\n", 4, /not ADDR:PORT/],
    ["bad port", H + "TCP  1.1.1.1:65536 rr\n", 4, /not ADDR:PORT/],
    ["bad v6", H + "TCP  [1::g]:1 rr\n", 4, /not ADDR:PORT/],
    ["no scheduler", H + "TCP  1.1.1.1:1\n", 4, /without a scheduler/],
    ["unknown scheduler", H + "TCP  1.1.1.1:1 xx\n", 4, /unknown scheduler "xx"/],
    ["bad flags", H + "TCP  1.1.1.1:1 rr (flag-1\n", 4, /malformed scheduler flags/],
    ["wrong flags", H + "TCP  1.1.1.1:1 rr (sh-port)\n", 4, /only applies to the sh scheduler/],
    ["persistent without value", H + "TCP  1.1.1.1:1 rr persistent\n", 4, /persistent needs a timeout/],
    ["mask without value", H + "TCP  1.1.1.1:1 rr persistent 5 mask\n", 4, /mask needs a value/],
    ["bad mask", H + "TCP  1.1.1.1:1 rr persistent 5 mask 64\n", 4, /IPv4 netmask "64"/],
    ["unknown pe", H + "TCP  1.1.1.1:1 rr persistent 5 pe foo\n", 4, /unknown persistence engine "foo"/],
    ["trailing junk", H + "TCP  1.1.1.1:1 rr ops extra\n", 4, /unexpected "extra"/],
    ["bad fwmark", H + "FWM  x rr\n", 4, /fwmark "x" is not a number/],
    ["bad dest address", H + "TCP  1.1.1.1:1 rr\n  -> 1.1.1:1 Route 1 0 0\n", 5, /real server "1.1.1:1" is not ADDR:PORT/],
    ["dest columns", H + "TCP  1.1.1.1:1 rr\n  -> 1.1.1.1:1 Route 1 0\n", 5, /expected 4 columns after the real server, got 3/],
    ["unknown forward", H + "TCP  1.1.1.1:1 rr\n  -> 1.1.1.1:1 Bridge 1 0 0\n", 5, /unknown forwarding method "Bridge"/],
    ["bad weight", H + "TCP  1.1.1.1:1 rr\n  -> 1.1.1.1:1 Route -1 0 0\n", 5, /"-1" is not a valid weight/],
    ["suffix in a weight", H + "TCP  1.1.1.1:1 rr\n  -> 1.1.1.1:1 Route 1K 0 0\n", 5, /"1K" is not a valid weight/],
    ["stats count", S + "TCP  1.1.1.1:1 1 2 3 4\n", 3, /expected 5 counters/],
    ["bad counter", S + "TCP  1.1.1.1:1 1 2 3 4 5X\n", 3, /"5X" is not a counter/],
    ["bad dest counter", S + "TCP  1.1.1.1:1 1 2 3 4 5\n  -> 2.2.2.2:1 1 2 3 K 5\n", 4, /"K" is not a valid counter/],
    ["unknown tun info", T + "  -> 1.1.1.1:1 Tunnel vxlan 1 0 0\n", 4, /unknown tunnel info "vxlan"/],
    ["bad gue port", T + "  -> 1.1.1.1:1 Tunnel gue:0:-c 1 0 0\n", 4, /bad gue tunnel port/],
    ["bad csum", T + "  -> 1.1.1.1:1 Tunnel gre:?c 1 0 0\n", 4, /unknown tunnel info/],
    ["tunnel info on route", T + "  -> 1.1.1.1:1 Route ipip 1 0 0\n", 4, /does not match the forwarding method/],
    ["n/a on tunnel", T + "  -> 1.1.1.1:1 Tunnel n/a 1 0 0\n", 4, /does not match the forwarding method/],
  ];
  it.each(cases)("%s", (_n, text, line, reason) => {
    let err: unknown;
    try { parseList(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(IpvsParseError);
    const e = err as IpvsParseError;
    expect(e.line).toBe(line);
    expect(e.text).toBe(text.split("\n")[line - 1]);
    expect(e.reason).toMatch(reason);
    expect(e.message.startsWith(`line ${line}: `)).toBe(true);
  });
});
