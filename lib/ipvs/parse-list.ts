// `ipvsadm -Ln` in all its flavours: plain, --exact, --tun-info, --stats, --rate (with or without
// --exact), --thresholds, --persistent-conn, and a single service (-t/-u/--sctp-service/-f SVC), which
// has no "IP Virtual Server version" line. Lines are split on whitespace, never cut at columns: wide
// values (long IPv6, 10-digit weights, big counters) push the columns right.
// Hand-written scanning: this runs on tables of 100,000 real servers (see bench/parse.bench.ts).
import { canonicalIPv6At } from "./address";
import { IpvsParseError } from "./errors";
import {
  FORWARD_LISTED, MAX_FWMARK, PERSISTENCE_ENGINES, SCHEDULERS, canonicalFlags,
  type Forward, type PersistenceEngine, type SchedFlag, type Scheduler, type ServiceId, type TunnelCsum, type TunnelType,
} from "./model";
import { parseNetmask, parseServiceArg } from "./parse-save";

export const LIST_FORMATS = ["list", "tun-info", "stats", "rate", "thresholds", "persistent-conn"] as const;
/** Which -Ln flavour a text is: list (-Ln), tun-info, stats, rate, thresholds, persistent-conn. */
export type ListFormat = (typeof LIST_FORMATS)[number];

/** Counter columns, named after ipvsadm's headers in camelCase. Only those the format prints are set. */
export interface Counters {
  activeConns?: number;
  inactConns?: number;
  persistConns?: number;
  conns?: number;
  inPkts?: number;
  outPkts?: number;
  inBytes?: number;
  outBytes?: number;
  cps?: number;
  inPps?: number;
  outPps?: number;
  inBps?: number;
  outBps?: number;
}

/** A real server as listed. A field is null when this format does not print it. */
export interface ListedDestination extends Counters {
  address: string;
  port: number;
  forward: Forward | null;
  weight: number | null;
  upperThreshold: number | null;
  lowerThreshold: number | null;
  tunnelType: TunnelType | null;
  tunnelPort: number | null;
  tunnelCsum: TunnelCsum | null;
}

/** A virtual service as listed. Options are null when the format does not print them (stats, rate). */
export interface ListedService extends ServiceId, Counters {
  scheduler: Scheduler | null;
  persistent: number | null;
  netmask: string | null;
  ops: boolean | null;
  /** -Ln shows pe only inside the persistence clause: a non-persistent service's pe is null here */
  pe: PersistenceEngine | null;
  flags: SchedFlag[] | null;
  destinations: ListedDestination[];
}

export interface Listing {
  format: ListFormat;
  /** true when a value was printed with a K/M/G/T suffix (no --exact): such values are lower bounds */
  approximate: boolean;
  services: ListedService[];
}

const SERVICE_HEADERS: Record<string, ListFormat> = {
  "Scheduler Flags": "list",
  "Conns InPkts OutPkts InBytes OutBytes": "stats",
  "CPS InPPS OutPPS InBPS OutBPS": "rate",
  "Uthreshold Lthreshold ActiveConn InActConn": "thresholds",
  "Weight PersistConn ActiveConn InActConn": "persistent-conn",
};
const DEST_HEADERS: Record<string, ListFormat> = {
  "Forward Weight ActiveConn InActConn": "list",
  "Forward TunnelInfo Weight ActiveConn InActConn": "tun-info",
  "": "stats",
};

const FORWARD_NAMES: Record<string, Forward> = Object.fromEntries(Object.entries(FORWARD_LISTED).map(([f, listed]) => [listed, f as Forward]));
const PROTO_NAMES: Record<string, ServiceId["protocol"]> = { TCP: "tcp", UDP: "udp", SCTP: "sctp", FWM: "fwmark" };

/**
 * Parses any -Ln flavour. `expect` restricts the accepted formats (e.g. ["stats"]).
 * Throws IpvsParseError naming the line for anything it cannot read.
 */
