import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { UserError } from "@/lib/errors";
import { targetFromHost } from "@/lib/host-target";
import { sshPool, type SshTarget } from "@/lib/ssh";

// Adapter for hosts loaded without their key: fetches the (encrypted) key and hands over to
// lib/host-target, the one place a key is decrypted into a PrivateKey.

export type HostForTarget = { name: string; address: string; sshPort: number; sshUser: string; hostKeyFingerprint: string | null; hostKeyAlgorithm: string | null; sshKeyId: string | null };

export async function targetFor(prisma: PrismaClient, host: HostForTarget): Promise<SshTarget> {
  if (!host.sshKeyId) throw new UserError(`Host ${host.name} has no SSH key: give it one on the Hosts page.`);
  const key = await prisma.sshKey.findUnique({ where: { id: host.sshKeyId }, select: { privateKey: true } });
  if (!key) throw new UserError(`Host ${host.name}'s SSH key no longer exists.`);
  return targetFromHost({ ...host, sshKey: key });
}

/** The process-wide SSH pool (one connection per host, reused by the live stream and the actions). */
export function pool() {
  return sshPool();
}
