import type { Cluster, PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { StaleError, UserError } from "@/lib/errors";
import type { DirectorHaReading, DirectorHaRow, HaDirector, HaSettings } from "@/lib/ha/model";
import type { HaSettingsInput, VrrpPriorityInput } from "@/lib/validation/ha";

// Director HA rows: the cluster's VRRP settings, each director's priority, and each director's last
// reading (DirectorState). Settings are configuration, not desired IPVS state: no cluster version.

type HaColumns = Pick<Cluster, "haEnabled" | "vrrpRouterId" | "vrrpInterface" | "vrrpAdvertInt" | "vrrpPreempt"
  | "vrrpPreemptDelay" | "vrrpUnicast" | "vrrpAuthPass" | "syncDaemon">;

export function haSettingsOf(c: HaColumns): HaSettings {
  return {
    enabled: c.haEnabled, routerId: c.vrrpRouterId, iface: c.vrrpInterface, advertInt: c.vrrpAdvertInt, preempt: c.vrrpPreempt,
    preemptDelay: c.vrrpPreemptDelay, unicast: c.vrrpUnicast, authPass: c.vrrpAuthPass, syncDaemon: c.syncDaemon,
  };
}

/** What the audit log shows of the settings (the password only as set / not set). */
const shown = (s: HaSettings) => ({ ...s, authPass: s.authPass ? "(set)" : null });

/** A cluster's directors, all of them, by name (an HA pair or more; the first is the one a single-director cluster uses). */
export async function directorsOf(prisma: PrismaClient, clusterId: string) {
  return prisma.host.findMany({ where: { clusterId, role: "director" }, orderBy: { name: "asc" } });
}

export function haDirector(h: { id: string; name: string; address: string; vrrpPriority: number }): HaDirector {
  return { id: h.id, name: h.name, address: h.address, priority: h.vrrpPriority };
}

export async function updateHaSettings(prisma: PrismaClient, actor: string, input: HaSettingsInput) {
  const { id, version, ...data } = input;
  return prisma.$transaction(async (tx) => {
    const before = await tx.cluster.findUnique({ where: { id } });
    if (!before) throw new UserError("This cluster no longer exists.");
    if (data.haEnabled) {
      const directors = await tx.host.findMany({ where: { clusterId: id, role: "director" } });
      if (directors.length < 2) {
        throw new UserError(`Director HA needs two directors; ${before.name} has ${directors.length}. Add the second director on the Hosts page first.`,
          { haEnabled: ["needs at least two directors"] });
      }
      if (data.vrrpUnicast && directors.some((d) => !/^\d+\.\d+\.\d+\.\d+$/.test(d.address))) {
        throw new UserError("Unicast VRRP needs each director's address as an IPv4 address (a name cannot be a unicast peer).",
          { vrrpUnicast: ["needs IPv4 director addresses"] });
      }
    }
    const res = await tx.cluster.updateMany({ where: { id, version }, data: { ...data, version: { increment: 1 } } });
    if (res.count !== 1) throw new StaleError(`Cluster ${before.name}`);
    const after = await tx.cluster.findUniqueOrThrow({ where: { id } });
    await audit(tx, { actor, action: "cluster.ha", target: `cluster:${after.name}`, before: shown(haSettingsOf(before)), after: shown(haSettingsOf(after)) });
    return after;
  });
}

export async function setVrrpPriority(prisma: PrismaClient, actor: string, input: VrrpPriorityInput) {
  return prisma.$transaction(async (tx) => {
    const h = await tx.host.findUnique({ where: { id: input.hostId }, include: { cluster: true } });
    if (!h || h.role !== "director") throw new UserError("This host is not a director.");
    const after = await tx.host.update({ where: { id: h.id }, data: { vrrpPriority: input.vrrpPriority } });
    await audit(tx, { actor, action: "host.vrrp-priority", target: `host:${h.cluster.name}/${h.name}`, before: { vrrpPriority: h.vrrpPriority }, after: { vrrpPriority: after.vrrpPriority } });
    return after;
  });
}

/** Stores a director's HA reading (or why it could not be read). */
export async function saveDirectorState(prisma: PrismaClient, hostId: string, r: DirectorHaReading | null, error: string | null) {
  const data = r
    ? { vrrpState: r.keepalived === "running" ? r.vrrpState : "STOPPED", vipsHeld: r.vipsHeld, syncDaemon: r.syncDaemon, syncedConns: r.syncedConns,
        behind: r.behind, error: null, readAt: new Date() }
    : { vrrpState: null, error, readAt: new Date() };
  // an unread director keeps what was known of it being behind (create: not known)
  await prisma.directorState.upsert({ where: { hostId }, create: { hostId, ...data }, update: data });
}

/** The directors' last readings, as lib/ha judges them. */
export async function directorStates(prisma: PrismaClient, clusterId: string): Promise<DirectorHaRow[]> {
  const hosts = await prisma.host.findMany({ where: { clusterId, role: "director" }, orderBy: { name: "asc" }, include: { directorState: true } });
  return hosts.map((h) => {
    const s = h.directorState;
    const reading: DirectorHaReading | null = s && !s.error
      ? { keepalived: s.vrrpState === "STOPPED" ? "stopped" : "running", vrrpState: (s.vrrpState ?? null) as DirectorHaReading["vrrpState"],
          vipsHeld: s.vipsHeld, syncDaemon: s.syncDaemon, syncedConns: s.syncedConns, behind: s.behind }
      : null;
    return { hostId: h.id, name: h.name, reading, error: s?.error ?? null, readAt: s?.readAt ?? null };
  });
}

/** An apply did not verify on these directors: behind until one does (the HA poll converges them). */
export async function markBehind(prisma: PrismaClient, hostIds: string[]) {
  await Promise.all(hostIds.map((hostId) => prisma.directorState.upsert({ where: { hostId }, create: { hostId, behind: true, readAt: new Date(0) }, update: { behind: true } })));
}
