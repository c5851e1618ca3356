import { describe, expect, it } from "vitest";
import { IpvsParseError } from "./errors";
import { serviceKey, type Service } from "./model";
import { parseSave, tokens } from "./parse-save";
import { fx } from "./testing/fixtures";

const table = parseSave(fx("save.txt"));
const svc = (key: string): Service => {
  const s = table.services.find((x) => serviceKey(x) === key);
  if (!s) throw new Error(`no ${key}`);
  return s;
};

describe("parseSave on real -S -n output (fixtures/save.txt)", () => {
  it("reads every service and real server", () => {
    expect(table.services).toHaveLength(fx("save.txt").split("\n").filter((l) => l.startsWith("-A ")).length);
    expect(table.services.reduce((n, s) => n + s.destinations.length, 0)).toBe(fx("save.txt").split("\n").filter((l) => l.startsWith("-a ")).length);
    expect(table.services).toHaveLength(25);
  });
  it("reads a DR service (rs2 was added as :999 and the kernel holds :80)", () => {
    expect(svc("TCP 10.77.0.100:80")).toEqual({
      protocol: "tcp", family: "inet", address: "10.77.0.100", port: 80, fwmark: null, scheduler: "rr", persistent: null, netmask: null,
      ops: false, pe: null, flags: [],
      destinations: [
        { address: "10.77.0.11", port: 80, forward: "route", weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: null, tunnelPort: null, tunnelCsum: null },
        { address: "10.77.0.12", port: 80, forward: "route", weight: 2, upperThreshold: 0, lowerThreshold: 0, tunnelType: null, tunnelPort: null, tunnelCsum: null },
      ],
    });
  });
  it("turns negative fwmarks back into unsigned marks", () => {
    expect(svc("FWM 4294967295").scheduler).toBe("rr");
    expect(svc("FWM 2147483648")).toMatchObject({ persistent: 600, netmask: "255.255.0.0", scheduler: "wlc" });
    expect(svc("FWM 2147483647").destinations[0]).toMatchObject({ address: "10.77.0.11", port: 25, forward: "masq", weight: 3 });
  });
  it("reads sh with flags, persistence, mask, pe and ops", () => {
    expect(svc("UDP 10.77.0.100:5070")).toMatchObject({ scheduler: "sh", flags: ["sh-fallback", "sh-port"], persistent: 90, netmask: "255.255.255.0", pe: "sip", ops: true });
  });
  it("reads the empty -b of sh flag-3 as flag-3", () => {
    expect(svc("TCP 10.77.0.106:80").flags).toEqual(["flag-3"]);
  });
  it("reads mh flags and gue tunnels with their checksum modes", () => {
    const s = svc("TCP 10.77.0.105:443");
    expect(s.flags).toEqual(["mh-fallback", "mh-port"]);
    expect(s.destinations.map((d) => [d.tunnelType, d.tunnelPort, d.tunnelCsum])).toEqual([
      ["gue", 6080, "nocsum"], ["gue", 6081, "csum"], ["gue", 6082, "remcsum"],
    ]);
  });
  it("reads ipip and gre tunnels over SCTP", () => {
    expect(svc("SCTP 10.77.0.100:3868").destinations.map((d) => [d.forward, d.tunnelType, d.tunnelCsum])).toEqual([
      ["tunnel", "ipip", null], ["tunnel", "gre", "csum"], ["tunnel", "gre", "nocsum"],
    ]);
  });
  it("reads IPv6, IPv4-mapped, and an IPv4 tunnel real server of an IPv6 service", () => {
    expect(svc("TCP [2001:db8::100]:443")).toMatchObject({ family: "inet6", persistent: 1800, netmask: "64", scheduler: "nq" });
    expect(svc("TCP [2001:db8::abcd]:80").destinations.map((d) => `${d.address}:${d.port}:${d.forward}`)).toEqual(["10.77.0.11:80:tunnel", "2001:db8::11:80:route"]);
    expect(svc("UDP [::ffff:10.77.0.100]:53").family).toBe("inet6");
    expect(svc("SCTP [fd00:77::1]:9000").destinations[0]).toMatchObject({ address: "fd00:77::1234:5678:9abc:def0", weight: 1000000 });
  });
  it("reads IPv6 fwmark services (-6) and their :0 real servers", () => {
    expect(svc("FWM 3 IPv6")).toMatchObject({ family: "inet6", scheduler: "sed", persistent: 120, netmask: "64" });
    expect(svc("FWM 3 IPv6").destinations.map((d) => d.port)).toEqual([0, 8080]);
  });
  it("reads defaults, port 0, -M 24 as 0.0.0.24, pe without persistence, big weights", () => {
    expect(svc("TCP 10.77.0.110:80")).toMatchObject({ scheduler: "wlc", persistent: null });
    expect(svc("TCP 10.77.0.111:80")).toMatchObject({ persistent: 360, netmask: "255.255.255.255" });
    expect(svc("TCP 10.77.0.102:0")).toMatchObject({ persistent: 2678400, netmask: "255.255.255.240" });
    expect(svc("TCP 10.77.0.108:25").netmask).toBe("0.0.0.24");
    expect(svc("UDP 10.77.0.109:5060")).toMatchObject({ pe: "sip", persistent: null });
    expect(svc("UDP 10.77.0.100:5060").destinations.map((d) => d.weight)).toEqual([1234567, 2147483647]);
  });
  it("has no thresholds (the save format loses -x/-y)", () => {
    expect(table.services.every((s) => s.destinations.every((d) => d.upperThreshold === 0 && d.lowerThreshold === 0))).toBe(true);
  });
  it("reads the empty table", () => expect(parseSave(fx("empty-save.txt"))).toEqual({ services: [] }));
  it("reads what the real kernel printed after restoring our rendering", () => {
    expect(parseSave(fx("roundtrip-save.txt")).services.map(serviceKey).sort()).toEqual(table.services.map(serviceKey).sort());
  });
});

