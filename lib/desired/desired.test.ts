import { describe, expect, it } from "vitest";
import { InvalidDesired } from "@/lib/director";
import { MAX_THRESHOLD, MAX_WEIGHT, SCHEDULERS, flagsFromBits, parseSave, serviceKey, type Scheduler, type Table } from "@/lib/ipvs";
import { canonicalAddress, hostPort, parseIPv6 } from "@/lib/ipvs/address";
import { gen, type Gen } from "@/lib/ipvs/testing/generate";
import { acceptedRealServer, acceptedSorryServer } from "@/lib/health/reconcile";
import { buildRows } from "@/lib/live/live";
import { renderTable } from "@/lib/ipvs";
import { desiredCore, desiredOf, desiredService, desiredTable, keyOf, type ServiceRow } from "@/lib/desired/desired";

const vs = {
  protocol: "tcp", address: "10.0.0.100", port: 80, fwmark: null, family: "inet", scheduler: "wlc", schedulerFlags: [],
  persistenceTimeout: null, persistenceNetmask: null, onePacket: false, persistenceEngine: null, sorryAddress: null, sorryPort: null,
};

/** A service row's desired state as `ipvsadm -S -n` lines (lib/ipvs renderTable of desiredService). */
const renderService = (s: ServiceRow): string[] => renderTable({ services: [desiredService(s)] }).trimEnd().split("\n");