export function parseList(text: string, expect?: readonly ListFormat[]): Listing {
  const services: ListedService[] = [];
  let format: ListFormat | null = null;
  let approximate = false;
  let current: ListedService | null = null;
  let lineNo = 0;
  let pos = 0;
  let headerState = 0; // 0: before "Prot", 1: before "  -> RemoteAddress", 2: body
  const n = text.length;
  const toks: string[] = [];
  approxSeen = false;

  const counters = (): boolean => format === "stats" || format === "rate";
  while (pos < n) {
    let end = text.indexOf("\n", pos);
    if (end === -1) end = n;
    const start = pos;
    pos = end + 1;
    lineNo++;

    if (headerState === 2) {
      // ---------------- body: "  -> dest" or a service line. Fast path first (stats / rate), the
      // token-based path for everything else and for the exact error message.
      if (text.charCodeAt(start) === 32 && text.charCodeAt(start + 1) === 32 && text.charCodeAt(start + 2) === 45 && text.charCodeAt(start + 3) === 62) {
        if (current && counters()) {
          const d = fastCounterDest(text, start + 4, end, format === "stats");
          if (d) { current.destinations.push(d); continue; }
        }
        const line = text.slice(start, end);
        const fail = (reason: string): never => { throw new IpvsParseError(lineNo, line, reason); };
        if (!current) fail("real server line before any service");
        splitTokens(line, 4, toks);
        (current as ListedService).destinations.push(parseDestLine(toks, format as ListFormat, fail));
        continue;
      }
      if (counters()) {
        const sv = fastCounterService(text, start, end, format === "stats");
        if (sv) { current = sv; services.push(sv); continue; }
      }
      const line = text.slice(start, end);
      const fail = (reason: string): never => { throw new IpvsParseError(lineNo, line, reason); };
      splitTokens(line, 0, toks);
      if (toks.length === 0) continue;
      current = parseServiceLine(toks, format as ListFormat, fail);
      services.push(current);
      continue;
    }

    const line = text.slice(start, end);
    const fail = (reason: string): never => { throw new IpvsParseError(lineNo, line, reason); };
    splitTokens(line, 0, toks);
    if (toks.length === 0) continue;
    if (headerState === 0) {
      if (toks[0] === "IP" && line.startsWith("IP Virtual Server version ")) {
        if (lineNo !== 1) fail("version banner after the first line");
        continue;
      }
      if (toks[0] !== "Prot" || toks[1] !== "LocalAddress:Port") fail('expected the "Prot LocalAddress:Port ..." header of ipvsadm -Ln');
      const f = SERVICE_HEADERS[toks.slice(2).join(" ")];
      if (!f) fail("unknown -Ln column header");
      format = f as ListFormat;
      headerState = 1;
      continue;
    }
    // headerState 1: "  -> RemoteAddress:Port ..."
    if (toks[0] !== "->" || toks[1] !== "RemoteAddress:Port") fail('expected the "-> RemoteAddress:Port ..." header of ipvsadm -Ln');
    const rest = toks.slice(2).join(" ");
    const df = DEST_HEADERS[rest];
    if (format === "list") {
      if (df !== "list" && df !== "tun-info") fail("unknown real-server column header");
      format = df as ListFormat;
    } else if (rest !== "") fail("unexpected real-server column header");
    if (expect && !expect.includes(format as ListFormat)) fail(`this is ipvsadm -Ln ${format} output, expected ${expect.join(" or ")}`);
    headerState = 2;
  }
  if (headerState !== 2) {
    throw new IpvsParseError(Math.max(lineNo, 1), text.split("\n")[Math.max(lineNo, 1) - 1] ?? "", "incomplete output: the -Ln headers are missing");
  }
  approximate = approxSeen;
  return { format: format as ListFormat, approximate, services };
}

let approxSeen = false;
type Fail = (reason: string) => never;

function splitTokens(line: string, from: number, out: string[]): void {
  out.length = 0;
  const n = line.length;
  let i = from;
  while (i < n) {
    let c = line.charCodeAt(i);
    while (c === 32 || c === 9 || c === 13) {
      if (++i >= n) return;
      c = line.charCodeAt(i);
    }
    const start = i;
    while (i < n && c !== 32 && c !== 9 && c !== 13) c = line.charCodeAt(++i);
    out.push(line.slice(start, i));
  }
}

const SUFFIX: Record<number, number> = { 75: 1e3, 77: 1e6, 71: 1e9, 84: 1e12 }; // K M G T

/** Digits with an optional K/M/G/T suffix (ipvsadm without --exact). -1 when malformed. */
function count(tok: string): number {
  const n = tok.length;
  if (n === 0 || n > 20) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = tok.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) { v = v * 10 + c; continue; }
    if (i === n - 1 && i > 0) {
      const m = SUFFIX[c + 48];
      if (m) { approxSeen = true; return v * m; }
    }
    return -1;
  }
  return v;
}

