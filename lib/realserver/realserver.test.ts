import { describe, expect, it } from "vitest";
import { InvalidParams, parseRsParams, renderRsScript, parseScriptOutput, verdict, type RealServerFacts } from "./index";

const hostile = ["10.0.0.1; reboot", "$(reboot)", "10.0.0.1\n10.0.0.2", "１０.0.0.1", "x".repeat(10_240), "`id`", "10.0.0.1 ", "127.0.0.1", "0.0.0.0", "224.0.0.1", "10.0.0.256"];

describe("parameters are validated before any command exists", () => {
  it.each(hostile)("refuses VIP %j", (vip) => {
    expect(() => renderRsScript({ vips: [vip] })).toThrow(InvalidParams);
  });
  it.each(["eth0; reboot", "$(id)", "eth\n0", "ëth0", "a".repeat(16), "x".repeat(10_240), "../x"])("refuses interface %j", (iface) => {
    expect(() => parseRsParams({ vips: ["10.0.0.100"], iface })).toThrow(InvalidParams);
  });
  it("refuses unknown fields and bad ports", () => {
    expect(() => parseRsParams({ vips: ["10.0.0.100"], extra: "x" })).toThrow(InvalidParams);
    expect(() => parseRsParams({ vips: ["10.0.0.100"], port: 0 })).toThrow(InvalidParams);
    expect(() => parseRsParams({ vips: [] })).toThrow(InvalidParams);
  });
});

describe("the generated script", () => {
  const s = renderRsScript({ vips: ["10.0.0.100", "10.0.0.101"], iface: "eth0.100", port: 80 });
  it("sets and verifies the sysctls before binding any VIP", () => {
    const set = s.indexOf("sysctl -q -w");
    const verify = s.indexOf("did not become");
    const bind = s.indexOf("ip addr add");
    expect(set).toBeGreaterThan(0);
    expect(set).toBeLessThan(verify);
    expect(verify).toBeLessThan(bind);
    expect(s).toContain('label "$LABEL"');
    expect(s).toContain("VIPS='10.0.0.100 10.0.0.101'");
  });
  it("runs few processes: one read to verify all sysctls, one grep for status, no awk", () => {
    expect(s).toContain('if [ "$(cat /proc/sys/net/ipv4/conf/all/arp_ignore /proc/sys/net/ipv4/conf/all/arp_announce /proc/sys/net/ipv4/conf/lo/arp_ignore');
    expect(s).toContain("then ss -Hlnt; else");
    expect(s).toContain('grep . "$C"/*/arp_ignore');
  });
  it("uses slash keys for VLAN interfaces", () => {
    expect(s).toContain("net/ipv4/conf/eth0.100/arp_ignore=1");
  });
  it("TUN mode turns rp_filter off on all and tunl0 and binds on tunl0", () => {
    const t = renderRsScript({ vips: ["10.0.0.100"], mode: "tunnel" });
    expect(t).toContain("net.ipv4.conf.all.rp_filter=0");
    expect(t).toContain("net.ipv4.conf.tunl0.rp_filter=0");
    expect(t).toContain("DEV=tunl0");
  });
});

const facts = (over: Partial<RealServerFacts> = {}): RealServerFacts => ({
  conf: { all: { arp_ignore: 1, arp_announce: 2, rp_filter: 0 }, lo: { arp_ignore: 1, arp_announce: 2 }, eth0: { arp_ignore: 0, arp_announce: 0, rp_filter: 1 } },
  interfaces: [
    { ifname: "lo", up: true, addrs: [{ family: "inet", local: "127.0.0.1", prefixlen: 8, label: "lo" }, { family: "inet", local: "10.0.0.100", prefixlen: 32, label: "lo:1" }] },
    { ifname: "eth0", up: true, addrs: [{ family: "inet", local: "10.0.0.11", prefixlen: 24, label: "eth0" }] },
  ],
  defaultGateway: "10.0.0.254",
  defaultDev: "eth0",
  listening: [{ addr: "0.0.0.0", port: 80 }],
  files: { sysctl: true, unit: false, systemd: false },
  ...over,
});