describe("parseSave on hand-written restore input", () => {
  it("fills ipvsadm's defaults and applies its DR port rule", () => {
    const t = parseSave("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.11:8080\n-a -t 10.0.0.1:80 -r 10.0.0.12 -m\n-A -t 10.0.0.2:80 -s rr -p\n-A -f 7 -s rr\n-a -f 7 -r 10.0.0.13 -m -x 10 -y 5\n");
    expect(t.services[0]).toMatchObject({ scheduler: "wlc", destinations: [{ port: 80, forward: "route", weight: 1 }, { port: 80, forward: "masq" }] });
    expect(t.services[1]).toMatchObject({ persistent: 360, netmask: "255.255.255.255" });
    expect(t.services[2]?.destinations[0]).toMatchObject({ port: 0, upperThreshold: 10, lowerThreshold: 5 });
  });
  it("accepts long service options, an unbracketed IPv6 real server and canonicalises addresses", () => {
    const t = parseSave("-A --tcp-service [2001:DB8:0::1]:80 -s rr\n-a --tcp-service [2001:db8::1]:80 -r 2001:db8::0:11 -m\n");
    expect(t.services[0]?.address).toBe("2001:db8::1");
    expect(t.services[0]?.destinations[0]).toMatchObject({ address: "2001:db8::11", port: 80 });
  });
  it("tokenises on runs of blanks", () => expect(tokens("  -A\t-t  1.2.3.4:5 \r")).toEqual(["-A", "-t", "1.2.3.4:5"]));
});

