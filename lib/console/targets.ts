import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { decryptSecret } from "@/lib/crypto";
import { UserError } from "@/lib/errors";
import { PrivateKey, sshPool, type SshTarget } from "@/lib/ssh";

// Adapter: a Host row (+ its encrypted SshKey) → the SshTarget lib/ssh dials. The key is decrypted
// here, wrapped in PrivateKey at once, and never returned to a page.

export type HostForTarget = { name: string; address: string; sshPort: number; sshUser: string; hostKeyFingerprint: string | null; hostKeyAlgorithm: string | null; sshKeyId: string | null };

export async function targetFor(prisma: PrismaClient, host: HostForTarget): Promise<SshTarget> {
  if (!host.sshKeyId) throw new UserError(`Host ${host.name} has no SSH key: give it one on the Hosts page.`);
  const key = await prisma.sshKey.findUnique({ where: { id: host.sshKeyId } });
  if (!key) throw new UserError(`Host ${host.name}'s SSH key no longer exists.`);
  return {
    host: host.address, port: host.sshPort, username: host.sshUser, key: new PrivateKey(decryptSecret(key.privateKey)),
    hostKeyFingerprint: host.hostKeyFingerprint, hostKeyAlgorithm: host.hostKeyAlgorithm,
  };
}

/** The process-wide SSH pool (one connection per host, reused by the live stream and the actions). */
export function pool() {
  return sshPool();
}
