// Seeded generator of valid, canonical tables (for property tests and the benchmark). No deps.
import {
  SCHEDULERS, destKey, normalizeService, serviceKey,
  type Destination, type Forward, type SchedFlag, type Scheduler, type Service, type Table,
} from "../model";

/** mulberry32: small, fast, good enough for tests. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Gen {
  int(min: number, max: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

export function gen(seed: number): Gen {
  const r = rng(seed);
  return {
    int: (min, max) => min + Math.floor(r() * (max - min + 1)),
    pick: (xs) => xs[Math.floor(r() * xs.length)] as (typeof xs)[number],
    chance: (p) => r() < p,
  };
}

const KERNEL_SCHEDULERS = SCHEDULERS.filter((s) => s !== "twos");

function v4(g: Gen, net = 10): string {
  return `${net}.${g.int(0, 255)}.${g.int(0, 255)}.${g.int(1, 254)}`;
}
function v6(g: Gen): string {
  return `2001:db8:${g.int(0, 0xffff).toString(16)}::${g.int(1, 0xffff).toString(16)}`;
}

export function randomDestination(g: Gen, svc: Pick<Service, "family" | "port" | "protocol">): Destination {
  const forward: Forward = g.pick(["route", "masq", "tunnel"] as const);
  const family = forward === "tunnel" && g.chance(0.2) ? (svc.family === "inet" ? "inet6" : "inet") : svc.family;
  const upper = g.chance(0.3) ? g.int(0, 100000) : 0;
  const tunnelType = forward === "tunnel" ? g.pick(["ipip", "gue", "gre"] as const) : null;
  return {
    address: family === "inet" ? v4(g, 172) : v6(g),
    port: forward === "masq" || svc.protocol === "fwmark" ? g.int(0, 65535) : (svc.port ?? 0),
    forward,
    weight: g.chance(0.1) ? g.int(0, 2147483647) : g.int(0, 100),
    upperThreshold: upper,
    lowerThreshold: upper ? g.int(0, upper) : 0,
    tunnelType,
    tunnelPort: tunnelType === "gue" ? g.int(1, 65535) : null,
    tunnelCsum: tunnelType === "gue" ? g.pick(["nocsum", "csum", "remcsum"] as const) : tunnelType === "gre" ? g.pick(["nocsum", "csum"] as const) : null,
  };
}

export function randomService(g: Gen, maxDests = 6): Service {
  const protocol = g.pick(["tcp", "udp", "sctp", "fwmark"] as const);
  const family = g.chance(0.25) ? "inet6" : "inet";
  const scheduler: Scheduler = g.pick(KERNEL_SCHEDULERS);
  const persistent = g.chance(0.3) ? g.int(1, 2678400) : null;
  const port = protocol === "fwmark" ? null : persistent !== null && g.chance(0.1) ? 0 : g.int(1, 65535);
  const flags: SchedFlag[] = [];
  if (g.chance(0.2)) {
    if (scheduler === "sh" || scheduler === "mh") {
      if (g.chance(0.5)) flags.push(`${scheduler}-fallback` as SchedFlag);
      if (g.chance(0.5)) flags.push(`${scheduler}-port` as SchedFlag);
    } else {
      if (g.chance(0.5)) flags.push("flag-1");
      if (g.chance(0.5)) flags.push("flag-2");
      if (g.chance(0.3)) flags.push("flag-3");
    }
  }
  const s: Service = {
    protocol, family,
    address: protocol === "fwmark" ? null : family === "inet" ? v4(g) : v6(g),
    port,
    fwmark: protocol === "fwmark" ? g.int(1, 2147483647) : null,
    scheduler,
    persistent,
    netmask: persistent === null ? null : family === "inet" ? g.pick(["255.255.255.255", "255.255.255.0", "255.255.0.0"]) : String(g.int(1, 128)),
    ops: protocol === "udp" && g.chance(0.2),
    pe: persistent !== null && protocol === "udp" && g.chance(0.2) ? "sip" : null,
    flags,
    destinations: [],
  };
  const n = g.int(0, maxDests);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const d = randomDestination(g, s);
    const nd = normalizeService({ ...s, destinations: [d] }).service.destinations[0] as Destination;
    if (seen.has(destKey(nd))) continue;
    seen.add(destKey(nd));
    s.destinations.push(nd);
  }
  return s;
}

/** A valid table of up to n services with unique keys. */
export function randomTable(seed: number, n: number, maxDests = 6): Table {
  const g = gen(seed);
  const services: Service[] = [];
  const keys = new Set<string>();
  for (let i = 0; i < n; i++) {
    const s = randomService(g, maxDests);
    if (keys.has(serviceKey(s))) continue;
    keys.add(serviceKey(s));
    services.push(s);
  }
  return { services };
}

/** A random variation of a table: some services edited / removed / added, destinations changed. */
export function mutateTable(seed: number, t: Table, rate = 0.3): Table {
  const g = gen(seed);
  const services: Service[] = [];
  for (const s of t.services) {
    if (g.chance(rate * 0.2)) continue; // removed
    if (!g.chance(rate)) { services.push(s); continue; }
    const c: Service = structuredClone(s);
    const what = g.int(0, 5);
    if (what === 0) { c.scheduler = g.pick(KERNEL_SCHEDULERS); c.flags = []; }
    else if (what === 1) { c.persistent = c.persistent === null ? g.int(1, 3600) : null; c.netmask = c.persistent === null ? null : c.family === "inet" ? "255.255.255.255" : "128"; c.pe = null; if (c.port === 0 && c.persistent === null) c.persistent = 60, c.netmask = c.family === "inet" ? "255.255.255.255" : "128"; }
    else if (what === 2 && c.destinations.length) c.destinations.splice(g.int(0, c.destinations.length - 1), 1);
    else if (what === 3 && c.destinations.length) { const d = c.destinations[g.int(0, c.destinations.length - 1)] as Destination; d.weight = g.int(0, 1000); }
    else if (what === 4 && c.destinations.length) { const d = c.destinations[g.int(0, c.destinations.length - 1)] as Destination; d.upperThreshold = g.int(0, 50); d.lowerThreshold = g.int(0, d.upperThreshold); }
    else {
      const d = normalizeService({ ...c, destinations: [randomDestination(g, c)] }).service.destinations[0] as Destination;
      if (!c.destinations.some((x) => destKey(x) === destKey(d))) c.destinations.push(d);
    }
    services.push(c);
  }
  const extra = randomTable(seed + 1, Math.ceil(t.services.length * rate * 0.2) + 1, 3).services;
  const keys = new Set(services.map(serviceKey));
  for (const s of extra) if (!keys.has(serviceKey(s))) services.push(s);
  return { services };
}
