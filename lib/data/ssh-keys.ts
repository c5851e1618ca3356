import crypto from "node:crypto";
import type { Prisma, PrismaClient } from "@/generated/prisma/client";
import ssh2 from "ssh2";
import { audit } from "@/lib/audit";
import { encryptSecret } from "@/lib/crypto";
import { isUniqueViolation, UserError } from "@/lib/errors";

/** Public key line (`ssh-ed25519 AAAA... comment`) from an OpenSSH/PEM private key; errors name the problem. */
export function publicKeyFromPrivate(privateKey: string, comment: string): string {
  const parsed = ssh2.utils.parseKey(privateKey.trim() + "\n");
  if (parsed instanceof Error) {
    const encrypted = /encrypt|passphrase/i.test(parsed.message);
    throw new UserError("The private key cannot be used.", {
      privateKey: [encrypted ? "is protected by a passphrase: remove it (ssh-keygen -p) before importing" : "is not an OpenSSH or PEM private key"],
    });
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) throw new UserError("The private key cannot be used.", { privateKey: ["is a public key, not a private key"] });
  return `${key.type} ${key.getPublicSSH().toString("base64")} ${comment}`;
}

/** `SHA256:…` of a public key line, exactly as `ssh-keygen -lf` prints it (null for a line that is not one). */
export function publicKeyFingerprint(line: string): string | null {
  const [type, blob] = line.trim().split(/\s+/);
  if (!type || !/^(ssh|ecdsa|sk)-/.test(type) || !blob || !/^[A-Za-z0-9+/]{16,}=*$/.test(blob)) return null;
  return "SHA256:" + crypto.createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64").replace(/=+$/, "");
}

export function generateKeyPair(comment: string): { privateKey: string; publicKey: string } {
  const pair = ssh2.utils.generateKeyPairSync("ed25519", { comment });
  return { privateKey: pair.private, publicKey: pair.public.trim() };
}

/** Stores a key (generated here, or imported) with the private half encrypted; returns only public data. */
export async function createSshKey(prisma: PrismaClient, actor: string, input: { name: string; mode: "generate" | "import"; privateKey: string }) {
  const comment = `lvs-panel:${input.name}`;
  const pair = input.mode === "generate" ? generateKeyPair(comment)
    : { privateKey: input.privateKey.trim() + "\n", publicKey: publicKeyFromPrivate(input.privateKey, comment) };
  try {
    return await prisma.$transaction(async (tx) => {
      const k = await tx.sshKey.create({ data: { name: input.name, publicKey: pair.publicKey, privateKey: encryptSecret(pair.privateKey) }, select: { id: true, name: true, publicKey: true } });
      await audit(tx, { actor, action: `ssh-key.${input.mode}`, target: `ssh-key:${k.name}`, after: { name: k.name, publicKey: k.publicKey } });
      return k;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new UserError(`An SSH key named ${input.name} already exists.`, { name: [`an SSH key named ${input.name} already exists`] });
    throw e;
  }
}

export async function deleteSshKey(prisma: PrismaClient, actor: string, id: string) {
  return prisma.$transaction(async (tx) => {
    const k = await tx.sshKey.findUnique({ where: { id }, include: { hosts: { select: { name: true } } } });
    if (!k) throw new UserError("This SSH key no longer exists.");
    if (k.hosts.length) throw new UserError(`SSH key ${k.name} is used by ${k.hosts.map((h) => h.name).join(", ")}: give those hosts another key first.`);
    await tx.sshKey.delete({ where: { id } });
    await audit(tx, { actor, action: "ssh-key.delete", target: `ssh-key:${k.name}`, before: { name: k.name, publicKey: k.publicKey } });
  });
}

/** Creates or replaces the key named `name` (the private key encrypted like any other); no audit event (the caller records one). */
export async function putSshKey(tx: Prisma.TransactionClient, name: string, privateKey: string, publicKey: string) {
  const data = { publicKey, privateKey: encryptSecret(privateKey) };
  return tx.sshKey.upsert({ where: { name }, create: { name, ...data }, update: data });
}
