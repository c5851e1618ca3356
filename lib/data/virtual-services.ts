import type { Prisma, PrismaClient, RealServer } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { isUniqueViolation, StaleError, UserError } from "@/lib/errors";
import { hostPort } from "@/lib/ipvs/address";
import { canonicalFlags, flagsFromBits } from "@/lib/ipvs/model";
import { lockCluster, recordVersion, type Writer } from "@/lib/data/cluster-versions";
import { checkRealServerInService, portLock, type RealServerInput, type VirtualServiceInput, type VirtualServiceUpdate } from "@/lib/validation/virtual-service";

// Desired state only: these write the database (with an audit event in the same transaction) and
// never touch a machine. Apply is what pushes them.

type VsRow = { protocol: string; address: string | null; port: number | null; fwmark: number | null; family: string };

/** "TCP 10.0.0.100:80" / "FWM 3": how operators (and ipvsadm -Ln) name a virtual service. */
export function serviceLabel(s: VsRow): string {
  if (s.protocol === "fwmark") return `FWM ${s.fwmark}${s.family === "inet6" ? " IPv6" : ""}`;
  return `${s.protocol.toUpperCase()} ${hostPort(s.address ?? "", s.port ?? 0)}`;
}

function vsData(input: VirtualServiceInput) {
  const fw = input.protocol === "fwmark";
  const bits = (input.flag1 ? 1 : 0) | (input.flag2 ? 2 : 0) | (input.flag3 ? 4 : 0);
  const flags = flagsFromBits(input.scheduler, bits);
  const check = canonicalFlags(input.scheduler, flags);
  if (typeof check === "string") throw new UserError("Scheduler flags do not fit the scheduler.", { flag1: [check] });
  return {
    protocol: input.protocol,
    address: fw ? null : input.address,
    port: fw ? null : input.port,
    fwmark: fw ? input.fwmark : null,
    family: fw ? input.family : input.address?.includes(":") ? "inet6" : "inet",
    scheduler: input.scheduler,
    schedulerFlags: flags as string[],
    persistenceTimeout: input.persistenceTimeout,
    persistenceNetmask: input.persistenceTimeout === null ? null : input.persistenceNetmask,
    onePacket: input.onePacket,
    sorryAddress: input.sorryAddress,
    sorryPort: input.sorryPort,
    description: input.description,
    ...(input.forwardingMethod ? { forwardingMethod: input.forwardingMethod } : {}),
  };
}

const vsPublic = (s: ReturnType<typeof vsData> | (VsRow & Record<string, unknown>)) => ({
  service: serviceLabel(s as VsRow), scheduler: (s as { scheduler: string }).scheduler, schedulerFlags: (s as { schedulerFlags: string[] }).schedulerFlags,
  persistenceTimeout: (s as { persistenceTimeout: number | null }).persistenceTimeout, persistenceNetmask: (s as { persistenceNetmask: string | null }).persistenceNetmask,
  onePacket: (s as { onePacket: boolean }).onePacket, sorryAddress: (s as { sorryAddress: string | null }).sorryAddress, sorryPort: (s as { sorryPort: number | null }).sorryPort,
  forwardingMethod: (s as { forwardingMethod?: string }).forwardingMethod,
});

function duplicate(label: string, fw: boolean): UserError {
  const field = fw ? "fwmark" : "port";
  return new UserError(`${label} already exists in this cluster.`, { [field]: [`${label} already exists in this cluster`] });
}

