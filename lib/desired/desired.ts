import type { PrismaClient } from "@/generated/prisma/client";
import { InvalidDesired, ipvsCore, type DirectorDesired, type IpvsCore } from "@/lib/director";
import { PROTOCOLS, canonicalFlags, forcesServicePort, serviceKey, sorryForward, tunnelDefaults } from "@/lib/ipvs";
import type { Destination, Family, Forward, PersistenceEngine, Scheduler, Service, ServiceId, Table } from "@/lib/ipvs";
import { canonicalAddress, parseUint } from "@/lib/ipvs/address";

// Desired state (the database) as a lib/ipvs table built straight from the rows (desiredTable), ONCE:
// no text round trip; lib/director's ipvsCore plans it. Plus the services the panel managed before and
// must now delete. (People read the table as `ipvsadm -S` lines through lib/ipvs renderTable.)
/** ApplyRun.actor of the health checker's runs (defined here only: lib/health/runner imports this module and re-exports it). */
export const HEALTH_ACTOR = "health-checker";

/** A VirtualService row with its RealServer rows: what the desired state is made of. */
export type ServiceRow = Vs;
type Vs = {
  protocol: string; address: string | null; port: number | null; fwmark: number | null; family: string;
  scheduler: string; schedulerFlags: string[];
  persistenceTimeout: number | null; persistenceNetmask: string | null; onePacket: boolean; persistenceEngine: string | null;
  sorryAddress: string | null; sorryPort: number | null;
  realServers: Array<{
    address: string; port: number; weight: number; forwardingMethod: "route" | "masq" | "tunnel"; state: string;
    upperThreshold?: number; lowerThreshold?: number;
  }>;
};

// ---------------------------------------------------------------------------------------------
// The table, straight from the rows. It is what lib/ipvs's parser made of the rows rendered as
// `ipvsadm -S` lines (desired.test.ts keeps that old path as its reference and compares): addresses canonical, the family from the address
// (fwmark: from the row), DR/TUN real servers on the service port, the default netmask when none is
// set, scheduler flags canonical, tunnel defaults. Pure and total: a value lib/ipvs would refuse is
// passed on as it is, and ipvsCore.validate (validateTable) refuses it before any command is built.

const canonical = (text: string): string => canonicalAddress(text)?.address ?? text;

/** The service part of a row as lib/ipvs's model (canonical address): serviceKey of it is the kernel's key. */
export function serviceIdOf(s: IdRow): ServiceId {
  if (s.protocol === "fwmark") {
    return { protocol: "fwmark", family: s.family === "inet6" ? "inet6" : "inet", address: null, port: null, fwmark: s.fwmark };
  }
  const a = s.address === null ? null : canonicalAddress(s.address);
  return {
    protocol: s.protocol === "udp" || s.protocol === "sctp" ? s.protocol : "tcp", // anything else is -t
    family: a?.family ?? (s.family === "inet6" ? "inet6" : "inet"),
    address: a?.address ?? s.address,
    port: s.port ?? 0,
    fwmark: null,
  };
}

/** The persistence netmask: the family's full mask when none (or a full one of either family) is set. */
function netmaskOf(family: Family, m: string | null): string {
  const full = family === "inet6" ? "128" : "255.255.255.255";
  if (!m || m === "255.255.255.255" || m === "128") return full;
  if (family === "inet6") {
    const n = parseUint(m);
    return n !== null && n >= 1 && n <= 128 ? String(n) : m;
  }
  const a = canonicalAddress(m);
  return a?.family === "inet" ? a.address : m;
}

function flagsOf(scheduler: Scheduler, names: string[]): Service["flags"] {
  if (!names.length) return [];
  // one `-b a,b` option: "" alone is `-b ` with nothing after it, flag-3 for sh/mh (as ipvsadm -S prints it)
  const joined = names.join(",");
  const list = joined === "" ? (scheduler === "sh" || scheduler === "mh" ? ["flag-3"] : []) : joined.split(",");
  const f = canonicalFlags(scheduler, list);
  return typeof f === "string" ? (list as Service["flags"]) : f;
}