describe("parseSave errors name the line number and the line", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["garbage", "hello", /expected -A \(service\) or -a/],
    ["two services", "-A -t 1.1.1.1:1 -u 1.1.1.1:1", /more than one service option/],
    ["service value missing", "-A -t", /-t needs a value/],
    ["option twice", "-A -t 1.1.1.1:1 -s rr -s wlc", /option -s given twice/],
    ["value missing", "-A -t 1.1.1.1:1 -s", /-s needs a value/],
    ["unknown option", "-A -t 1.1.1.1:1 --frobnicate", /unknown option "--frobnicate"/],
    ["no service", "-A -s rr", /no service given/],
    ["dest option on service", "-A -t 1.1.1.1:1 -w 3", /-w belongs to a real server/],
    ["service option on dest", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -s rr", /-s belongs to a service/],
    ["duplicate service", "-A -t 1.1.1.1:1\n-A -t 1.1.1.1:1", /defined twice/],
    ["dest before service", "-a -t 1.1.1.1:1 -r 2.2.2.2:1", /not defined above/],
    ["duplicate dest", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1", /defined twice/],
    ["bad fwmark", "-A -f x", /fwmark "x" is not a number/],
    ["fwmark 0", "-A -f 0", /out of range/],
    ["fwmark too big", "-A -f 4294967296", /out of range/],
    ["fwmark too negative", "-A -f -2147483649", /out of range/],
    ["-6 without fwmark", "-A -t 1.1.1.1:1 -6", /-6 only applies to fwmark/],
    ["bad service address", "-A -t 1.1.1:80", /not a valid IPv4 or IPv6/],
    ["service without port", "-A -t 1.1.1.1", /not ADDR:PORT/],
    ["unknown scheduler", "-A -t 1.1.1.1:1 -s twosies", /unknown scheduler "twosies"/],
    ["bad timeout", "-A -t 1.1.1.1:1 -p 0", /persistence timeout "0" is not an integer 1..2678400/],
    ["timeout too long", "-A -t 1.1.1.1:1 -p 2678401", /persistence timeout/],
    ["bad v4 mask", "-A -t 1.1.1.1:1 -p 5 -M 64", /IPv4 netmask "64"/],
    ["bad v6 mask", "-A -t [::1]:1 -p 5 -M 129", /prefix length/],
    ["unknown pe", "-A -t 1.1.1.1:1 --pe foo", /unknown persistence engine "foo"/],
    ["wrong flag", "-A -t 1.1.1.1:1 -s rr -b sh-port", /only applies to the sh scheduler/],
    ["unknown flag", "-A -t 1.1.1.1:1 -s rr -b bogus", /unknown scheduler flag "bogus"/],
    ["dest without -r", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -w 1", /needs -r/],
    ["bad dest", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2:1", /not a valid IPv4 or IPv6/],
    ["bad dest port", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:70000", /is not ADDR\[:PORT\]/],
    ["bracketed dest without port", "-A -t [::1]:1\n-a -t [::1]:1 -r [::2]", /is not ADDR\[:PORT\]/],
    ["bad dest v6", "-A -t [::1]:1\n-a -t [::1]:1 -r [::g]:1", /not a valid IPv4 or IPv6/],
    ["bad unbracketed dest", "-A -t [::1]:1\n-a -t [::1]:1 -r 1:2:3", /not a valid IPv4 or IPv6/],
    ["two methods", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -g -m", /more than one forwarding method/],
    ["bad weight", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -w 2147483648", /weight "2147483648" is not an integer 0..2147483647/],
    ["bad -x", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -x -1", /-x needs a value|upper threshold/],
    ["bad -y", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -y x", /lower threshold "x"/],
    ["unknown tunnel", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -i --tun-type vxlan", /unknown tunnel type "vxlan"/],
    ["bad tunnel port", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -i --tun-type gue --tun-port 0", /tunnel port "0"/],
    ["two checksums", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -i --tun-type gre --tun-csum --tun-nocsum", /more than one tunnel checksum/],
    ["tunnel opts without -i", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -m --tun-type gre", /need the tunnel method/],
    ["gue without port", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -i --tun-type gue", /needs --tun-port/],
    ["port on gre", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -i --tun-type gre --tun-port 5", /only applies to gue/],
    ["remcsum on gre", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -i --tun-type gre --tun-remcsum", /remcsum only applies to gue/],
    ["csum on ipip", "-A -t 1.1.1.1:1\n-a -t 1.1.1.1:1 -r 2.2.2.2:1 -i --tun-csum", /do not apply to ipip/],
  ];
  it.each(cases)("%s", (_name, text, reason) => {
    const lines = text.split("\n");
    let err: unknown;
    try { parseSave(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(IpvsParseError);
    const e = err as IpvsParseError;
    expect(e.line).toBe(lines.length);
    expect(e.text).toBe(lines[lines.length - 1]);
    expect(e.reason).toMatch(reason);
    expect(e.message).toBe(`line ${lines.length}: ${e.reason}: ${JSON.stringify(lines[lines.length - 1])}`);
  });
});