export async function createVirtualService(prisma: PrismaClient, { actor, source }: Writer, input: VirtualServiceInput) {
  const cluster = await prisma.cluster.findUnique({ where: { id: input.clusterId } });
  if (!cluster) throw new UserError("This cluster no longer exists.");
  const data = vsData(input);
  try {
    return await prisma.$transaction(async (tx) => {
      await lockCluster(tx, cluster.id);
      const s = await tx.virtualService.create({ data: { forwardingMethod: cluster.defaultForwardingMethod, ...data, clusterId: cluster.id } });
      await audit(tx, { actor, action: "virtual-service.create", target: `service:${cluster.name}/${serviceLabel(s)}`, after: vsPublic(s) });
      await recordVersion(tx, cluster.id, actor, source);
      return s;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate(serviceLabel(data), data.protocol === "fwmark");
    throw e;
  }
}

/** Saves only if nobody saved the service since `version` was read; bumps the version. */
export async function updateVirtualService(prisma: PrismaClient, { actor, source }: Writer, input: VirtualServiceUpdate) {
  const data = vsData(input);
  try {
    return await prisma.$transaction(async (tx) => {
      await lockCluster(tx, input.clusterId);
      const before = await tx.virtualService.findUnique({ where: { id: input.id }, include: { cluster: true } });
      if (!before || before.clusterId !== input.clusterId) throw new UserError("This virtual service no longer exists.");
      const res = await tx.virtualService.updateMany({ where: { id: input.id, version: input.version }, data: { ...data, version: { increment: 1 } } });
      if (res.count !== 1) throw new StaleError(`Virtual service ${serviceLabel(before)}`);
      const after = await tx.virtualService.findUniqueOrThrow({ where: { id: input.id } });
      // DR/TUN real servers follow the service port (ipvsadm rewrites it anyway).
      if (after.port !== null && after.port !== before.port)
        await tx.realServer.updateMany({ where: { virtualServiceId: after.id, forwardingMethod: { in: ["route", "tunnel"] } }, data: { port: after.port } });
      await audit(tx, { actor, action: "virtual-service.update", target: `service:${before.cluster.name}/${serviceLabel(after)}`, before: vsPublic(before), after: vsPublic(after) });
      await recordVersion(tx, before.clusterId, actor, source);
      return after;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate(serviceLabel(data), data.protocol === "fwmark");
    throw e;
  }
}

export async function deleteVirtualService(prisma: PrismaClient, { actor, source }: Writer, id: string, version: number) {
  const clusterId = (await prisma.virtualService.findUnique({ where: { id }, select: { clusterId: true } }))?.clusterId;
  if (!clusterId) throw new UserError("This virtual service no longer exists.");
  return prisma.$transaction(async (tx) => {
    await lockCluster(tx, clusterId);
    const before = await tx.virtualService.findUnique({ where: { id }, include: { cluster: true, _count: { select: { realServers: true } } } });
    if (!before) throw new UserError("This virtual service no longer exists.");
    const res = await tx.virtualService.deleteMany({ where: { id, version } });
    if (res.count !== 1) throw new StaleError(`Virtual service ${serviceLabel(before)}`);
    await audit(tx, { actor, action: "virtual-service.delete", target: `service:${before.cluster.name}/${serviceLabel(before)}`, before: { ...vsPublic(before), realServers: before._count.realServers } });
    await recordVersion(tx, clusterId, actor, source);
    return before;
  });
}

const rsPublic = (r: { address: string; port: number; weight: number; forwardingMethod: string; upperThreshold: number; lowerThreshold: number; state: string }) =>
  ({ realServer: hostPort(r.address, r.port), weight: r.weight, forwardingMethod: r.forwardingMethod, upperThreshold: r.upperThreshold, lowerThreshold: r.lowerThreshold, state: r.state });

async function resolveRs(prisma: PrismaClient, input: RealServerInput) {
  const vs = await prisma.virtualService.findUnique({ where: { id: input.virtualServiceId }, include: { cluster: true } });
  if (!vs) throw new UserError("This virtual service no longer exists.");
  let address = input.address;
  if (input.hostId) {
    const h = await prisma.host.findUnique({ where: { id: input.hostId } });
    if (!h || h.clusterId !== vs.clusterId) throw new UserError("Pick a host of this cluster.", { hostId: ["is not a host of this cluster"] });
    address ??= h.address;
  }
  if (!address) throw new UserError("Give the real server's address.", { address: ["is required (or pick a known host)"] });
  // a typed RIP that is a real-server host of the cluster is that host (prepare/undo and probes need the link)
  let hostId = input.hostId;
  if (!hostId) hostId = (await prisma.host.findFirst({ where: { clusterId: vs.clusterId, address, role: "real_server" }, select: { id: true } }))?.id ?? null;
  const lock = portLock(vs, input.forwardingMethod);
  let notice: string | null = null;
  let port: number;
  if (lock.locked) {
    port = vs.port ?? 0;
    if (input.port !== null && input.port !== port) notice = `Port ${input.port} became ${port}: ${lock.reason}`;
  } else {
    if (input.port === null && vs.protocol === "fwmark") throw new UserError("Give the port.", { port: ["is required for a firewall-mark service in NAT"] });
    port = input.port ?? vs.port ?? 0;
  }
  // the same judgement the director core makes of the rendered table (lib/ipvs validateService)
  const errors = checkRealServerInService(vs, { address, port, weight: input.weight, forwardingMethod: input.forwardingMethod, upperThreshold: input.upperThreshold ?? 0, lowerThreshold: input.lowerThreshold ?? 0 });
  if (Object.keys(errors).length) throw new UserError("Please correct the real server.", errors);
  return { vs, address, port, notice, hostId };
}

/**
 * Every change of a real server names the version it was read at (the form's hidden field, the API's
 * If-Match "vN"). The row is locked first (SELECT ... FOR UPDATE), so two writes with one version
 * cannot both pass: the second sees the first's bump and is refused, changing nothing.
 */
async function lockRealServer(tx: Prisma.TransactionClient, id: string) {
  await tx.$queryRaw`SELECT id FROM "RealServer" WHERE id = ${id} FOR UPDATE`;
}

/** The cluster a real server belongs to (it never moves), read before its transaction locks the cluster. */
async function clusterOfRealServer(prisma: PrismaClient, id: string): Promise<string> {
  const r = await prisma.realServer.findUnique({ where: { id }, select: { virtualService: { select: { clusterId: true } } } });
  if (!r) throw new UserError("This real server no longer exists.");
  return r.virtualService.clusterId;
}

function checkVersion(before: RealServer, version: number) {
  if (before.version !== version) throw new StaleError(`Real server ${hostPort(before.address, before.port)}`);
}

export async function createRealServer(prisma: PrismaClient, { actor, source }: Writer, input: RealServerInput) {
  const { vs, address, port, notice, hostId } = await resolveRs(prisma, input);
  try {
    const r = await prisma.$transaction(async (tx) => {
      await lockCluster(tx, vs.clusterId);
      const r = await tx.realServer.create({
        data: { virtualServiceId: vs.id, hostId, address, port, weight: input.weight, forwardingMethod: input.forwardingMethod,
          upperThreshold: input.upperThreshold ?? 0, lowerThreshold: input.lowerThreshold ?? 0 },
      });
      await tx.virtualService.update({ where: { id: vs.id }, data: { version: { increment: 1 } } });
      await audit(tx, { actor, action: "real-server.create", target: `real-server:${vs.cluster.name}/${serviceLabel(vs)}/${hostPort(address, port)}`, after: rsPublic(r) });
      await recordVersion(tx, vs.clusterId, actor, source);
      return r;
    });
    return { realServer: r, notice };
  } catch (e) {
    if (isUniqueViolation(e)) throw new UserError(`${hostPort(address, port)} is already a real server of ${serviceLabel(vs)}.`, { address: [`${hostPort(address, port)} is already a real server of this service`] });
    throw e;
  }
}

export async function updateRealServer(prisma: PrismaClient, { actor, source }: Writer, input: RealServerInput & { id: string; version: number }) {
  const { vs, address, port, notice, hostId } = await resolveRs(prisma, input);
  try {
    const r = await prisma.$transaction(async (tx) => {
      await lockCluster(tx, vs.clusterId);
      await lockRealServer(tx, input.id);
      const before = await tx.realServer.findUnique({ where: { id: input.id } });
      if (!before || before.virtualServiceId !== vs.id) throw new UserError("This real server no longer exists.");
      checkVersion(before, input.version);
      const r = await tx.realServer.update({ where: { id: input.id }, data: { hostId, address, port, weight: input.weight, forwardingMethod: input.forwardingMethod,
        upperThreshold: input.upperThreshold ?? 0, lowerThreshold: input.lowerThreshold ?? 0, version: { increment: 1 } } });
      await tx.virtualService.update({ where: { id: vs.id }, data: { version: { increment: 1 } } });
      await audit(tx, { actor, action: "real-server.update", target: `real-server:${vs.cluster.name}/${serviceLabel(vs)}/${hostPort(address, port)}`, before: rsPublic(before), after: rsPublic(r) });
      await recordVersion(tx, vs.clusterId, actor, source);
      return r;
    });
    return { realServer: r, notice };
  } catch (e) {
    if (isUniqueViolation(e)) throw new UserError(`${hostPort(address, port)} is already a real server of ${serviceLabel(vs)}.`, { address: [`${hostPort(address, port)} is already a real server of this service`] });
    throw e;
  }
}

/** active: in the table with its weight; draining: weight 0 (no new connections); disabled: out of the table. */
export async function setRealServerState(prisma: PrismaClient, { actor, source }: Writer, id: string, state: "active" | "draining" | "disabled", version: number) {
  const clusterId = await clusterOfRealServer(prisma, id);
  return prisma.$transaction(async (tx) => {
    await lockCluster(tx, clusterId);
    await lockRealServer(tx, id);
    const before = await tx.realServer.findUnique({ where: { id }, include: { virtualService: { include: { cluster: true } } } });
    if (!before) throw new UserError("This real server no longer exists.");
    checkVersion(before, version);
    const r = await tx.realServer.update({ where: { id }, data: { state, version: { increment: 1 } } });
    await tx.virtualService.update({ where: { id: before.virtualServiceId }, data: { version: { increment: 1 } } });
    await audit(tx, { actor, action: `real-server.${state === "active" ? "enable" : state === "draining" ? "drain" : "disable"}`,
      target: `real-server:${before.virtualService.cluster.name}/${serviceLabel(before.virtualService)}/${hostPort(before.address, before.port)}`, before: rsPublic(before), after: rsPublic(r) });
    await recordVersion(tx, clusterId, actor, source);
    return { ...r, virtualService: before.virtualService };
  });
}

export async function deleteRealServer(prisma: PrismaClient, { actor, source }: Writer, id: string, version: number) {
  const clusterId = await clusterOfRealServer(prisma, id);
  return prisma.$transaction(async (tx) => {
    await lockCluster(tx, clusterId);
    await lockRealServer(tx, id);
    const before = await tx.realServer.findUnique({ where: { id }, include: { virtualService: { include: { cluster: true } } } });
    if (!before) throw new UserError("This real server no longer exists.");
    checkVersion(before, version);
    await tx.realServer.delete({ where: { id } });
    await tx.virtualService.update({ where: { id: before.virtualServiceId }, data: { version: { increment: 1 } } });
    await audit(tx, { actor, action: "real-server.delete", target: `real-server:${before.virtualService.cluster.name}/${serviceLabel(before.virtualService)}/${hostPort(before.address, before.port)}`, before: rsPublic(before) });
    await recordVersion(tx, clusterId, actor, source);
    return before;
  });
}
