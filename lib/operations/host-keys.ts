import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { UserError } from "@/lib/errors";
import { canonicalAddress } from "@/lib/ipvs/address";
import { can, type Role } from "@/lib/roles";
import { fetchHostKey, isFingerprint, isSshError } from "@/lib/ssh";
import { pool, targetFor } from "@/lib/operations/targets";

export type KeyStatus = "new" | "same" | "changed";

/** How KnownHostKey names an address: one spelling per IP (fd78:0::1 = fd78::1), host names in lower case. */
export function pinAddress(address: string): string {
  return canonicalAddress(address)?.address ?? address.toLowerCase().replace(/\.$/, "");
}

/**
 * Connects (without authenticating), reads the key the host presents, compares it with the pin: the
 * host's own, else the key last trusted for this address:port (KnownHostKey, which outlives the host).
 */
export async function presentedKey(prisma: PrismaClient, hostId: string) {
  const h = await prisma.host.findUnique({ where: { id: hostId } });
  if (!h) throw new UserError("This host no longer exists.");
  let k;
  try {
    k = await fetchHostKey(h.address, h.sshPort);
  } catch (e) {
    throw new UserError(isSshError(e) ? `${h.name}: ${e.message}. ${e.hint}` : `${h.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const known = await prisma.knownHostKey.findUnique({ where: { address_port: { address: pinAddress(h.address), port: h.sshPort } } });
  const pinned = h.hostKeyFingerprint ?? known?.fingerprint ?? null;
  const status: KeyStatus = !pinned ? "new" : pinned === k.fingerprint ? (h.hostKeyFingerprint ? "same" : "new") : "changed";
  return { host: h, fingerprint: k.fingerprint, algorithm: k.algorithm, status, pinned, knownSince: known && !h.hostKeyFingerprint ? known.trustedAt : null };
}

/**
 * Pins the key the operator saw. The host is asked again: the key it presents now must be the one
 * on screen. A different key than the pinned one (the host's, or the one known for its address)
 * needs the retrust permission (admins).
 */
export async function trustHostKey(prisma: PrismaClient, user: { email: string; role: Role }, hostId: string, fingerprint: string) {
  if (!isFingerprint(fingerprint)) throw new UserError("That is not a SHA256 fingerprint.", { fingerprint: ["must look like SHA256:… (43 base64 characters)"] });
  const now = await presentedKey(prisma, hostId);
  if (now.fingerprint !== fingerprint)
    throw new UserError(`${now.host.name} now presents ${now.fingerprint}, not the ${fingerprint} you were shown. Nothing was trusted: fetch the key again and compare.`);
  if (now.status === "same") return { host: now.host, changed: false };
  if (now.status === "changed" && !can(user.role, "retrust-host-key")) {
    const whose = now.host.hostKeyFingerprint ? "it was" : `${now.host.address}:${now.host.sshPort} was trusted with`;
    throw new UserError(`HOST KEY CHANGED on ${now.host.name}: ${whose} ${now.pinned}, it is now ${now.fingerprint}. Only an admin can accept a changed key.`);
  }
  const address = pinAddress(now.host.address);
  const h = await prisma.$transaction(async (tx) => {
    const h = await tx.host.update({ where: { id: hostId }, data: { hostKeyFingerprint: now.fingerprint, hostKeyAlgorithm: now.algorithm }, include: { cluster: true } });
    const pin = { fingerprint: now.fingerprint, algorithm: now.algorithm, trustedBy: user.email, trustedAt: new Date() };
    await tx.knownHostKey.upsert({ where: { address_port: { address, port: h.sshPort } }, create: { address, port: h.sshPort, ...pin }, update: pin });
    await audit(tx, { actor: user.email, action: now.status === "changed" ? "host-key.retrust" : "host-key.trust", target: `host:${h.cluster.name}/${h.name}`,
      before: { fingerprint: now.pinned, algorithm: now.host.hostKeyAlgorithm }, after: { fingerprint: now.fingerprint, algorithm: now.algorithm, address: `${address}:${h.sshPort}` } });
    return h;
  });
  // Sessions made under the old pin (this host's or another cluster's host at the same address) end now.
  pool().disconnectHost(h.address, h.sshPort, now.fingerprint);
  return { host: h, changed: true };
}

/**
 * "Test connection" on the Hosts page, in words: is the SSH port reachable, is the key it presents the
 * pinned one, and (only then) can the panel log in with the host's key. Changes nothing.
 */
export async function testConnection(prisma: PrismaClient, hostId: string): Promise<{ ok: boolean; message: string }> {
  const t0 = performance.now();
  let k;
  try {
    k = await presentedKey(prisma, hostId);
  } catch (e) {
    if (e instanceof UserError) return { ok: false, message: `Not reachable: ${e.message}` };
    throw e;
  }
  const h = k.host;
  const where = `${h.address}:${h.sshPort}`;
  const ms = () => `${Math.round(performance.now() - t0)} ms`;
  if (k.status === "new") return { ok: false, message: `${h.name} answers on ${where} (${ms()}), presenting ${k.algorithm} key ${k.fingerprint}, which is not trusted yet: compare it and trust it on the cluster page. The panel does not log in before that.` };
  if (k.status === "changed") return { ok: false, message: `HOST KEY CHANGED on ${h.name} (${where}): pinned ${h.hostKeyFingerprint}, presented ${k.fingerprint}. The panel will not log in until an admin checks and accepts the new key.` };
  try {
    const r = await pool().script(await targetFor(prisma, h), "id -un", [], { okExitCodes: "any", timeoutMs: 10_000 });
    return { ok: r.exitCode === 0, message: `${h.name} answers on ${where}, its host key matches the pinned ${k.fingerprint}, and the panel logged in as ${r.stdout.trim() || h.sshUser} (${ms()}).` };
  } catch (e) {
    const why = isSshError(e) ? `${e.message}. ${e.hint}` : e instanceof Error ? e.message : String(e);
    return { ok: false, message: `${h.name} answers on ${where} and its host key matches the pinned ${k.fingerprint}, but logging in failed: ${why}` };
  }
}

