import type { PrismaClient } from "@/generated/prisma/client";
import { InvalidDesired, ipvsCore, type DirectorDesired, type IpvsCore } from "@/lib/director";
import { parseSave, serviceKey } from "@/lib/ipvs";
import { hostPort } from "@/lib/ipvs/address";

// Desired state (the database) rendered as `ipvsadm -S -n` lines, parsed by lib/ipvs and planned by
// lib/director's ipvsCore; plus the services the panel managed before and must now delete.
/** ApplyRun.actor of the health checker's runs (lib/health/runner HEALTH_ACTOR; not imported: runner imports this module). */
export const HEALTH_ACTOR = "health-checker";

// Thresholds (-x/-y) are rendered too: `-S` never prints them, but the core reads the kernel's with
// `-Ln --thresholds` and compares them.

const FLAG = { route: "-g", masq: "-m", tunnel: "-i" } as const;

type Vs = {
  protocol: string; address: string | null; port: number | null; fwmark: number | null; family: string; scheduler: string; schedulerFlags: string[];
  persistenceTimeout: number | null; persistenceNetmask: string | null; onePacket: boolean; persistenceEngine: string | null;
  sorryAddress: string | null; sorryPort: number | null;
  realServers: Array<{ address: string; port: number; weight: number; forwardingMethod: "route" | "masq" | "tunnel"; state: string; upperThreshold?: number; lowerThreshold?: number }>;
};

/** `-t 10.0.0.100:80`, `-f 3`: the service part of an ipvsadm command. */
export function serviceArg(s: Pick<Vs, "protocol" | "address" | "port" | "fwmark" | "family">): string[] {
  if (s.protocol === "fwmark") return s.family === "inet6" ? ["-f", String(s.fwmark), "-6"] : ["-f", String(s.fwmark)];
  const flag = s.protocol === "udp" ? "-u" : s.protocol === "sctp" ? "--sctp-service" : "-t";
  return [flag, hostPort(s.address ?? "", s.port ?? 0)];
}

function serviceLine(s: Vs): string[] {
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
}

/** The kernel lines for one service: disabled real servers are left out, draining ones get weight 0. */
export function renderService(s: Vs): string[] {
  const svc = serviceArg(s);
  const lines = [serviceLine(s).join(" ")];
  const active = s.realServers.filter((r) => r.state !== "disabled");
  for (const r of active) {
    const thresholds = [...(r.upperThreshold ? ["-x", String(r.upperThreshold)] : []), ...(r.lowerThreshold ? ["-y", String(r.lowerThreshold)] : [])];
    lines.push(["-a", ...svc, "-r", hostPort(r.address, r.port), FLAG[r.forwardingMethod], "-w", String(r.state === "draining" ? 0 : r.weight), ...thresholds].join(" "));
  }
  // Sorry server: only when no real server can take new connections.
  if (s.sorryAddress && s.sorryPort !== null && !active.some((r) => r.state === "active" && r.weight > 0)) {
    const dr = s.protocol !== "fwmark" && s.sorryPort === s.port;
    lines.push(["-a", ...svc, "-r", hostPort(s.sorryAddress, dr ? (s.port ?? 0) : s.sorryPort), dr ? "-g" : "-m", "-w", "1"].join(" "));
  }
  return lines;
}

export interface Desired {
  /** ipvsadm -S -n lines of every managed service */
  lines: string;
  /** service keys ("-t 10.0.0.100:80") the panel manages now */
  managed: string[];
  /** service keys the panel managed at its last apply and that are gone from the desired state */
  remove: string[];
  /** VIPs the director must hold */
  vips: string[];
}

export function keyOf(s: Pick<Vs, "protocol" | "address" | "port" | "fwmark" | "family">): string {
  return serviceArg(s).slice(0, 2).join(" ");
}

export async function loadDesired(prisma: PrismaClient, clusterId: string): Promise<Desired> {
  const services = await prisma.virtualService.findMany({ where: { clusterId }, include: { realServers: true } });
  const lines = services.flatMap((s) => renderService(s));
  const managed = services.map((s) => keyOf(s));
  // the operator's last apply: the health checker's runs are not the operator's record of what the panel manages
  const last = await prisma.applyRun.findFirst({ where: { clusterId, actor: { not: HEALTH_ACTOR }, outcome: { in: ["succeeded", "verify_failed", "failed"] } }, orderBy: { startedAt: "desc" }, select: { plan: true } });
  const before = ((last?.plan as { managed?: unknown } | null)?.managed ?? []) as unknown;
  const prev = Array.isArray(before) ? before.filter((k): k is string => typeof k === "string") : [];
  const remove = prev.filter((k) => !managed.includes(k));
  const vips = [...new Set(services.map((s) => s.address).filter((a): a is string => !!a))];
  return { lines: lines.join("\n") + (lines.length ? "\n" : ""), managed, remove, vips };
}

/** "-t 10.0.0.100:80" (the form kept in ApplyRun.plan) → lib/ipvs serviceKey "TCP 10.0.0.100:80"; null if unreadable. */
function ownedKey(k: string): string | null {
  if (!/^(-t|-u|--sctp-service|-f) [A-Za-z0-9.:[\]]{1,60}$/.test(k)) return null;
  try {
    const s = parseSave(`-A ${k} -s wlc\n`).services[0];
    return s ? serviceKey(s) : null;
  } catch {
    return null;
  }
}

/** lib/director's ipvsCore on the rendered lines; services the panel stopped managing stay owned, so they are deleted. */
export const consoleCore: IpvsCore<DirectorDesired> = {
  validate(input) {
    const i = input as { lines: string; remove?: string[] };
    if (typeof i?.lines !== "string") throw new InvalidDesired("desired state must be ipvsadm -S -n lines");
    let table;
    try {
      table = parseSave(i.lines);
    } catch (e) {
      throw new InvalidDesired(e instanceof Error ? e.message : String(e));
    }
    const owned = [...table.services.map((s) => serviceKey(s)), ...(i.remove ?? []).map(ownedKey).filter((k): k is string => k !== null)];
    return ipvsCore.validate({ table, owned });
  },
  plan: (d, a) => ipvsCore.plan(d, a),
  verify: (d, a) => ipvsCore.verify(d, a),
  notes: (d, a) => ipvsCore.notes?.(d, a) ?? [],
};
