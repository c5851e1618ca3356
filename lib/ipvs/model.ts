// The IPVS model: what a virtual service and a real server ARE, with their identity (key) and
// equality defined once, next to the types. Everything else (parsers, planner, drift) leans on these.
import { hostPort } from "./address";

export const PROTOCOLS = ["tcp", "udp", "sctp", "fwmark"] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const FAMILIES = ["inet", "inet6"] as const;
export type Family = (typeof FAMILIES)[number];
export const FORWARDS = ["route", "masq", "tunnel", "local"] as const;
/** route = DR (-g), masq = NAT (-m), tunnel = -i, local = director-local (listed by old kernels only). */
export type Forward = (typeof FORWARDS)[number];
/** The forwarding method as `ipvsadm -Ln` lists it (the kernel's own word). */
export const FORWARD_LISTED: Record<Forward, string> = { route: "Route", masq: "Masq", tunnel: "Tunnel", local: "Local" };
/** The forwarding methods an operator configures (the panel's one vocabulary: DB, forms, API, CLI, documents). */
export const FORWARDING_METHODS = ["route", "masq", "tunnel"] as const;
export type ForwardingMethod = (typeof FORWARDING_METHODS)[number];
export const FORWARDING_LABEL: Record<ForwardingMethod, string> = {
  route: "Direct Routing (DR, -g)", masq: "NAT / masquerading (-m)", tunnel: "IP tunnelling (TUN, -i)",
};
/** Schedulers ipvsadm knows. `twos` is not in Debian's 6.1 kernel: ask the director which it has. */
export const SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"] as const;
export type Scheduler = (typeof SCHEDULERS)[number];
export const PERSISTENCE_ENGINES = ["sip"] as const;
export type PersistenceEngine = (typeof PERSISTENCE_ENGINES)[number];
// Scheduler flags as ipvsadm names them: sh-fallback/sh-port (mh-fallback/mh-port) are flag-1/flag-2 of sh (mh).
export const SCHED_FLAGS = ["flag-1", "flag-2", "flag-3", "sh-fallback", "sh-port", "mh-fallback", "mh-port"] as const;
export type SchedFlag = (typeof SCHED_FLAGS)[number];
export const TUNNEL_TYPES = ["ipip", "gue", "gre"] as const;
export type TunnelType = (typeof TUNNEL_TYPES)[number];
export const TUNNEL_CSUMS = ["nocsum", "csum", "remcsum"] as const;
export type TunnelCsum = (typeof TUNNEL_CSUMS)[number];

export const MAX_WEIGHT = 2147483647; // INT_MAX: the kernel's range, not 65535
export const MAX_THRESHOLD = 2147483647;
export const MAX_TIMEOUT = 2678400; // 31 days
export const DEFAULT_TIMEOUT = 360; // `-p` with no value
export const MAX_FWMARK = 4294967295; // what ipvsadm accepts; forms allow 1..2^31-1 (larger ones list as negative)
export const DEFAULT_SCHEDULER: Scheduler = "wlc";

/** A real server. `port` is always explicit (DR/TUN: the service port; see normalizeService). */
export interface Destination {
  address: string;
  port: number;
  forward: Forward;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  /** tunnel only: ipip (default), gue (needs tunnelPort) or gre; null otherwise */
  tunnelType: TunnelType | null;
  /** gue only */
  tunnelPort: number | null;
  /** gue / gre only: nocsum (default), csum, remcsum (gue) */
  tunnelCsum: TunnelCsum | null;
}

/** The identity of a virtual service: -t/-u/--sctp-service ADDR:PORT, or -f MARK [-6]. */
export interface ServiceId {
  protocol: Protocol;
  family: Family;
  /** null for fwmark services */
  address: string | null;
  /** null for fwmark services */
  port: number | null;
  /** null unless protocol is fwmark; 1..4294967295 (ipvsadm lists >= 2^31 as negative, parsers undo that) */
  fwmark: number | null;
}