/** Strict plain integer (weights, thresholds, timeouts). -1 when malformed. */
function plainInt(tok: string): number {
  const n = tok.length;
  if (n === 0 || n > 15) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = tok.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** "a.b.c.d:port" / "[v6]:port" (canonical address), or null when malformed. */
function addrPort(tok: string): { address: string; port: number } | null {
  return addrPortAt(tok, 0, tok.length) ? { address: A_ADDR, port: A_PORT } : null;
}

// results of addrPortAt (module-level: no allocation per line)
let A_ADDR = "";
let A_PORT = 0;

/** Validates "a.b.c.d:port" / "[v6]:port" at text[s..e) into A_ADDR / A_PORT (canonical address). */
function addrPortAt(t: string, s: number, e: number): boolean {
  let i = s;
  if (t.charCodeAt(s) === 91) {
    const close = t.indexOf("]", s);
    if (close === -1 || close >= e || t.charCodeAt(close + 1) !== 58) return false;
    const a = canonicalIPv6At(t, s + 1, close);
    if (a === null) return false;
    A_ADDR = a;
    i = close + 2;
  } else {
    let parts = 0, val = 0, digits = 0, first = 0;
    for (; i < e; i++) {
      const c = t.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        if (digits === 0) first = c;
        else if (first === 48) return false; // leading zero
        val = val * 10 + (c - 48);
        if (++digits > 3 || val > 255) return false;
      } else if (c === 46 || c === 58) {
        if (digits === 0) return false;
        parts++;
        val = 0; digits = 0;
        if (c === 58) break;
        if (parts > 3) return false;
      } else return false;
    }
    if (parts !== 4 || i >= e) return false;
    A_ADDR = t.slice(s, i);
    i++;
  }
  if (i >= e || e - i > 5) return false;
  let port = 0;
  for (; i < e; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    port = port * 10 + c;
  }
  if (port > 65535) return false;
  A_PORT = port;
  return true;
}

let P = 0; // scan position for the fast paths

function skipBlanks(t: string, e: number): void {
  while (P < e) {
    const c = t.charCodeAt(P);
    if (c !== 32 && c !== 9 && c !== 13) return;
    P++;
  }
}

/** A counter at P (digits, optional K/M/G/T), ending at a blank or the line end; -1 when malformed. */
function countAt(t: string, e: number): number {
  skipBlanks(t, e);
  const s = P;
  let v = 0;
  while (P < e) {
    const c = t.charCodeAt(P) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    P++;
  }
  if (P === s || P - s > 20) return -1;
  if (P < e) {
    const c = t.charCodeAt(P);
    if (c !== 32 && c !== 9 && c !== 13) {
      const m = SUFFIX[c];
      if (!m) return -1;
      P++;
      if (P < e) { const d = t.charCodeAt(P); if (d !== 32 && d !== 9 && d !== 13) return -1; }
      approxSeen = true;
      return v * m;
    }
  }
  return v;
}

/** Token end from P (first blank). */
function tokenEnd(t: string, e: number): number {
  let i = P;
  while (i < e) {
    const c = t.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13) break;
    i++;
  }
  return i;
}

/** "  -> ADDR:PORT n n n n n" of --stats / --rate; null when anything is off (the slow path then says what). */
function fastCounterDest(t: string, from: number, e: number, stats: boolean): ListedDestination | null {
  P = from;
  skipBlanks(t, e);
  const a1 = tokenEnd(t, e);
  if (!addrPortAt(t, P, a1)) return null;
  P = a1;
  const v0 = countAt(t, e), v1 = countAt(t, e), v2 = countAt(t, e), v3 = countAt(t, e), v4 = countAt(t, e);
  if (v0 < 0 || v1 < 0 || v2 < 0 || v3 < 0 || v4 < 0) return null;
  skipBlanks(t, e);
  if (P !== e) return null;
  // one literal per shape (a spread of a base object is several times slower here)
  return stats
    ? { address: A_ADDR, port: A_PORT, forward: null, weight: null, upperThreshold: null, lowerThreshold: null, tunnelType: null, tunnelPort: null, tunnelCsum: null, conns: v0, inPkts: v1, outPkts: v2, inBytes: v3, outBytes: v4 }
    : { address: A_ADDR, port: A_PORT, forward: null, weight: null, upperThreshold: null, lowerThreshold: null, tunnelType: null, tunnelPort: null, tunnelCsum: null, cps: v0, inPps: v1, outPps: v2, inBps: v3, outBps: v4 };
}

const FAST_PROTO: Record<string, ServiceId["protocol"]> = { TCP: "tcp", UDP: "udp", SCTP: "sctp" };

