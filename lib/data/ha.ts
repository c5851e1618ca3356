import type { Cluster, PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { StaleError, UserError } from "@/lib/errors";
import { haRefusals, type DirectorHaReading, type DirectorHaRow, type HaDirector, type HaSettings } from "@/lib/ha/model";
import type { HaSettingsInput, VrrpPriorityInput } from "@/lib/validation/ha";
import { lockCluster, recordVersion, type Writer } from "@/lib/data/cluster-versions";

// Director HA rows: the cluster's VRRP settings, each director's priority, and each director's last
// reading (DirectorState). The settings and priorities are in the cluster document (its `ha`
// section, the password aside): a change of them records a cluster version like any desired-state write.

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

const FORM_FIELD = { enabled: "haEnabled", unicast: "vrrpUnicast" } as const;

export async function updateHaSettings(prisma: PrismaClient, { actor, source }: Writer, input: HaSettingsInput) {
  const { id, version, ...data } = input;
  return prisma.$transaction(async (tx) => {
    await lockCluster(tx, id);
    const before = await tx.cluster.findUnique({ where: { id } });
    if (!before) throw new UserError("This cluster no longer exists.");
    const directors = data.haEnabled ? await tx.host.findMany({ where: { clusterId: id, role: "director" } }) : [];
    const [no] = haRefusals({ enabled: data.haEnabled, unicast: data.vrrpUnicast }, before.name, directors);
    if (no) throw new UserError(no.summary, { [FORM_FIELD[no.field]]: [no.message] });
    const res = await tx.cluster.updateMany({ where: { id, version }, data: { ...data, version: { increment: 1 } } });
    if (res.count !== 1) throw new StaleError(`Cluster ${before.name}`);
    const after = await tx.cluster.findUniqueOrThrow({ where: { id } });
    await audit(tx, { actor, action: "cluster.ha", target: `cluster:${after.name}`, before: shown(haSettingsOf(before)), after: shown(haSettingsOf(after)) });
    await recordVersion(tx, id, actor, source);
    return after;
  });
}

export async function setVrrpPriority(prisma: PrismaClient, { actor, source }: Writer, input: VrrpPriorityInput) {
  return prisma.$transaction(async (tx) => {
    const found = await tx.host.findUnique({ where: { id: input.hostId }, select: { clusterId: true } });
    if (found) await lockCluster(tx, found.clusterId);
    const h = await tx.host.findUnique({ where: { id: input.hostId }, include: { cluster: true } });
    if (!h || h.role !== "director") throw new UserError("This host is not a director.");
    const after = await tx.host.update({ where: { id: h.id }, data: { vrrpPriority: input.vrrpPriority } });
    await audit(tx, { actor, action: "host.vrrp-priority", target: `host:${h.cluster.name}/${h.name}`, before: { vrrpPriority: h.vrrpPriority }, after: { vrrpPriority: after.vrrpPriority } });
    await recordVersion(tx, h.clusterId, actor, source);
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