/** A virtual service with its real servers. */
export interface Service extends ServiceId {
  scheduler: Scheduler;
  /** persistence timeout in seconds, null when not persistent */
  persistent: number | null;
  /** persistence netmask: dotted quad (inet) or prefix length as text, e.g. "64" (inet6); null when not persistent */
  netmask: string | null;
  /** one-packet scheduling (UDP) */
  ops: boolean;
  pe: PersistenceEngine | null;
  /** canonical names in bit order (flag-1, flag-2, flag-3; sh-/mh- names for sh/mh) */
  flags: SchedFlag[];
  destinations: Destination[];
}

/** A whole IPVS table: services each with destinations. Order carries no meaning. */
export interface Table {
  services: Service[];
}

/** "TCP 10.0.0.1:80", "UDP [2001:db8::1]:53", "FWM 3", "FWM 3 IPv6": ipvsadm -Ln's own notation. */
export function serviceKey(s: ServiceId): string {
  if (s.protocol === "fwmark") return s.family === "inet6" ? `FWM ${s.fwmark} IPv6` : `FWM ${s.fwmark}`;
  return `${s.protocol.toUpperCase()} ${hostPort(s.address ?? "", s.port ?? 0)}`;
}

/** "10.0.0.11:80" / "[2001:db8::11]:80": unique within one service. */
export function destKey(d: Pick<Destination, "address" | "port">): string {
  return hostPort(d.address, d.port);
}

export function serviceId(s: ServiceId): ServiceId {
  return { protocol: s.protocol, family: s.family, address: s.address, port: s.port, fwmark: s.fwmark };
}

const SERVICE_FIELDS = ["scheduler", "persistent", "netmask", "ops", "pe"] as const;
const DEST_FIELDS = ["forward", "weight", "upperThreshold", "lowerThreshold", "tunnelType", "tunnelPort", "tunnelCsum"] as const;

/** The service-level fields (not destinations) whose values differ; [] when equal. */
export function serviceFieldDiff(a: Service, b: Service): string[] {
  const out: string[] = [];
  for (const f of SERVICE_FIELDS) if (a[f] !== b[f]) out.push(f);
  if (a.flags.length !== b.flags.length || a.flags.some((f, i) => b.flags[i] !== f)) out.push("flags");
  return out;
}

/** Equality of the service itself (identity and options), ignoring destinations. */
export function serviceConfigEqual(a: Service, b: Service): boolean {
  return serviceKey(a) === serviceKey(b) && serviceFieldDiff(a, b).length === 0;
}

/** The destination fields whose values differ; [] when equal. local and route compare equal (see Forward). */
export function destFieldDiff(a: Destination, b: Destination): string[] {
  const out: string[] = [];
  for (const f of DEST_FIELDS) {
    if (f === "forward") {
      if (fwdClass(a.forward) !== fwdClass(b.forward)) out.push(f);
    } else if (a[f] !== b[f]) out.push(f);
  }
  return out;
}

export function destEqual(a: Destination, b: Destination): boolean {
  return destKey(a) === destKey(b) && destFieldDiff(a, b).length === 0;
}

function fwdClass(f: Forward): Forward {
  return f === "local" ? "route" : f;
}

/**
 * Service equality including the destination SET (order ignored): same key, same options
 * (serviceSame) and the same real servers with the same options (destSame). This is the planner's
 * "in sync" test, so it allocates nothing in the usual cases (see destinationsSame).
 */
export function serviceEqual(a: Service, b: Service): boolean {
  return serviceIdSame(a, b) && serviceSame(a, b) && destinationsSame(a.destinations, b.destinations);
}

