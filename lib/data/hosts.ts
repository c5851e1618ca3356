import type { Host, Prisma, PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { isUniqueViolation, UserError } from "@/lib/errors";
import type { HostCreate, HostUpdate } from "@/lib/validation/host";
import { lockCluster, recordVersion, type Writer } from "@/lib/data/cluster-versions";

const NOT_A_DIRECTOR = "only a director has one (real servers take no part in VRRP)";

export async function createHost(prisma: PrismaClient, actor: string, input: HostCreate) {
  const cluster = await prisma.cluster.findUnique({ where: { id: input.clusterId } });
  if (!cluster) throw new UserError("Choose a cluster.", { clusterId: ["is not a known cluster"] });
  if (input.sshKeyId && !(await prisma.sshKey.findUnique({ where: { id: input.sshKeyId } })))
    throw new UserError("Choose an SSH key.", { sshKeyId: ["is not a known SSH key"] });
  if (input.role !== "director" && input.vrrpPriority !== undefined) throw new UserError("Only a director has a VRRP priority.", { vrrpPriority: [NOT_A_DIRECTOR] });
  try {
    return await prisma.$transaction(async (tx) => {
      const { vrrpPriority, ...fields } = input;
      const h = await tx.host.create({ data: { ...fields, ...(vrrpPriority !== undefined ? { vrrpPriority } : {}) } });
      await audit(tx, { actor, action: "host.create", target: `host:${cluster.name}/${h.name}`,
        after: { name: h.name, address: h.address, sshPort: h.sshPort, sshUser: h.sshUser, role: h.role, ...(h.role === "director" ? { vrrpPriority: h.vrrpPriority } : {}) } });
      return h;
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      const sameName = await prisma.host.findFirst({ where: { clusterId: input.clusterId, name: input.name } });
      if (sameName) throw new UserError(`A host named ${input.name} already exists in ${cluster.name}.`, { name: [`a host named ${input.name} already exists in this cluster`] });
      throw new UserError(`${input.address}:${input.sshPort} is already a host of ${cluster.name}.`, { address: [`${input.address}:${input.sshPort} is already a host of this cluster`] });
    }
    throw e;
  }
}

/**
 * Saves a host's name, address, SSH port, user and key. A new address or port is another endpoint, maybe
 * another machine: its pinned host key is dropped, to be fetched and trusted again before any connection.
 */
/**
 * `expected` judges the host as it is inside the transaction, on the locked row (the API's If-Match).
 * A director's name and priority are in the cluster document (its `ha` section): a director's edit
 * records a version (after locking the cluster first, like every desired-state write).
 */
export async function updateHost(prisma: PrismaClient, { actor, source }: Writer, input: HostUpdate, expected?: (current: Host) => void) {
  if (input.sshKeyId && !(await prisma.sshKey.findUnique({ where: { id: input.sshKeyId } })))
    throw new UserError("Choose an SSH key.", { sshKeyId: ["is not a known SSH key"] });
  try {
    return await prisma.$transaction(async (tx) => {
      // a host never changes cluster or role: what this read says holds for the whole transaction
      const found = await tx.host.findUnique({ where: { id: input.id }, select: { clusterId: true, role: true } });
      if (found?.role === "director") await lockCluster(tx, found.clusterId);
      if (expected) await tx.$queryRaw`SELECT id FROM "Host" WHERE id = ${input.id} FOR UPDATE`;
      const before = await tx.host.findUnique({ where: { id: input.id }, include: { cluster: true } });
      if (!before) throw new UserError("This host no longer exists.");
      expected?.(before);
      if (before.role !== "director" && input.vrrpPriority !== undefined) throw new UserError("Only a director has a VRRP priority.", { vrrpPriority: [NOT_A_DIRECTOR] });
      const moved = before.address !== input.address || before.sshPort !== input.sshPort;
      const h = await tx.host.update({ where: { id: input.id }, data: { name: input.name, address: input.address, sshPort: input.sshPort, sshUser: input.sshUser, sshKeyId: input.sshKeyId,
        ...(input.vrrpPriority !== undefined ? { vrrpPriority: input.vrrpPriority } : {}), ...(moved ? { hostKeyFingerprint: null, hostKeyAlgorithm: null } : {}) } });
      const pub = (x: typeof h) => ({ name: x.name, address: x.address, sshPort: x.sshPort, sshUser: x.sshUser, sshKeyId: x.sshKeyId, hostKeyFingerprint: x.hostKeyFingerprint,
        ...(x.role === "director" ? { vrrpPriority: x.vrrpPriority } : {}) });
      await audit(tx, { actor, action: "host.update", target: `host:${before.cluster.name}/${before.name}`, before: pub(before), after: pub(h) });
      if (h.role === "director") await recordVersion(tx, h.clusterId, actor, source);
      return { host: h, clusterId: before.clusterId, keyDropped: moved && before.hostKeyFingerprint !== null };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new UserError(`Another host of this cluster already has that name, or ${input.address}:${input.sshPort}.`, { name: ["or the address:port is already used by another host of this cluster"] });
    throw e;
  }
}

/**
 * `expected` judges the host as it is inside the transaction, on the locked row (the API's If-Match):
 * it throws to refuse, so a host changed since it was read is not deleted.
 */
export async function deleteHost(prisma: PrismaClient, actor: string, id: string, expected?: (current: Host) => void) {
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Host" WHERE id = ${id} FOR UPDATE`;
    const h = await tx.host.findUnique({ where: { id }, include: { cluster: true } });
    if (!h) throw new UserError("This host no longer exists.");
    expected?.(h);
    await tx.host.delete({ where: { id } });
    await audit(tx, { actor, action: "host.delete", target: `host:${h.cluster.name}/${h.name}`, before: { name: h.name, address: h.address, role: h.role } });
  });
}

/** A cluster's director host (the first by name), or null. */
export async function directorOf(prisma: PrismaClient, clusterId: string) {
  return prisma.host.findFirst({ where: { clusterId, role: "director" }, orderBy: { name: "asc" } });
}

/** What putHost writes: the connection, the role and the pinned host key. */
export interface HostFields {
  address: string; sshPort: number; sshUser: string; sshKeyId: string; role: "director" | "real_server";
  hostKeyFingerprint: string; hostKeyAlgorithm: string;
}

/**
 * Creates or updates the cluster's host named `name`, and records its pin by address and SSH port
 * (KnownHostKey, as a trust in the panel does: lib/operations/host-keys.ts); no audit event (the caller records one).
 */
export async function putHost(tx: Prisma.TransactionClient, clusterId: string, name: string, data: HostFields, trustedBy: string) {
  const host = await tx.host.upsert({ where: { clusterId_name: { clusterId, name } }, create: { clusterId, name, ...data }, update: data });
  const known = { fingerprint: data.hostKeyFingerprint, algorithm: data.hostKeyAlgorithm, trustedBy, trustedAt: new Date() };
  await tx.knownHostKey.upsert({
    where: { address_port: { address: data.address, port: data.sshPort } },
    create: { address: data.address, port: data.sshPort, ...known }, update: known,
  });
  return host;
}
