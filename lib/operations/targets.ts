import type { PrismaClient } from "@/generated/prisma/client";
import { UserError } from "@/lib/errors";
import { targetFromHost } from "@/lib/host-target";
import { sshPool, type SshTarget } from "@/lib/ssh";

// Adapter for hosts loaded without their key: fetches the (encrypted) key and hands over to
// lib/host-target, the one place a key is decrypted into a PrivateKey. (No "server-only" mark: the
// worker process, which is not Next, converges HA directors through it.)

export type HostForTarget = { name: string; address: string; sshPort: number; sshUser: string; hostKeyFingerprint: string | null; hostKeyAlgorithm: string | null; sshKeyId: string | null };

/** Still encrypted keys by key id, as keysFor fetches them. */
export type HostKeys = ReadonlyMap<string, { privateKey: string }>;

/** The (encrypted) keys of several hosts in ONE query (not one per host); nothing is decrypted here. */
export async function keysFor(prisma: Pick<PrismaClient, "sshKey">, hosts: Array<{ sshKeyId: string | null }>): Promise<HostKeys> {
  const ids = [...new Set(hosts.map((h) => h.sshKeyId).filter((id): id is string => id !== null))];
  if (!ids.length) return new Map();
  const rows = await prisma.sshKey.findMany({ where: { id: { in: ids } }, select: { id: true, privateKey: true } });
  return new Map(rows.map((k) => [k.id, { privateKey: k.privateKey }]));
}

/** The host's key among `keys`, or the refusal the operator sees when it has none. */
export function keyOf(host: Pick<HostForTarget, "name" | "sshKeyId">, keys: HostKeys): { privateKey: string } {
  if (!host.sshKeyId) throw new UserError(`Host ${host.name} has no SSH key: give it one on the Hosts page.`);
  const key = keys.get(host.sshKeyId);
  if (!key) throw new UserError(`Host ${host.name}'s SSH key no longer exists.`);
  return key;
}

/** The host's SshTarget from keys fetched beforehand (keysFor); lib/host-target decrypts. */
export function targetWithKeys(host: HostForTarget, keys: HostKeys): SshTarget {
  return targetFromHost({ ...host, sshKey: keyOf(host, keys) });
}

export async function targetFor(prisma: PrismaClient, host: HostForTarget): Promise<SshTarget> {
  return targetWithKeys(host, await keysFor(prisma, [host]));
}

/** The process-wide SSH pool (one connection per host, reused by the live stream and the actions). */
export function pool() {
  return sshPool();
}