/** Boolean form of serviceKey(a) === serviceKey(b), without building the keys. */
function serviceIdSame(a: ServiceId, b: ServiceId): boolean {
  if (a.protocol !== b.protocol) return false;
  if (a.protocol === "fwmark") return a.fwmark === b.fwmark && (a.family === "inet6") === (b.family === "inet6");
  return (a.address ?? "") === (b.address ?? "") && (a.port ?? 0) === (b.port ?? 0);
}

/** Same real servers (address and port) with the same options, in any order; positional fast path first. */
function destinationsSame(ds: readonly Destination[], as: readonly Destination[]): boolean {
  const n = ds.length;
  if (n !== as.length) return false;
  let i = 0;
  for (; i < n; i++) {
    const x = ds[i] as Destination, y = as[i] as Destination;
    if (x.port !== y.port || x.address !== y.address) break;
    if (!destSame(x, y)) return false;
  }
  if (i === n) return true;
  if (n - i <= 32) {
    // small lists: match by address and port directly (no key strings, no map)
    outer: for (let j = i; j < n; j++) {
      const x = ds[j] as Destination;
      for (let k = i; k < n; k++) {
        const y = as[k] as Destination;
        if (y.port === x.port && y.address === x.address) {
          if (!destSame(x, y)) return false;
          continue outer;
        }
      }
      return false;
    }
    return true;
  }
  const m = new Map<string, Destination>();
  for (let j = i; j < n; j++) m.set(destKey(as[j] as Destination), as[j] as Destination);
  for (let j = i; j < n; j++) {
    const x = ds[j] as Destination;
    const y = m.get(destKey(x));
    if (!y || !destSame(x, y)) return false;
  }
  return true;
}

/** ipvsadm forces the real-server port to the service port for DR / tunnel / local (not under fwmark). */
export function forcesServicePort(service: Pick<ServiceId, "protocol">, forward: Forward): boolean {
  return service.protocol !== "fwmark" && forward !== "masq";
}

/**
 * The panel's sorry-server rule: on the service's own port it is a DR real server (it holds the VIP
 * like the others), on another port it is reached by NAT; under fwmark there is no service port.
 */
export function sorryForward(service: { protocol: string; port: number | null }, sorryPort: number): "route" | "masq" {
  return service.protocol !== "fwmark" && sorryPort === service.port ? "route" : "masq";
}

/** The defaults ipvsadm applies for a destination's tunnel fields. */
export function tunnelDefaults(d: Pick<Destination, "forward" | "tunnelType" | "tunnelPort" | "tunnelCsum">): Pick<Destination, "tunnelType" | "tunnelPort" | "tunnelCsum"> {
  if (d.forward !== "tunnel") return { tunnelType: null, tunnelPort: null, tunnelCsum: null };
  const type = d.tunnelType ?? "ipip";
  if (type === "ipip") return { tunnelType: "ipip", tunnelPort: null, tunnelCsum: null };
  return { tunnelType: type, tunnelPort: type === "gue" ? d.tunnelPort : null, tunnelCsum: d.tunnelCsum ?? "nocsum" };
}

/** A message for the user about something the model changed on purpose (e.g. the DR port rule). */
export interface Notice {
  /** dotted path of the field, e.g. "destinations.0.port" */
  path: string;
  message: string;
}

/**
 * Applies ipvsadm's own rewrites so that desired state compares equal to what the kernel will list:
 * DR / tunnel real-server port := service port (with a notice when it changes), tunnel defaults.
 */
export function normalizeService(service: Service): { service: Service; notices: Notice[] } {
  const notices: Notice[] = [];
  // fast path: already normal (the usual case) → the same object, nothing allocated per real server
  let changed = false;
  for (const d of service.destinations) {
    if ((forcesServicePort(service, d.forward) && d.port !== service.port) || !tunnelIsDefaulted(d)) { changed = true; break; }
  }
  if (!changed) return { service, notices };
  const destinations = service.destinations.map((d, i) => {
    let port = d.port;
    if (forcesServicePort(service, d.forward) && port !== service.port) {
      const sp = service.port ?? 0;
      notices.push({
        path: `destinations.${i}.port`,
        message: `real server ${destKey(d)}: port ${port} becomes ${sp}, because in ${d.forward === "tunnel" ? "tunnel" : "direct routing"} mode the real server always receives the virtual service port (ipvsadm rewrites it)`,
      });
      port = sp;
    }
    return { ...d, port, ...tunnelDefaults(d) };
  });
  return { service: { ...service, destinations }, notices };
}

