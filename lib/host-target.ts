import type { PrismaClient } from "@/generated/prisma/client";
import { decryptSecret } from "./crypto";
import { UserError } from "./errors";
import { PrivateKey, type SshTarget } from "./ssh";

type HostWithKey = {
  name: string; address: string; sshPort: number; sshUser: string;
  hostKeyFingerprint: string | null; hostKeyAlgorithm: string | null;
  sshKey: { privateKey: string } | null;
};

/** A host row and its (still encrypted) key → what lib/ssh dials. The key is decrypted only here, in memory. */
export function targetFromHost(host: HostWithKey): SshTarget {
  if (!host.sshKey) throw new UserError(`Host ${host.name} has no SSH key: choose one on the Hosts page.`);
  return {
    host: host.address, port: host.sshPort, username: host.sshUser,
    key: new PrivateKey(decryptSecret(host.sshKey.privateKey)),
    hostKeyFingerprint: host.hostKeyFingerprint, hostKeyAlgorithm: host.hostKeyAlgorithm,
  };
}

export async function targetForHost(prisma: PrismaClient, hostId: string): Promise<SshTarget> {
  const host = await prisma.host.findUnique({ where: { id: hostId }, include: { sshKey: { select: { privateKey: true } } } });
  if (!host) throw new UserError("This host no longer exists.");
  return targetFromHost(host);
}
