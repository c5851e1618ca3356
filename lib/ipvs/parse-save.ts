// `ipvsadm -S -n` (the save / restore format): one -A per service, one -a per real server.
// It round-trips through `ipvsadm -R` but does NOT carry -x/-y: use mergeThresholds for those.
import { canonicalAddress, splitHostPort, parseUint } from "./address";
import { IpvsParseError } from "./errors";
import {
  DEFAULT_SCHEDULER, DEFAULT_TIMEOUT, MAX_FWMARK, MAX_THRESHOLD, MAX_TIMEOUT, MAX_WEIGHT, PERSISTENCE_ENGINES, SCHEDULERS,
  TUNNEL_TYPES, canonicalFlags, destKey, forcesServicePort, serviceKey, tunnelDefaults,
  type Destination, type Family, type Forward, type PersistenceEngine, type Protocol, type Scheduler, type Service,
  type ServiceId, type Table, type TunnelCsum, type TunnelType,
} from "./model";

/** Splits on runs of spaces / tabs. */
export function tokens(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    let c = line.charCodeAt(i);
    while (i < n && (c === 32 || c === 9 || c === 13)) c = line.charCodeAt(++i);
    if (i >= n) break;
    const start = i;
    while (i < n && c !== 32 && c !== 9 && c !== 13) c = line.charCodeAt(++i);
    out.push(line.slice(start, i));
  }
  return out;
}

const PROTO_OPTS: Record<string, Protocol> = {
  "-t": "tcp", "--tcp-service": "tcp", "-u": "udp", "--udp-service": "udp", "--sctp-service": "sctp",
  "-f": "fwmark", "--fwmark-service": "fwmark",
};

/** Parses -S -n text into a table. Throws IpvsParseError naming the line for anything it cannot read. */
export function parseSave(text: string): Table {
  const services: Service[] = [];
  const byKey = new Map<string, Service>();
  const lines = text.split("\n");
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln] as string;
    const fail = (reason: string): never => { throw new IpvsParseError(ln + 1, line, reason); };
    const tk = tokens(line);
    if (tk.length === 0) continue;
    const cmd = tk[0];
    if (cmd !== "-A" && cmd !== "-a") fail(`expected -A (service) or -a (real server), got "${cmd}"`);

    // -------- options into a bag (each at most once)
    const opts = new Map<string, string | null>();
    let proto: Protocol | null = null;
    let protoArg = "";
    for (let i = 1; i < tk.length; i++) {
      const o = tk[i] as string;
      const next = tk[i + 1];
      const hasValue = next !== undefined && !(next.startsWith("-") && !/^-\d/.test(next));
      if (o in PROTO_OPTS) {
        if (proto) fail(`more than one service option (${o})`);
        if (next === undefined) fail(`${o} needs a value`);
        proto = PROTO_OPTS[o] as Protocol;
        protoArg = next as string;
        i++;
        continue;
      }
      if (opts.has(o)) fail(`option ${o} given twice`);
      switch (o) {
        case "-6": case "-o": case "--ops": case "-g": case "-m": case "-i":
        case "--tun-nocsum": case "--tun-csum": case "--tun-remcsum":
          opts.set(o, null);
          break;
        case "-p": case "-b":
          // -p may come without a value (360 s); -b with an empty value is printed for sh/mh flag-3
          opts.set(o, hasValue ? (next as string) : "");
          if (hasValue) i++;
          break;
        case "-s": case "-M": case "--pe": case "-r": case "-w": case "-x": case "-y": case "--tun-type": case "--tun-port":
          if (!hasValue) fail(`${o} needs a value`);
          opts.set(o, next as string);
          i++;
          break;
        default:
          fail(`unknown option "${o}"`);
      }
    }
    if (!proto) fail("no service given (-t, -u, --sctp-service or -f)");
    const id = parseServiceArg(proto as Protocol, protoArg, opts.has("-6"), fail);

    if (cmd === "-A") {
      for (const o of ["-r", "-g", "-m", "-i", "-w", "-x", "-y", "--tun-type", "--tun-port", "--tun-nocsum", "--tun-csum", "--tun-remcsum"])
        if (opts.has(o)) fail(`${o} belongs to a real server (-a), not a service`);
      const svc = parseServiceOptions(id, opts, fail);
      const key = serviceKey(svc);
      if (byKey.has(key)) fail(`service ${key} is defined twice`);
      byKey.set(key, svc);
      services.push(svc);
    } else {
      for (const o of ["-s", "-p", "-M", "--pe", "-o", "--ops", "-b"]) if (opts.has(o)) fail(`${o} belongs to a service (-A), not a real server`);
      const key = serviceKey(id);
      const svc = byKey.get(key);
      if (!svc) fail(`real server of service ${key}, which is not defined above`);
      const dest = parseDestOptions(svc as Service, opts, fail);
      const dk = destKey(dest);
      if ((svc as Service).destinations.some((d) => destKey(d) === dk)) fail(`real server ${dk} of ${key} is defined twice`);
      (svc as Service).destinations.push(dest);
    }
  }
  return { services };
}