function tunnelIsDefaulted(d: Destination): boolean {
  const t = tunnelDefaults(d);
  return t.tunnelType === d.tunnelType && t.tunnelPort === d.tunnelPort && t.tunnelCsum === d.tunnelCsum;
}

/** Fast boolean form of destFieldDiff(a, b).length === 0 (ignores address/port). */
export function destSame(a: Destination, b: Destination): boolean {
  return (a.forward === b.forward || (a.forward !== "masq" && a.forward !== "tunnel" && b.forward !== "masq" && b.forward !== "tunnel")) &&
    a.weight === b.weight && a.upperThreshold === b.upperThreshold && a.lowerThreshold === b.lowerThreshold &&
    a.tunnelType === b.tunnelType && a.tunnelPort === b.tunnelPort && a.tunnelCsum === b.tunnelCsum;
}

/** Fast boolean form of serviceFieldDiff(a, b).length === 0. */
export function serviceSame(a: Service, b: Service): boolean {
  if (a.scheduler !== b.scheduler || a.persistent !== b.persistent || a.netmask !== b.netmask || a.ops !== b.ops || a.pe !== b.pe) return false;
  const fa = a.flags, fb = b.flags;
  if (fa.length !== fb.length) return false;
  for (let i = 0; i < fa.length; i++) if (fa[i] !== fb[i]) return false;
  return true;
}

/** Sorts services and destinations by key, for stable output (the kernel's order is unreliable). */
export function sortTable(t: Table): Table {
  const services = t.services
    .map((s) => ({ ...s, destinations: [...s.destinations].sort((a, b) => cmp(destKey(a), destKey(b))) }))
    .sort((a, b) => cmp(serviceKey(a), serviceKey(b)));
  return { services };
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const FLAG_BIT: Record<SchedFlag, number> = {
  "flag-1": 1, "flag-2": 2, "flag-3": 4, "sh-fallback": 1, "sh-port": 2, "mh-fallback": 1, "mh-port": 2,
};

/**
 * Canonical scheduler flags: sh/mh use their own names for flag-1/flag-2 (as ipvsadm lists them),
 * others flag-1..3, deduplicated, in bit order. Returns a message instead when a name does not fit
 * the scheduler (ipvsadm: "incompatible scheduler flag").
 */
export function canonicalFlags(scheduler: Scheduler, names: readonly string[]): SchedFlag[] | string {
  let bits = 0;
  for (const n of names) {
    if (!(SCHED_FLAGS as readonly string[]).includes(n)) return `unknown scheduler flag "${n}" (known: ${SCHED_FLAGS.join(", ")})`;
    const prefix = n.slice(0, 3);
    if ((prefix === "sh-" || prefix === "mh-") && prefix !== `${scheduler}-`) return `scheduler flag "${n}" only applies to the ${prefix.slice(0, 2)} scheduler, not ${scheduler}`;
    bits |= FLAG_BIT[n as SchedFlag];
  }
  return flagsFromBits(scheduler, bits);
}

export function flagsFromBits(scheduler: Scheduler, bits: number): SchedFlag[] {
  const named = scheduler === "sh" || scheduler === "mh";
  const out: SchedFlag[] = [];
  if (bits & 1) out.push(named ? (`${scheduler}-fallback` as SchedFlag) : "flag-1");
  if (bits & 2) out.push(named ? (`${scheduler}-port` as SchedFlag) : "flag-2");
  if (bits & 4) out.push("flag-3");
  return out;
}