// (fields written out: an object literal with a spread and more properties after it is slow in V8)
function destination(
  svc: ServiceId, addr: string, port: number, forward: Forward, weight: number, upper: number, lower: number,
): Destination {
  // ipip for tunnels: the rows have no tunnel columns
  const t = tunnelDefaults({ forward, tunnelType: null, tunnelPort: null, tunnelCsum: null });
  return {
    address: canonical(addr), port: forcesServicePort(svc, forward) ? (svc.port ?? 0) : port, forward, weight,
    upperThreshold: upper, lowerThreshold: lower,
    tunnelType: t.tunnelType, tunnelPort: t.tunnelPort, tunnelCsum: t.tunnelCsum,
  };
}

/** One service row as lib/ipvs's model: disabled real servers left out, draining ones at weight 0, the sorry server when wanted. */
export function desiredService(s: Vs): Service {
  const id = serviceIdOf(s);
  const scheduler = s.scheduler as Scheduler;
  const persistent = s.persistenceTimeout;
  const service: Service = {
    protocol: id.protocol, family: id.family, address: id.address, port: id.port, fwmark: id.fwmark,
    scheduler, persistent, netmask: persistent === null ? null : netmaskOf(id.family, s.persistenceNetmask),
    ops: s.onePacket, pe: (s.persistenceEngine || null) as PersistenceEngine | null, flags: flagsOf(scheduler, s.schedulerFlags),
    destinations: [],
  };
  const active = s.realServers.filter((r) => r.state !== "disabled");
  for (const r of active) service.destinations.push(realServerOf(id, r, r.state === "draining" ? 0 : r.weight));
  // Sorry server: only when no real server can take new connections.
  if (s.sorryAddress && s.sorryPort !== null && !active.some((r) => r.state === "active" && r.weight > 0)) {
    service.destinations.push(sorryOf(s, id, s.sorryAddress, s.sorryPort));
  }
  return service;
}

function realServerOf(id: ServiceId, r: Vs["realServers"][number], weight: number): Destination {
  return destination(id, r.address, r.port, r.forwardingMethod, weight, r.upperThreshold || 0, r.lowerThreshold || 0);
}

/** The sorry server (lib/ipvs sorryForward: DR on the service port, else NAT on its own port); weight 1. */
function sorryOf(s: Pick<Vs, "protocol" | "port">, id: ServiceId, address: string, port: number): Destination {
  return destination(id, address, port, sorryForward(s, port), 1, 0, 0);
}

type IdRow = Pick<Vs, "protocol" | "address" | "port" | "fwmark" | "family">;

/** A real server as configured (its own weight, whatever its state), as desiredService builds it. */
export function configuredRealServer(s: IdRow, r: Vs["realServers"][number]): Destination {
  return realServerOf(serviceIdOf(s), r, r.weight);
}

/** The service's sorry server as desiredService builds it when it is wanted; null when none is configured. */
export function sorryServer(s: IdRow & Pick<Vs, "sorryAddress" | "sorryPort">): Destination | null {
  return s.sorryAddress && s.sorryPort !== null ? sorryOf(s, serviceIdOf(s), s.sorryAddress, s.sorryPort) : null;
}

/** The desired table of a cluster's service rows, in their order. */
export function desiredTable(services: readonly Vs[]): Table {
  return { services: services.map(desiredService) };
}

export interface Desired {
  /** every managed service as lib/ipvs's model (what desiredCore validates and plans) */
  table: Table;
  /** service keys (lib/ipvs serviceKey, "TCP 10.0.0.100:80") the panel owns now */
  owned: string[];
  /** service keys the panel owned at its last apply and that are gone from the desired state */
  remove: string[];
  /** VIPs the director must hold */
  vips: string[];
}