describe("desired state as ipvsadm lines", () => {
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

// ---------------------------------------------------------------------------------------------
// The desired table built from the rows. Until e804815 it was made by rendering the rows as
// `ipvsadm -S -n` lines (renderService) and parsing them back (lib/ipvs parseSave). That path is
// frozen below as the reference; the snapshots record what it produced.

type Row = ServiceRow;
type RealServerRow = Row["realServers"][number];

/** renderService as of e804815, verbatim but for names. */
const OLD = (() => {
  const FLAG = { route: "-g", masq: "-m", tunnel: "-i" } as const;
  const serviceArg = (s: Row): string[] => {
    if (s.protocol === "fwmark") return s.family === "inet6" ? ["-f", String(s.fwmark), "-6"] : ["-f", String(s.fwmark)];
    const flag = s.protocol === "udp" ? "-u" : s.protocol === "sctp" ? "--sctp-service" : "-t";
    return [flag, hostPort(s.address ?? "", s.port ?? 0)];
  };
  const serviceLine = (s: Row): string[] => {
    const t = ["-A", ...serviceArg(s), "-s", s.scheduler];
    if (s.persistenceTimeout !== null) {
      t.push("-p", String(s.persistenceTimeout));
      const m = s.persistenceNetmask;
      if (m && m !== "255.255.255.255" && m !== "128") t.push("-M", m);
    }
    if (s.persistenceEngine) t.push("--pe", s.persistenceEngine);
    if (s.onePacket) t.push("-o");
    if (s.schedulerFlags.length) t.push("-b", s.schedulerFlags.join(","));
    return t;
  };
  return (s: Row): string[] => {
    const svc = serviceArg(s);
    const lines = [serviceLine(s).join(" ")];
    const active = s.realServers.filter((r) => r.state !== "disabled");
    for (const r of active) {
      const thresholds = [...(r.upperThreshold ? ["-x", String(r.upperThreshold)] : []), ...(r.lowerThreshold ? ["-y", String(r.lowerThreshold)] : [])];
      lines.push(["-a", ...svc, "-r", hostPort(r.address, r.port), FLAG[r.forwardingMethod], "-w", String(r.state === "draining" ? 0 : r.weight), ...thresholds].join(" "));
    }
    if (s.sorryAddress && s.sorryPort !== null && !active.some((r) => r.state === "active" && r.weight > 0)) {
      const dr = s.protocol !== "fwmark" && s.sorryPort === s.port;
      lines.push(["-a", ...svc, "-r", hostPort(s.sorryAddress, dr ? (s.port ?? 0) : s.sorryPort), dr ? "-g" : "-m", "-w", "1"].join(" "));
    }
    return lines;
  };
})();

/** loadDesired's `lines` (as of e804815). */
const oldLines = (rows: Row[]): string => {
  const lines = rows.flatMap((s) => OLD(s));
  return lines.join("\n") + (lines.length ? "\n" : "");
};
/** The table desiredCore validated (as of e804815): the lines parsed back. */
const oldTable = (rows: Row[]): Table => parseSave(oldLines(rows));
/** What desiredCore.validate made of the lines (as of e804815): the parser's refusal was an InvalidDesired. */
const oldValidate = (lines: string, remove: string[]) => {
  let table: Table;
  try {
    table = parseSave(lines);
  } catch (e) {
    throw new InvalidDesired(e instanceof Error ? e.message : String(e));
  }
  return desiredCore.validate({ table, remove });
};

const svc = (o: Partial<Row> = {}): Row => ({ ...vs, realServers: [], ...o });
const rs = (address: string, o: Partial<RealServerRow> = {}): RealServerRow => ({ address, port: 80, weight: 1, forwardingMethod: "route", state: "active", upperThreshold: 0, lowerThreshold: 0, ...o });
const fwm = (fwmark: number, o: Partial<Row> = {}): Row => svc({ protocol: "fwmark", address: null, port: null, fwmark, ...o });

/** Row sets the old path accepts: rows → lines → table. */
const CASES: Record<string, Row[]> = {
  "empty cluster": [],
  "tcp IPv4, every forwarding method": [svc({ realServers: [rs("10.0.0.11", { weight: 5 }), rs("10.0.0.12", { forwardingMethod: "masq", port: 8080, weight: 3 }), rs("10.0.0.13", { forwardingMethod: "tunnel", weight: 2 })] })],
  "DR and TUN real-server ports become the service port, NAT keeps its own": [svc({ port: 443, realServers: [rs("10.0.0.11", { port: 8443 }), rs("10.0.0.12", { port: 8080, forwardingMethod: "tunnel" }), rs("10.0.0.13", { port: 8443, forwardingMethod: "masq" })] })],
  "udp, one-packet scheduling, persistence": [svc({ protocol: "udp", port: 53, scheduler: "rr", onePacket: true, persistenceTimeout: 300, realServers: [rs("10.0.0.11", { port: 53 }), rs("10.0.0.12", { port: 5353, forwardingMethod: "masq" })] })],
  "udp, SIP persistence engine": [svc({ protocol: "udp", port: 5060, persistenceTimeout: 60, persistenceEngine: "sip", realServers: [rs("10.0.0.11", { port: 5060 })] })],
  "sctp": [svc({ protocol: "sctp", port: 3868, scheduler: "lc", realServers: [rs("10.0.0.11", { port: 3868 }), rs("10.0.0.12", { port: 3869, forwardingMethod: "masq" })] })],
  "persistence with IPv4 netmasks": [
    svc({ port: 81, persistenceTimeout: 360 }),
    svc({ port: 82, persistenceTimeout: 3600, persistenceNetmask: "255.255.255.0" }),
    svc({ port: 83, persistenceTimeout: 60, persistenceNetmask: "255.255.255.255" }),
    svc({ port: 84, persistenceTimeout: 30, persistenceNetmask: "255.255.0.0" }),
    svc({ port: 85, persistenceTimeout: 2678400, persistenceNetmask: "0.0.0.0" }),
    svc({ port: 86, persistenceTimeout: 1, persistenceNetmask: "128" }),
    svc({ port: 87, persistenceTimeout: 5, persistenceNetmask: "" }),
  ],
  "a netmask without persistence is ignored": [svc({ persistenceNetmask: "255.255.255.0", realServers: [rs("10.0.0.11")] })],
  "port 0 (all ports) with persistence: DR real servers on port 0": [svc({ port: 0, persistenceTimeout: 600, realServers: [rs("10.0.0.11", { port: 0 }), rs("10.0.0.12", { port: 80 }), rs("10.0.0.13", { port: 8080, forwardingMethod: "masq" })] })],
  "IPv6 services, prefix-length netmasks": [
    svc({ address: "2001:db8::100", family: "inet6", persistenceTimeout: 300, persistenceNetmask: "64", realServers: [rs("2001:db8::11"), rs("2001:db8::12", { forwardingMethod: "masq", port: 8080 })] }),
    svc({ protocol: "udp", address: "2001:db8::53", port: 53, family: "inet6", persistenceTimeout: 300, persistenceNetmask: "128", realServers: [rs("2001:db8::11", { port: 53, forwardingMethod: "tunnel" })] }),
    svc({ address: "2001:db8::100", port: 443, family: "inet6", persistenceTimeout: 300, realServers: [rs("2001:db8::11", { port: 8443 })] }),
    svc({ address: "2001:db8::100", port: 444, family: "inet6", persistenceTimeout: 300, persistenceNetmask: "255.255.255.255" }),
    svc({ address: "2001:db8::100", port: 445, family: "inet6", persistenceTimeout: 300, persistenceNetmask: "064" }),
  ],
  "non-canonical addresses are canonicalised": [
    svc({ address: "2001:DB8:0:0::100", family: "inet6", sorryAddress: "2001:db8:0:0:0:0:0:9", sorryPort: 80, realServers: [rs("2001:0db8::0011", { weight: 0 })] }),
    svc({ address: "::ffff:10.0.0.1", family: "inet6", realServers: [rs("::FFFF:0A00:000B", { forwardingMethod: "masq", port: 8080 })] }),
  ],
  "the family column is ignored when there is an address": [
    svc({ family: "inet6", realServers: [rs("10.0.0.11")] }),
    svc({ address: "2001:db8::1", family: "inet", persistenceTimeout: 60, realServers: [rs("2001:db8::11")] }),
  ],
  "fwmark IPv4: real-server ports kept for every method": [fwm(1, { realServers: [rs("10.0.0.11", { port: 0 }), rs("10.0.0.12", { port: 80 }), rs("10.0.0.13", { forwardingMethod: "masq", port: 8080 }), rs("10.0.0.14", { forwardingMethod: "tunnel", port: 443 })] })],
  "fwmark IPv6 with persistence": [fwm(2, { family: "inet6", persistenceTimeout: 120, persistenceNetmask: "48", realServers: [rs("2001:db8::11", { port: 0 }), rs("2001:db8::12", { port: 0, forwardingMethod: "masq" })] })],
  "fwmark: largest form mark, a stray address and port are ignored": [fwm(2147483647, { address: "10.0.0.200", port: 80, realServers: [rs("10.0.0.11", { port: 0 })] })],
  "fwmark: the same mark in both families": [fwm(7, { realServers: [rs("10.0.0.11", { port: 0 })] }), fwm(7, { family: "inet6", realServers: [rs("2001:db8::11", { port: 0 })] })],
  "fwmark sorry server: NAT on its own port, even when it equals the (ignored) port": [fwm(3, { sorryAddress: "10.0.0.9", sorryPort: 80, port: 80 })],
  "scheduler flags": [
    svc({ port: 1, scheduler: "wlc", schedulerFlags: ["flag-1", "flag-2"] }),
    svc({ port: 2, scheduler: "rr", schedulerFlags: ["flag-2", "flag-1"] }),
    svc({ port: 3, scheduler: "wrr", schedulerFlags: ["flag-1", "flag-1", "flag-3"] }),
    svc({ port: 4, scheduler: "sh", schedulerFlags: ["sh-port", "sh-fallback"] }),
    svc({ port: 5, scheduler: "sh", schedulerFlags: ["flag-1"] }),
    svc({ port: 6, scheduler: "mh", schedulerFlags: ["mh-port"] }),
    svc({ port: 7, scheduler: "lc", schedulerFlags: ["flag-3"] }),
    svc({ port: 8, scheduler: "sh", schedulerFlags: ["flag-3"] }),
    svc({ port: 9, scheduler: "mh", schedulerFlags: ["flag-1,flag-2"] }),
    // an empty name reads as `-b ` with nothing after it: flag-3 for sh/mh (how ipvsadm -S prints it), nothing otherwise
    svc({ port: 10, scheduler: "sh", schedulerFlags: [""] }),
    svc({ port: 11, scheduler: "wlc", schedulerFlags: [""] }),
  ],
  "every scheduler": SCHEDULERS.map((scheduler, i) => svc({ port: 1000 + i, scheduler, realServers: [rs("10.0.0.11")] })),
  "weights: 0, the largest, draining, disabled": [svc({ realServers: [
    rs("10.0.0.11", { weight: 0 }), rs("10.0.0.12", { weight: MAX_WEIGHT }), rs("10.0.0.13", { weight: 7, state: "draining" }),
    rs("10.0.0.14", { weight: 9, state: "disabled" }), rs("10.0.0.15", { weight: 0, state: "draining", forwardingMethod: "masq", port: 81 }),
  ] })],
  "thresholds": [svc({ realServers: [
    rs("10.0.0.11", { upperThreshold: 1000, lowerThreshold: 800 }), rs("10.0.0.12", { upperThreshold: 50 }),
    rs("10.0.0.13", { upperThreshold: 0, lowerThreshold: 10 }), rs("10.0.0.14", { upperThreshold: undefined, lowerThreshold: undefined }),
    rs("10.0.0.15", { upperThreshold: MAX_THRESHOLD, lowerThreshold: MAX_THRESHOLD, state: "draining" }), rs("10.0.0.16", { upperThreshold: 5, lowerThreshold: 1, state: "disabled" }),
  ] })],
  "sorry server: no real servers, on the service port (DR)": [svc({ sorryAddress: "10.0.0.9", sorryPort: 80 })],
  "sorry server: no real servers, on another port (NAT)": [svc({ sorryAddress: "10.0.0.9", sorryPort: 8080 })],
  "sorry server: every real server at weight 0, draining or disabled": [
    svc({ port: 1, sorryAddress: "10.0.0.9", sorryPort: 1, realServers: [rs("10.0.0.11", { weight: 0, port: 1 }), rs("10.0.0.12", { weight: 0, port: 1 })] }),
    svc({ port: 2, sorryAddress: "10.0.0.9", sorryPort: 2, realServers: [rs("10.0.0.11", { state: "draining", weight: 5, port: 2 })] }),
    svc({ port: 3, sorryAddress: "10.0.0.9", sorryPort: 8080, realServers: [rs("10.0.0.11", { state: "disabled", weight: 5, port: 3 })] }),
    svc({ port: 4, sorryAddress: "10.0.0.9", sorryPort: 4, realServers: [rs("10.0.0.11", { state: "draining", port: 4 }), rs("10.0.0.12", { weight: 0, port: 4 }), rs("10.0.0.13", { state: "disabled", port: 4 })] }),
  ],
  "sorry server: out while one real server can take connections": [svc({ sorryAddress: "10.0.0.9", sorryPort: 80, realServers: [rs("10.0.0.11", { weight: 0 }), rs("10.0.0.12", { weight: 1 })] })],
  "sorry server: half configured is no sorry server": [svc({ port: 1, sorryAddress: "10.0.0.9", sorryPort: null }), svc({ port: 2, sorryAddress: null, sorryPort: 80 }), svc({ port: 3, sorryAddress: "", sorryPort: 3 })],
  "sorry server: IPv6, and port 0 services": [
    svc({ address: "2001:db8::100", family: "inet6", sorryAddress: "2001:DB8::9", sorryPort: 80 }),
    svc({ port: 0, persistenceTimeout: 60, sorryAddress: "10.0.0.9", sorryPort: 0 }),
    svc({ address: "10.0.0.101", port: 0, persistenceTimeout: 60, sorryAddress: "10.0.0.9", sorryPort: 8080 }),
  ],
  "several services keep their order": [
    svc({ address: "10.0.0.102", realServers: [rs("10.0.0.12")] }), fwm(5, { realServers: [rs("10.0.0.11", { port: 0 })] }),
    svc({ protocol: "udp", address: "10.0.0.101", port: 53, realServers: [rs("10.0.0.11", { port: 53 })] }), svc({ address: "10.0.0.100", realServers: [rs("10.0.0.13"), rs("10.0.0.11")] }),
  ],
  "a tcp row without a port renders port 0": [svc({ port: null, persistenceTimeout: 60, realServers: [rs("10.0.0.11")] })],
};

/** Row sets the old path refused before any command (desiredCore.validate threw InvalidDesired). */
const REFUSED: Record<string, Row[]> = {
  "VIP that is not an address": [svc({ address: "10.0.0.300" })],
  "VIP missing": [svc({ address: null })],
  "real server that is not an address": [svc({ realServers: [rs("rs1.example")] })],
  "unknown scheduler": [svc({ scheduler: "bogus" })],
  "negative weight": [svc({ realServers: [rs("10.0.0.11", { weight: -1 })] })],
  "weight above the kernel's range": [svc({ realServers: [rs("10.0.0.11", { weight: MAX_WEIGHT + 1 })] })],
  "persistence timeout 0": [svc({ persistenceTimeout: 0 })],
  "port above 65535": [svc({ port: 65536 })],
  "fwmark service without a mark": [svc({ protocol: "fwmark", address: null, port: null, fwmark: null })],
  "fwmark 0": [fwm(0)],
  "two DR real servers that collapse onto the service port": [svc({ realServers: [rs("10.0.0.11", { port: 8080 }), rs("10.0.0.11", { port: 8081 })] })],
  "the sorry server is also a (draining) real server": [svc({ sorryAddress: "10.0.0.11", sorryPort: 80, realServers: [rs("10.0.0.11", { state: "draining" })] })],
  "the same service twice": [svc(), svc()],
  "non-contiguous netmask": [svc({ persistenceTimeout: 60, persistenceNetmask: "255.0.255.0" })],
  "IPv6 netmask out of range": [svc({ address: "2001:db8::1", persistenceTimeout: 60, persistenceNetmask: "129" })],
  "one-packet scheduling on tcp": [svc({ onePacket: true })],
  "unknown persistence engine": [svc({ persistenceTimeout: 60, persistenceEngine: "http" })],
  "sh flag on another scheduler": [svc({ scheduler: "wlc", schedulerFlags: ["sh-port"] })],
  "unknown scheduler flag": [svc({ schedulerFlags: ["flag-4"] })],
  "lower threshold above the upper one": [svc({ realServers: [rs("10.0.0.11", { upperThreshold: 10, lowerThreshold: 20 })] })],
  "port 0 without persistence": [svc({ port: 0 })],
  "fwmark above the form's range": [fwm(2147483648)],
  "IPv4 real server under an IPv6 service (DR)": [svc({ address: "2001:db8::1", realServers: [rs("10.0.0.11")] })],
};

/** Old-path refusal message (InvalidDesired), or null when it was accepted. */
function oldRefusal(rows: Row[]): string | null {
  try {
    oldValidate(oldLines(rows), []);
    return null;
  } catch (e) {
    if (!(e instanceof InvalidDesired)) throw e;
    return e.message;
  }
}

// ---- random row sets: every column, canonical or not, always accepted by the old parser
const V6_FORMS = (a: string, g: Gen) => g.pick([a, a.toUpperCase(), parseIPv6(a)!.map((w) => w.toString(16).padStart(4, "0")).join(":")]);
function randomRows(seed: number): Row[] {
  const g = gen(seed);
  const rows: Row[] = [];
  const keys = new Set<string>();
  const n = g.int(0, 5);
  for (let i = 0; i < n; i++) {
    const protocol = g.pick(["tcp", "udp", "sctp", "fwmark"] as const);
    const six = g.chance(0.3);
    const fw = protocol === "fwmark";
    const address = fw ? (g.chance(0.1) ? "10.0.0.250" : null) : six ? V6_FORMS(`2001:db8::${g.int(1, 0xfff).toString(16)}`, g) : `10.0.${g.int(0, 3)}.${g.int(1, 254)}`;
    const persistenceTimeout = g.chance(0.35) ? g.pick([1, 60, 360, 2678400]) : null;
    const port = fw ? (g.chance(0.1) ? 80 : null) : persistenceTimeout !== null && g.chance(0.2) ? 0 : g.pick([80, 443, 53, g.int(1, 65535)]);
    const scheduler = g.pick(SCHEDULERS) as Scheduler;
    const bits = g.chance(0.3) ? g.int(1, 7) : 0;
    const named = flagsFromBits(scheduler, bits);
    const schedulerFlags: string[] = g.chance(0.3) ? [...named].reverse() : g.chance(0.2) ? flagsFromBits("wlc", bits).filter((f) => f !== "flag-3" || scheduler !== "sh") : named;
    const v6 = six;
    const netmasks = v6 ? [null, "", "128", "64", "1", "255.255.255.255", "096"] : [null, "", "255.255.255.255", "255.255.255.0", "255.255.0.0", "128", "0.0.0.0"];
    const row: Row = {
      protocol, address, port, fwmark: fw ? g.pick([1, 2, g.int(1, 2147483647)]) : null, family: fw ? (six ? "inet6" : "inet") : g.pick(["inet", "inet6"]),
      scheduler, schedulerFlags, persistenceTimeout, persistenceNetmask: g.chance(0.7) ? g.pick(netmasks) : null,
      onePacket: protocol === "udp" && g.chance(0.3), persistenceEngine: persistenceTimeout !== null && g.chance(0.2) ? "sip" : g.chance(0.1) ? "" : null,
      sorryAddress: null, sorryPort: null, realServers: [],
    };
    const seen = new Set<string>();
    const m = g.int(0, 6);
    for (let j = 0; j < m; j++) {
      const a = v6 ? V6_FORMS(`2001:db8::1:${g.int(1, 0xff).toString(16)}`, g) : `10.1.${g.int(0, 1)}.${g.int(1, 254)}`;
      const canon = canonicalAddress(a)!.address;
      if (seen.has(canon)) continue;
      seen.add(canon);
      const upper = g.chance(0.3) ? g.int(0, 100000) : 0;
      row.realServers.push({
        address: a, port: g.chance(0.6) ? (port ?? 0) : g.int(0, 65535), weight: g.chance(0.1) ? g.int(0, MAX_WEIGHT) : g.int(0, 10),
        forwardingMethod: g.pick(["route", "masq", "tunnel"] as const), state: g.pick(["active", "active", "active", "draining", "disabled"]),
        ...(g.chance(0.1) ? {} : { upperThreshold: upper, lowerThreshold: upper ? g.int(0, upper) : 0 }),
      });
    }
    if (g.chance(0.4)) {
      row.sorryAddress = v6 ? V6_FORMS("2001:db8::9", g) : "10.9.9.9";
      row.sorryPort = g.chance(0.5) && port !== null ? port : g.int(1, 65535);
    }
    const key = oldTable([row]).services.map(serviceKey)[0]!;
    if (keys.has(key)) continue;
    keys.add(key);
    rows.push(row);
  }
  return rows;
}
const RANDOM_SEEDS = Array.from({ length: 400 }, (_, i) => 7001 + i);

describe("desired table from the rows: the old render → parse path (reference)", () => {
  it.each(Object.entries(CASES))("%s", (_name, rows) => {
    expect({ lines: oldLines(rows), table: oldTable(rows), refused: oldRefusal(rows) }).toMatchSnapshot();
  });

  it.each(Object.entries(REFUSED))("refused: %s", (_name, rows) => {
    expect(oldRefusal(rows)).toMatchSnapshot();
  });

  it("random row sets parse", () => {
    let services = 0, dests = 0;
    for (const seed of RANDOM_SEEDS) {
      const t = oldTable(randomRows(seed));
      services += t.services.length;
      dests += t.services.reduce((n, s) => n + s.destinations.length, 0);
    }
    expect(services).toBeGreaterThan(700);
    expect(dests).toBeGreaterThan(2000);
  });
});

// ---------------------------------------------------------------------------------------------
// The direct builder must give exactly what the old path gave.

/** desiredCore.validate's outcome: the validated desired state, or the InvalidDesired message. */
function validated(input: unknown): unknown {
  try {
    return typeof (input as { lines?: unknown }).lines === "string"
      ? oldValidate((input as { lines: string }).lines, (input as { remove: string[] }).remove)
      : desiredCore.validate(input);
  } catch (e) {
    if (!(e instanceof InvalidDesired)) throw e;
    return { refused: e.message };
  }
}
const REMOVE = ["TCP 10.9.9.9:80", "FWM 99", "UDP [2001:db8::99]:53", "not a key", "-t 10.9.9.8:80"];

/** What health used to build per real server / sorry server: one service rendered and parsed back. */
const oldConfigured = (s: Row, r: RealServerRow) => parseSave(OLD({ ...s, sorryAddress: null, sorryPort: null, realServers: [{ ...r, state: "active" }] }).join("\n") + "\n").services[0]?.destinations[0] ?? null;
const oldSorry = (s: Row) => (!s.sorryAddress || s.sorryPort === null ? null : parseSave(OLD({ ...s, realServers: [] }).join("\n") + "\n").services[0]?.destinations[0] ?? null);

function expectSame(rows: Row[]) {
  const want = oldTable(rows);
  const got = desiredTable(rows);
  expect(got).toStrictEqual(want);
  expect(JSON.stringify(got)).toBe(JSON.stringify(want)); // key order too (the table is stored and compared as JSON elsewhere)
  expect(rows.map(desiredService)).toStrictEqual(want.services);
  // what desiredCore hands the planner: the same, from the table as from the lines
  expect(validated({ table: got, remove: REMOVE })).toStrictEqual(validated({ lines: oldLines(rows), remove: REMOVE }));
  // the table renders to lines that parse back to itself (the health overlay's lines)
  expect(parseSave(renderTable(got))).toStrictEqual(got);
  // health's destinations
  for (const s of rows) {
    for (const r of s.realServers) expect(acceptedRealServer(s, r)).toStrictEqual(oldConfigured(s, r));
    expect(acceptedSorryServer(s)).toStrictEqual(oldSorry(s));
  }
}

describe("desiredTable: the rows straight into lib/ipvs's model", () => {
  it.each(Object.entries(CASES))("%s", (_name, rows) => expectSame(rows));

  it.each(Object.entries(REFUSED))("refused before any command: %s", (_name, rows) => {
    const got = validated({ table: desiredTable(rows), remove: [] });
    expect(got).toHaveProperty("refused");
    expect((got as { refused: string }).refused).toMatchSnapshot();
  });

  it("400 random row sets", () => {
    for (const seed of RANDOM_SEEDS) expectSame(randomRows(seed));
  });

  it("live drift reads the table as it read the lines", () => {
    const kernel = oldLines(CASES["tcp IPv4, every forwarding method"]!).replace("-w 5", "-w 4") + "-A -t 10.0.0.200:80 -s rr\n";
    for (const rows of Object.values(CASES)) {
      const raw = { list: "", stats: "", rate: "", save: kernel };
      expect(buildRows(raw, desiredTable(rows))).toStrictEqual(buildRows(raw, oldTable(rows)));
    }
  });

  it("health refuses a destination ipvsadm would refuse, as the parser did", () => {
    const row = svc({ sorryAddress: "sorry.example", sorryPort: 80 });
    for (const r of [rs("rs1.example"), rs("10.0.0.11 "), rs("10.0.0.11", { weight: -1 }), rs("10.0.0.11", { upperThreshold: MAX_THRESHOLD + 1 }), rs("10.0.0.11", { forwardingMethod: "masq", port: 70000 })]) {
      expect(() => oldConfigured(row, r)).toThrow();
      expect(() => acceptedRealServer(row, r)).toThrow(/^real server /);
    }
    expect(() => oldSorry(row)).toThrow();
    expect(() => acceptedSorryServer(row)).toThrow(/^real server sorry\.example:80: address/);
  });

  it("desiredCore takes a table only when it is shaped like one", () => {
    for (const table of [null, {}, { services: {} }, { services: [null] }, { services: [{ protocol: "http" }] }, { services: [{ protocol: "tcp", address: 5, port: 80 }] }])
      expect(() => desiredCore.validate({ table })).toThrow(InvalidDesired);
    expect(() => desiredCore.validate({})).toThrow(InvalidDesired);
    expect(() => desiredCore.validate(null)).toThrow(InvalidDesired);
    expect(desiredCore.validate({ table: { services: [] }, remove: ["TCP 10.0.0.1:80", "-t 10.0.0.2:80", "FWM 3 IPv6"] }).owned).toEqual(["TCP 10.0.0.1:80", "FWM 3 IPv6"]);
  });

  // Rows only a hand-edited database can hold (the forms and the API store what lib/ipvs's input schema
  // accepts, canonical). The old path refused some of them because their text did not parse back; now
  // validateTable alone judges them, with the same rules as the forms' and the API's input.
  it("hand-edited rows: validateTable's reading instead of the text format's accidents", () => {
    const outcome = (rows: Row[]) => {
      const v = validated({ table: desiredTable(rows), remove: [] }) as { refused?: string; table?: Table };
      return v.refused ? "refused" : v.table!.services[0];
    };
    const accepted = {
      "blank scheduler → wlc (validateTable's default)": [svc({ scheduler: "" }), { scheduler: "wlc" }],
      "IPv4 netmask as a bare prefix length → dotted": [svc({ persistenceTimeout: 60, persistenceNetmask: "24" }), { netmask: "255.255.255.0" }],
      "IPv6 netmask as /64 → 64": [svc({ address: "2001:db8::1", persistenceTimeout: 60, persistenceNetmask: "/64" }), { netmask: "64" }],
      "blank persistence engine → none": [svc({ persistenceTimeout: 60, persistenceEngine: " " }), { pe: null }],
      "an empty name among the scheduler flags is dropped": [svc({ schedulerFlags: ["flag-1", ""] }), { flags: ["flag-1"] }],
      "a real-server address with a trailing space is trimmed": [svc({ realServers: [rs("10.0.0.11 ")] }), { destinations: [expect.objectContaining({ address: "10.0.0.11" })] }],
    } as const;
    for (const [what, [row, fields]] of Object.entries(accepted)) {
      expect(oldRefusal([row]), what).not.toBeNull();
      expect(outcome([row]), what).toMatchObject(fields);
    }
    // and the other way: a VIP with a leading space rendered as "-t  10.0.0.100:80" and parsed; now refused
    expect(oldRefusal([svc({ address: " 10.0.0.100" })])).toBeNull();
    expect(outcome([svc({ address: " 10.0.0.100" })])).toBe("refused");
  });
});

describe("desiredOf: the desired state of service rows and the last apply's managed keys", () => {
  const ofVs = {
    protocol: "tcp", address: "10.0.0.100", port: 80, fwmark: null, family: "inet", scheduler: "wlc", schedulerFlags: [],
    persistenceTimeout: null, persistenceNetmask: null, onePacket: false, persistenceEngine: null, sorryAddress: null, sorryPort: null,
  };
  const ofRows: ServiceRow[] = [
    { ...ofVs, sorryAddress: "10.0.0.9", sorryPort: 80, realServers: [
      { address: "10.0.0.11", port: 80, weight: 3, forwardingMethod: "route", state: "active", upperThreshold: 1000, lowerThreshold: 800 },
      { address: "10.0.0.12", port: 80, weight: 1, forwardingMethod: "route", state: "draining" },
      { address: "10.0.0.13", port: 80, weight: 1, forwardingMethod: "route", state: "disabled" },
    ] },
    { ...ofVs, protocol: "udp", address: "10.0.0.100", port: 53, scheduler: "rr", persistenceTimeout: 300, realServers: [{ address: "10.0.0.21", port: 5353, weight: 2, forwardingMethod: "masq", state: "active" }] },
    { ...ofVs, protocol: "fwmark", address: null, port: null, fwmark: 3, family: "inet6", scheduler: "sh", schedulerFlags: ["sh-port"], realServers: [] },
    { ...ofVs, address: "2001:db8::100", family: "inet6", port: 443, realServers: [{ address: "2001:db8::11", port: 443, weight: 1, forwardingMethod: "tunnel", state: "active" }] },
  ];
  it("what to delete, the VIPs and the table", () => {
    const d = desiredOf(ofRows, ["TCP 10.0.0.100:80", "TCP 10.0.0.200:443"]);
    expect(d.remove).toEqual(["TCP 10.0.0.200:443"]);
    expect(d.vips).toEqual(["10.0.0.100", "2001:db8::100"]);
    expect(d.owned).toEqual(ofRows.map((s) => keyOf(s)));
    expect(renderTable(d.table)).toBe(ofRows.flatMap((s) => OLD(s)).join("\n") + "\n");
    expect(d.table).toStrictEqual(desiredTable(ofRows));
  });
  it("no services", () => {
    expect(desiredOf([], ["TCP 10.0.0.100:80"])).toMatchObject({ owned: [], remove: ["TCP 10.0.0.100:80"], vips: [], table: { services: [] } });
  });
});