/** "PROT ADDR:PORT n n n n n" of --stats / --rate (not FWM); null when anything is off. */
function fastCounterService(t: string, s: number, e: number, stats: boolean): ListedService | null {
  P = s;
  const p1 = tokenEnd(t, e);
  if (p1 - s < 3 || p1 - s > 4) return null;
  const protocol = FAST_PROTO[t.slice(s, p1)];
  if (!protocol) return null;
  P = p1;
  skipBlanks(t, e);
  const a1 = tokenEnd(t, e);
  if (!addrPortAt(t, P, a1)) return null;
  P = a1;
  const v0 = countAt(t, e), v1 = countAt(t, e), v2 = countAt(t, e), v3 = countAt(t, e), v4 = countAt(t, e);
  if (v0 < 0 || v1 < 0 || v2 < 0 || v3 < 0 || v4 < 0) return null;
  skipBlanks(t, e);
  if (P !== e) return null;
  const family: ServiceId["family"] = A_ADDR.includes(":") ? "inet6" : "inet";
  const destinations: ListedDestination[] = [];
  return stats
    ? { protocol, family, address: A_ADDR, port: A_PORT, fwmark: null, scheduler: null, persistent: null, netmask: null, ops: null, pe: null, flags: null, destinations, conns: v0, inPkts: v1, outPkts: v2, inBytes: v3, outBytes: v4 }
    : { protocol, family, address: A_ADDR, port: A_PORT, fwmark: null, scheduler: null, persistent: null, netmask: null, ops: null, pe: null, flags: null, destinations, cps: v0, inPps: v1, outPps: v2, inBps: v3, outBps: v4 };
}

function parseServiceId(toks: string[], fail: Fail): { id: ServiceId; next: number } {
  const proto = PROTO_NAMES[toks[0] as string];
  if (!proto) return fail(`unknown protocol "${toks[0]}" (expected TCP, UDP, SCTP or FWM)`);
  const arg = toks[1];
  if (arg === undefined) return fail("service line without an address");
  if (proto === "fwmark") {
    const v6 = toks[2] === "IPv6";
    return { id: parseServiceArg("fwmark", arg, v6, fail), next: v6 ? 3 : 2 };
  }
  const ap = addrPort(arg);
  if (!ap) return fail(`service address "${arg}" is not ADDR:PORT or [ADDR6]:PORT`);
  const family = ap.address.includes(":") ? "inet6" : "inet";
  return { id: { protocol: proto, family, address: ap.address, port: ap.port, fwmark: null }, next: 2 };
}

function parseServiceLine(toks: string[], format: ListFormat, fail: Fail): ListedService {
  const { id, next } = parseServiceId(toks, fail);
  const s: ListedService = {
    ...id, scheduler: null, persistent: null, netmask: null, ops: null, pe: null, flags: null, destinations: [],
  };
  if (id.protocol === "fwmark" && (id.fwmark as number) > MAX_FWMARK) fail("fwmark out of range");
  if (format === "stats" || format === "rate") {
    if (toks.length !== next + 5) fail(`expected 5 ${format === "stats" ? "counters" : "rates"} after the service`);
    const v = [0, 0, 0, 0, 0];
    for (let i = 0; i < 5; i++) {
      const x = count(toks[next + i] as string);
      if (x < 0) fail(`"${toks[next + i]}" is not a ${format === "stats" ? "counter" : "rate"}`);
      v[i] = x;
    }
    if (format === "stats") { s.conns = v[0]; s.inPkts = v[1]; s.outPkts = v[2]; s.inBytes = v[3]; s.outBytes = v[4]; }
    else { s.cps = v[0]; s.inPps = v[1]; s.outPps = v[2]; s.inBps = v[3]; s.outBps = v[4]; }
    return s;
  }
  // scheduler [(flags)] [persistent T [mask M] [pe P]] [ops]
  let i = next;
  const sched = toks[i++];
  if (sched === undefined) fail("service line without a scheduler");
  if (!(SCHEDULERS as readonly string[]).includes(sched as string)) fail(`unknown scheduler "${sched}"`);
  s.scheduler = sched as Scheduler;
  s.ops = false;
  s.flags = [];
  let t = toks[i];
  if (t !== undefined && t.charCodeAt(0) === 40 /* ( */) {
    if (!t.endsWith(")")) fail(`malformed scheduler flags "${t}"`);
    const inner = t.slice(1, -1);
    // sh/mh print flag-3 as nothing: "sh ()"
    const names = inner === "" ? (sched === "sh" || sched === "mh" ? ["flag-3"] : []) : inner.split(",");
    const f = canonicalFlags(s.scheduler, names);
    if (typeof f === "string") fail(f);
    s.flags = f as SchedFlag[];
    t = toks[++i];
  }
  if (t === "persistent") {
    const p = plainInt(toks[i + 1] ?? "");
    if (p < 1) fail("persistent needs a timeout");
    s.persistent = p;
    i += 2;
    t = toks[i];
    let mask: string | null = null;
    if (t === "mask") {
      const m = toks[i + 1];
      if (m === undefined) fail("mask needs a value");
      mask = m as string;
      i += 2;
      t = toks[i];
    }
    s.netmask = parseNetmask(id.family, mask, fail);
    if (t === "pe") {
      const pe = toks[i + 1];
      if (!(PERSISTENCE_ENGINES as readonly string[]).includes(pe ?? "")) fail(`unknown persistence engine "${pe ?? ""}"`);
      s.pe = pe as PersistenceEngine;
      i += 2;
      t = toks[i];
    }
  }
  if (t === "ops") {
    s.ops = true;
    t = toks[++i];
  }
  if (t !== undefined) fail(`unexpected "${t}" on the service line`);
  return s;
}