describe("verdict", () => {
  const p = parseRsParams({ vips: ["10.0.0.100"], port: 80, director: "10.0.0.2" });
  it("a prepared DR real server is ready", () => {
    expect(verdict(facts(), p)).toEqual([expect.objectContaining({ vip: "10.0.0.100", ready: true, problems: [], iface: "eth0" })]);
  });
  it("names the classic ARP problem in words", () => {
    const v = verdict(facts({ conf: { all: { arp_ignore: 0, arp_announce: 0 }, eth0: {} } }), p)[0]!;
    expect(v.ready).toBe(false);
    expect(v.problems).toContain("VIP bound but arp_ignore on all is 0 and on eth0 is 0: this host answers ARP for the VIP (needs 1)");
  });
  it("the interface value counts too (max of all and the interface)", () => {
    const v = verdict(facts({ conf: { all: { arp_ignore: 0, arp_announce: 0 }, eth0: { arp_ignore: 1, arp_announce: 2 } } }), p)[0]!;
    expect(v.ready).toBe(true);
  });
  it("flags a /24 VIP on lo, a VIP on eth0, a director gateway, and a port bound only to the RIP", () => {
    const f = facts({
      interfaces: [
        { ifname: "lo", up: true, addrs: [{ family: "inet", local: "10.0.0.100", prefixlen: 24 }] },
        { ifname: "eth0", up: true, addrs: [{ family: "inet", local: "10.0.0.11", prefixlen: 24 }, { family: "inet", local: "10.0.0.100", prefixlen: 32 }] },
      ],
      defaultGateway: "10.0.0.2",
      listening: [{ addr: "10.0.0.11", port: 80 }],
    });
    const v = verdict(f, p)[0]!;
    expect(v.problems.join("\n")).toMatch(/as \/24/);
    expect(v.problems.join("\n")).toMatch(/bound on eth0/);
    expect(v.problems).toContain("default gateway is the director (10.0.0.2): DR replies must bypass it");
    expect(v.problems.join("\n")).toMatch(/listens only on 10\.0\.0\.11/);
  });
  it("NAT: the gateway must be the director", () => {
    const nat = parseRsParams({ vips: ["10.0.0.100"], mode: "masq", director: "10.0.0.2" });
    expect(verdict(facts(), nat)[0]!.problems).toEqual(["default gateway is 10.0.0.254, not the director (10.0.0.2): NAT replies must go back through it"]);
    expect(verdict(facts({ defaultGateway: "10.0.0.2" }), nat)[0]!.ready).toBe(true);
  });
});

describe("parseScriptOutput", () => {
  it("reads events, failures and the facts sections", () => {
    const out = [
      "@@lvs ok sysctls",
      "@@lvs ok vip 10.0.0.100 bound",
      "@@lvs-probe sysctl",
      "/proc/sys/net/ipv4/conf/all/arp_ignore:1",
      "/proc/sys/net/ipv4/conf/eth0/rp_filter:2",
      "@@lvs-probe addr",
      '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"addr_info":[{"family":"inet","local":"10.0.0.100","prefixlen":32,"label":"lo:1"}]}]',
      "@@lvs-probe route",
      '[{"dst":"default","gateway":"10.0.0.254","dev":"eth0"}]',
      "@@lvs-probe listen",
      "LISTEN 0      128          0.0.0.0:22         0.0.0.0:*",
      "LISTEN 0      511             [::]:80            [::]:*",
      "LISTEN 0      5     10.0.0.11%eth0:8080       0.0.0.0:*",
      "@@lvs-probe files",
      "F sysctl",
      "@@lvs-probe end",
      "",
    ].join("\n");
    const r = parseScriptOutput(out);
    expect(r.events).toEqual(["ok sysctls", "ok vip 10.0.0.100 bound"]);
    expect(r.failure).toBeNull();
    expect(r.facts!.conf).toEqual({ all: { arp_ignore: 1 }, eth0: { rp_filter: 2 } });
    expect(r.facts!.interfaces[0]!.addrs[0]).toEqual({ family: "inet", local: "10.0.0.100", prefixlen: 32, label: "lo:1" });
    expect(r.facts!.defaultGateway).toBe("10.0.0.254");
    expect(r.facts!.listening).toEqual([{ addr: "0.0.0.0", port: 22 }, { addr: "::", port: 80 }, { addr: "10.0.0.11", port: 8080 }]);
    expect(r.facts!.files).toEqual({ sysctl: true, unit: false, systemd: false });
    expect(parseScriptOutput("@@lvs fail arp_ignore on all did not become 1\n").failure).toBe("arp_ignore on all did not become 1");
    expect(() => parseScriptOutput("@@lvs-probe sysctl\n/proc/sys/net/ipv4/conf/all/arp_ignore:1\n")).toThrow(/truncated/);
  });
  it("reads what the script prints now: `grep .` of the sysctl files and raw `ss -Hln` lines", () => {
    const out = [
      "@@lvs-probe sysctl",
      "/proc/sys/net/ipv4/conf/all/arp_ignore:1",
      "/proc/sys/net/ipv4/conf/eth0.100/arp_announce:2",
      "/proc/sys/net/ipv4/conf/lo/rp_filter:0",
      "@@lvs-probe addr",
      "[]",
      "@@lvs-probe route",
      "[]",
      "@@lvs-probe listen",
      "LISTEN 0      128          0.0.0.0:22         0.0.0.0:*",
      "LISTEN 0      4096               *:80               *:*",
      "LISTEN 0      511             [::]:443           [::]:*",
      "LISTEN 0      5     10.0.0.11%eth0:8080       0.0.0.0:*",
      "@@lvs-probe files",
      "@@lvs-probe end",
      "",
    ].join("\n");
    const f = parseScriptOutput(out).facts!;
    expect(f.conf).toEqual({ all: { arp_ignore: 1 }, "eth0.100": { arp_announce: 2 }, lo: { rp_filter: 0 } });
    expect(f.listening).toEqual([{ addr: "0.0.0.0", port: 22 }, { addr: "*", port: 80 }, { addr: "::", port: 443 }, { addr: "10.0.0.11", port: 8080 }]);
  });
});
