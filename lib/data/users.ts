import type { PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { hashPassword } from "@/lib/passwords";
import { isUniqueViolation, StaleError, UserError } from "@/lib/errors";
import type { Role } from "@/lib/roles";

export async function createUser(prisma: PrismaClient, actor: string, input: { email: string; name: string; password: string; role: Role }) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await prisma.$transaction(async (tx) => {
      const u = await tx.user.create({ data: { email: input.email, name: input.name, role: input.role, passwordHash } });
      await audit(tx, { actor, action: "user.create", target: `user:${u.email}`, after: { email: u.email, name: u.name, role: u.role } });
      return u;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new UserError(`A user with email ${input.email} already exists.`, { email: [`a user with email ${input.email} already exists`] });
    throw e;
  }
}

/**
 * The first admin, only while no user exists. A transaction-scoped advisory lock makes two
 * simultaneous setup submissions produce one admin, not two.
 */
export async function createFirstAdmin(prisma: PrismaClient, input: { email: string; name: string; password: string }) {
  const passwordHash = await hashPassword(input.password);
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(7305001)");
    if ((await tx.user.count()) > 0) throw new UserError("The panel is already set up: sign in instead.");
    const u = await tx.user.create({ data: { email: input.email, name: input.name, role: "admin", passwordHash } });
    await audit(tx, { actor: u.email, action: "setup.first-admin", target: `user:${u.email}`, after: { email: u.email, role: "admin" } });
    return u;
  });
}

/** A user's version in forms: the row's updatedAt (every write moves it). */
export const userVersion = (u: { updatedAt: Date }) => u.updatedAt.toISOString();

/**
 * Saves only if nobody changed the user since `version` (userVersion) was read. The last-admin check
 * runs under the same advisory lock as the first-run setup, taken first: two admins demoting each
 * other at once are serialized, and the second sees the first's change and is refused.
 */
export async function setUserRoleAndState(prisma: PrismaClient, actor: { id: string; email: string }, id: string, change: { role: Role; disabled: boolean }, version: string) {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(7305001)");
    const before = await tx.user.findUnique({ where: { id } });
    if (!before) throw new UserError("This user no longer exists.");
    if (userVersion(before) !== version) throw new StaleError(`User ${before.email}`);
    if (before.id === actor.id && (change.role !== "admin" || change.disabled))
      throw new UserError("You cannot demote or disable yourself: ask another admin.");
    if (before.role === "admin" && (change.role !== "admin" || change.disabled)) {
      const admins = await tx.user.count({ where: { role: "admin", disabled: false } });
      if (admins <= 1) throw new UserError("This is the last active admin: make someone else admin first.");
    }
    const after = await tx.user.update({ where: { id }, data: change });
    await audit(tx, { actor: actor.email, action: "user.update", target: `user:${after.email}`,
      before: { role: before.role, disabled: before.disabled }, after: { role: after.role, disabled: after.disabled } });
    return after;
  });
}