function tunInfo(tok: string, d: ListedDestination, fail: Fail): void {
  if (tok === "n/a") return;
  if (tok === "ipip") { d.tunnelType = "ipip"; return; }
  const parts = tok.split(":");
  const csum = parts[parts.length - 1];
  const c: TunnelCsum | null = csum === "-c" ? "nocsum" : csum === "+c" ? "csum" : csum === "r+c" ? "remcsum" : null;
  if (parts[0] === "gue" && parts.length === 3 && c) {
    const p = plainInt(parts[1] as string);
    if (p < 1 || p > 65535) fail(`bad gue tunnel port in "${tok}"`);
    d.tunnelType = "gue"; d.tunnelPort = p; d.tunnelCsum = c;
    return;
  }
  if (parts[0] === "gre" && parts.length === 2 && c) { d.tunnelType = "gre"; d.tunnelCsum = c; return; }
  fail(`unknown tunnel info "${tok}"`);
}

function parseDestLine(toks: string[], format: ListFormat, fail: Fail): ListedDestination {
  const ap = toks[0] === undefined ? null : addrPort(toks[0]);
  if (!ap) return fail(`real server "${toks[0] ?? ""}" is not ADDR:PORT or [ADDR6]:PORT`);
  const d: ListedDestination = {
    address: ap.address, port: ap.port, forward: null, weight: null, upperThreshold: null, lowerThreshold: null,
    tunnelType: null, tunnelPort: null, tunnelCsum: null,
  };
  const cols = format === "tun-info" || format === "stats" || format === "rate" ? 6 : 5;
  if (toks.length !== cols) fail(`expected ${cols - 1} columns after the real server, got ${toks.length - 1}`);
  const num = (i: number, what: string, approxOk: boolean): number => {
    const tok = toks[i] as string;
    const v = approxOk ? count(tok) : plainInt(tok);
    if (v < 0) fail(`"${tok}" is not a valid ${what}`);
    return v;
  };
  switch (format) {
    case "list":
    case "tun-info": {
      const fw = FORWARD_NAMES[toks[1] as string];
      if (!fw) fail(`unknown forwarding method "${toks[1]}"`);
      d.forward = fw as Forward;
      let i = 2;
      if (format === "tun-info") {
        tunInfo(toks[i++] as string, d, fail);
        if ((d.tunnelType !== null) !== (d.forward === "tunnel")) fail("tunnel info does not match the forwarding method");
      }
      d.weight = num(i, "weight", false);
      d.activeConns = num(i + 1, "ActiveConn", false);
      d.inactConns = num(i + 2, "InActConn", false);
      break;
    }
    case "stats":
      d.conns = num(1, "counter", true); d.inPkts = num(2, "counter", true); d.outPkts = num(3, "counter", true);
      d.inBytes = num(4, "counter", true); d.outBytes = num(5, "counter", true);
      break;
    case "rate":
      d.cps = num(1, "rate", true); d.inPps = num(2, "rate", true); d.outPps = num(3, "rate", true);
      d.inBps = num(4, "rate", true); d.outBps = num(5, "rate", true);
      break;
    case "thresholds":
      d.upperThreshold = num(1, "Uthreshold", false); d.lowerThreshold = num(2, "Lthreshold", false);
      d.activeConns = num(3, "ActiveConn", false); d.inactConns = num(4, "InActConn", false);
      break;
    case "persistent-conn":
      d.weight = num(1, "weight", false); d.persistConns = num(2, "PersistConn", false);
      d.activeConns = num(3, "ActiveConn", false); d.inactConns = num(4, "InActConn", false);
      break;
  }
  return d;
}