/** A service row's key: lib/ipvs serviceKey ("TCP 10.0.0.100:80", "FWM 3 IPv6"), the one format, stored in ApplyRun.desired. */
export function keyOf(s: Pick<Vs, "protocol" | "address" | "port" | "fwmark" | "family">): string {
  return serviceKey(serviceIdOf(s));
}

export async function loadDesired(prisma: PrismaClient, clusterId: string): Promise<Desired> {
  const [services, previous] = await Promise.all([
    prisma.virtualService.findMany({ where: { clusterId }, include: { realServers: true } }),
    lastOwned(prisma, clusterId),
  ]);
  return desiredOf(services, previous);
}

/**
 * Pure: loadDesired's state of a cluster's service rows, given the service keys the operator's last
 * apply owned (`previous`); loadDesired reads both itself, lib/health/overlay's loadDesiredAndCluster from loadCluster's rows.
 */
export function desiredOf(services: readonly ServiceRow[], previous: readonly string[]): Desired {
  const owned = services.map((s) => keyOf(s));
  return {
    table: desiredTable(services),
    owned,
    remove: previous.filter((k) => !owned.includes(k)),
    vips: vipsOf(services),
  };
}

/** The cluster's VIPs: its services' addresses (fwmark services have none), each once. */
export function vipsOf(services: ReadonlyArray<{ address: string | null }>): string[] {
  return [...new Set(services.map((s) => s.address).filter((a): a is string => !!a))];
}

/** The service keys the operator's last apply owned (ApplyRun.desired.owned; the health checker's runs are not the operator's record). */
export async function lastOwned(prisma: PrismaClient, clusterId: string): Promise<string[]> {
  const last = await prisma.applyRun.findFirst({
    where: { clusterId, actor: { not: HEALTH_ACTOR }, outcome: { in: ["succeeded", "verify_failed", "failed"] } },
    orderBy: { startedAt: "desc" }, select: { desired: true },
  });
  const before = ((last?.desired as { owned?: unknown } | null)?.owned ?? []) as unknown;
  return Array.isArray(before) ? before.filter((k): k is string => typeof k === "string") : [];
}

/** A stored key in serviceKey's shape (anything else names no service and is dropped). */
const KEY = /^(TCP|UDP|SCTP) [A-Za-z0-9.:[\]]{1,60}$|^FWM \d{1,10}( IPv6)?$/;

/** What desiredCore.validate accepts: loadDesired's table, plus the keys to delete. */
export interface ConsoleDesiredInput {
  table: Table;
  /** service keys (serviceKey) the panel stopped owning */
  remove?: string[];
}

/** Enough of a table for serviceKey; validateTable (in ipvsCore.validate) judges the rest. */
function tableShaped(t: unknown): t is Table {
  const services = (t as { services?: unknown } | null)?.services;
  return Array.isArray(services) && services.every((s: Partial<ServiceId> | null) =>
    typeof s === "object" && s !== null && (PROTOCOLS as readonly unknown[]).includes(s.protocol) &&
    (s.protocol === "fwmark" || s.address == null || typeof s.address === "string"));
}

/** lib/director's ipvsCore on the desired table; services the panel stopped managing stay owned, so they are deleted. */
export const desiredCore: IpvsCore<DirectorDesired> = {
  validate(input) {
    const i = input as ConsoleDesiredInput | null;
    if (!tableShaped(i?.table)) throw new InvalidDesired("desired state must be a table ({ services: [...] })");
    const table = i.table;
    const owned = [...table.services.map((s) => serviceKey(s)), ...(i?.remove ?? []).filter((k) => typeof k === "string" && KEY.test(k))];
    return ipvsCore.validate({ table, owned });
  },
  plan: (d, a) => ipvsCore.plan(d, a),
  verify: (d, a) => ipvsCore.verify(d, a),
  notes: (d, a) => ipvsCore.notes?.(d, a) ?? [],
};