type Fail = (reason: string) => never;

export function parseServiceArg(protocol: Protocol, arg: string, v6: boolean, fail: Fail): ServiceId {
  if (protocol === "fwmark") {
    const neg = arg.startsWith("-");
    const n = parseUint(neg ? arg.slice(1) : arg);
    if (n === null) return fail(`fwmark "${arg}" is not a number`);
    // ipvsadm prints marks >= 2^31 as negative int32 (e.g. -1 is 4294967295)
    const mark = neg ? 4294967296 - n : n;
    if (mark < 1 || mark > MAX_FWMARK || (neg && n > 2147483648)) return fail(`fwmark "${arg}" is out of range 1..4294967295`);
    return { protocol, family: v6 ? "inet6" : "inet", address: null, port: null, fwmark: mark };
  }
  if (v6) return fail("-6 only applies to fwmark services");
  const hp = splitHostPort(arg);
  if (!hp) return fail(`service address "${arg}" is not ADDR:PORT or [ADDR6]:PORT`);
  const a = canonicalAddress(hp.address);
  if (!a) return fail(`service address "${hp.address}" is not a valid IPv4 or IPv6 address`);
  return { protocol, family: a.family, address: a.address, port: hp.port, fwmark: null };
}

function int(text: string | null | undefined, what: string, min: number, max: number, fail: Fail): number {
  const n = text == null ? null : parseUint(text);
  if (n === null || n < min || n > max) return fail(`${what} "${text ?? ""}" is not an integer ${min}..${max}`);
  return n;
}

function parseServiceOptions(id: ServiceId, opts: Map<string, string | null>, fail: Fail): Service {
  const schedText = opts.get("-s") ?? DEFAULT_SCHEDULER;
  if (!(SCHEDULERS as readonly string[]).includes(schedText)) fail(`unknown scheduler "${schedText}"`);
  const scheduler = schedText as Scheduler;
  let persistent: number | null = null;
  let netmask: string | null = null;
  if (opts.has("-p")) {
    const p = opts.get("-p");
    persistent = p ? int(p, "persistence timeout", 1, MAX_TIMEOUT, fail) : DEFAULT_TIMEOUT;
    netmask = parseNetmask(id.family, opts.get("-M") ?? null, fail);
  }
  let pe: PersistenceEngine | null = null;
  if (opts.has("--pe")) {
    const v = opts.get("--pe") as string;
    if (!(PERSISTENCE_ENGINES as readonly string[]).includes(v)) fail(`unknown persistence engine "${v}"`);
    pe = v as PersistenceEngine;
  }
  let flags: Service["flags"] = [];
  if (opts.has("-b")) {
    const v = opts.get("-b") as string;
    // sh/mh print flag-3 as nothing at all ("-b " with an empty value)
    const names = v === "" ? (scheduler === "sh" || scheduler === "mh" ? ["flag-3"] : []) : v.split(",");
    const f = canonicalFlags(scheduler, names);
    if (typeof f === "string") fail(f);
    flags = f as Service["flags"];
  }
  return { ...id, scheduler, persistent, netmask, ops: opts.has("-o") || opts.has("--ops"), pe, flags, destinations: [] };
}

export function parseNetmask(family: Family, text: string | null, fail: Fail): string {
  if (family === "inet6") {
    if (text === null) return "128";
    return String(int(text, "IPv6 netmask (prefix length)", 1, 128, fail));
  }
  if (text === null) return "255.255.255.255";
  const a = canonicalAddress(text);
  if (!a || a.family !== "inet") return fail(`IPv4 netmask "${text}" is not a dotted quad`);
  return a.address;
}

function parseDestOptions(svc: Service, opts: Map<string, string | null>, fail: Fail): Destination {
  const r = opts.get("-r");
  if (r == null) return fail("a real server line needs -r ADDR[:PORT]");
  let address: string, port: number;
  const colons = r.split(":").length - 1;
  if (r.startsWith("[") || colons === 1) {
    const hp = splitHostPort(r);
    if (!hp) return fail(`real server "${r}" is not ADDR[:PORT] or [ADDR6]:PORT`);
    const a = canonicalAddress(hp.address);
    if (!a) return fail(`real server address "${hp.address}" is not a valid IPv4 or IPv6 address`);
    address = a.address;
    port = hp.port;
  } else {
    // no port: an IPv4 address, or an unbracketed IPv6 address (all of it is the address)
    const a = canonicalAddress(r);
    if (!a) return fail(`real server address "${r}" is not a valid IPv4 or IPv6 address`);
    address = a.address;
    port = svc.port ?? 0;
  }
  const methods = (["-g", "-m", "-i"] as const).filter((m) => opts.has(m));
  if (methods.length > 1) fail(`more than one forwarding method (${methods.join(" ")})`);
  const forward: Forward = methods[0] === "-m" ? "masq" : methods[0] === "-i" ? "tunnel" : "route";
  if (forcesServicePort(svc, forward)) port = svc.port ?? 0;
  const weight = opts.has("-w") ? int(opts.get("-w"), "weight", 0, MAX_WEIGHT, fail) : 1;
  const upperThreshold = opts.has("-x") ? int(opts.get("-x"), "upper threshold", 0, MAX_THRESHOLD, fail) : 0;
  const lowerThreshold = opts.has("-y") ? int(opts.get("-y"), "lower threshold", 0, MAX_THRESHOLD, fail) : 0;
  let tunnelType: TunnelType | null = null;
  let tunnelPort: number | null = null;
  let tunnelCsum: TunnelCsum | null = null;
  if (opts.has("--tun-type")) {
    const t = opts.get("--tun-type") as string;
    if (!(TUNNEL_TYPES as readonly string[]).includes(t)) fail(`unknown tunnel type "${t}"`);
    tunnelType = t as TunnelType;
  }
  if (opts.has("--tun-port")) tunnelPort = int(opts.get("--tun-port"), "tunnel port", 1, 65535, fail);
  const csums = (["--tun-nocsum", "--tun-csum", "--tun-remcsum"] as const).filter((c) => opts.has(c));
  if (csums.length > 1) fail(`more than one tunnel checksum option (${csums.join(" ")})`);
  if (csums[0]) tunnelCsum = csums[0].slice(6) as TunnelCsum;
  if (forward !== "tunnel" && (tunnelType || tunnelPort !== null || tunnelCsum)) fail("tunnel options need the tunnel method (-i)");
  if (tunnelType === "gue" && tunnelPort === null) fail("a gue tunnel needs --tun-port");
  if (tunnelType !== "gue" && tunnelPort !== null) fail("--tun-port only applies to gue tunnels");
  if (tunnelCsum === "remcsum" && tunnelType !== "gue") fail("--tun-remcsum only applies to gue tunnels");
  if (tunnelCsum && (tunnelType ?? "ipip") === "ipip") fail("checksum options do not apply to ipip tunnels");
  const t = tunnelDefaults({ forward, tunnelType, tunnelPort, tunnelCsum });
  return { address, port, forward, weight, upperThreshold, lowerThreshold, ...t };
}
