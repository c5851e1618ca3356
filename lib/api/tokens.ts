// API tokens: created per user in the UI, shown once, stored as sha256, expiring, revocable, and
// never stronger than their user (the effective role is the lower of the token's and the user's NOW).
import crypto from "node:crypto";
import { z } from "zod";
import type { PrismaClient } from "@/generated/prisma/client";
import { audit, tokenActor } from "@/lib/audit";
import { UserError } from "@/lib/errors";
import { ROLES, type Role } from "@/lib/roles";
import { nameSchema } from "@/lib/validation/common";

export const TOKEN_PREFIX = "lvsp_";
/** lvsp_ + 43 base64url characters (32 random bytes). */
const TOKEN_RE = /^lvsp_[A-Za-z0-9_-]{43}$/;
export const MAX_TOKEN_DAYS = 366;

export const tokenCreateSchema = z.object({
  name: nameSchema,
  role: z.enum(ROLES, { error: "must be admin, operator or viewer" }),
  expiresInDays: z.coerce.number({ error: "must be a number of days" }).int("must be a whole number of days")
    .min(1, `must be 1..${MAX_TOKEN_DAYS} days`).max(MAX_TOKEN_DAYS, `must be 1..${MAX_TOKEN_DAYS} days`).default(90),
});
export type TokenCreate = z.infer<typeof tokenCreateSchema>;

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
/** The lower of two roles. */
export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token, "utf8").digest("hex");
}

export function generateToken(): string {
  return TOKEN_PREFIX + crypto.randomBytes(32).toString("base64url");
}

type Creator = { id: string; email: string; role: Role };

/** Creates a token; the only time the secret exists outside the caller's clipboard is this return value. */
export async function createApiToken(prisma: PrismaClient, user: Creator, input: TokenCreate, now = new Date()) {
  if (RANK[input.role] > RANK[user.role])
    throw new UserError(`A token cannot have more rights than you: your role is ${user.role}.`, { role: [`may be at most ${user.role} (your role)`] });
  const token = generateToken();
  const expiresAt = new Date(now.getTime() + input.expiresInDays * 86_400_000);
  const row = await prisma.$transaction(async (tx) => {
    const t = await tx.apiToken.create({ data: { userId: user.id, name: input.name, prefix: token.slice(0, 12), tokenHash: hashToken(token), role: input.role, expiresAt } });
    await audit(tx, { actor: user.email, action: "api-token.create", target: `api-token:${user.email}/${t.name}`, after: { name: t.name, prefix: t.prefix, role: t.role, expiresAt: t.expiresAt } });
    return t;
  });
  return { token, id: row.id, name: row.name, prefix: row.prefix, role: row.role, expiresAt: row.expiresAt };
}

/** Revokes one of the user's tokens (admins may revoke anyone's). Revoking twice is harmless. */
export async function revokeApiToken(prisma: PrismaClient, user: Creator, id: string, now = new Date()) {
  return prisma.$transaction(async (tx) => {
    const t = await tx.apiToken.findUnique({ where: { id }, include: { user: { select: { email: true } } } });
    if (!t || (t.userId !== user.id && user.role !== "admin")) throw new UserError("This token no longer exists.");
    if (t.revokedAt) return t;
    const r = await tx.apiToken.update({ where: { id }, data: { revokedAt: now } });
    await audit(tx, { actor: user.email, action: "api-token.revoke", target: `api-token:${t.user.email}/${t.name}`, before: { prefix: t.prefix, role: t.role } });
    return r;
  });
}

export async function listApiTokens(prisma: PrismaClient, userId: string) {
  return prisma.apiToken.findMany({
    where: { userId }, orderBy: { createdAt: "desc" },
    select: { id: true, name: true, prefix: true, role: true, expiresAt: true, revokedAt: true, lastUsedAt: true, createdAt: true },
  });
}

export type ApiCaller = {
  user: { id: string; email: string; name: string; role: Role };
  token: { id: string; name: string; prefix: string };
  /** min(token role, user's role now) */
  role: Role;
  /** who the audit log names: "ada@example.test (API token deploy)" */
  actor: string;
};

export type TokenRefusal = "missing" | "malformed" | "unknown" | "revoked" | "expired" | "user-disabled";

const lastUsedWrites = new Map<string, number>();

/** The caller behind `Authorization: Bearer <token>`, or why not. */
export async function authenticateToken(prisma: PrismaClient, authorization: string | null, now = new Date()): Promise<ApiCaller | TokenRefusal> {
  if (!authorization) return "missing";
  const m = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
  if (!m || !TOKEN_RE.test(m[1]!)) return "malformed";
  const t = await prisma.apiToken.findUnique({ where: { tokenHash: hashToken(m[1]!) }, include: { user: true } });
  if (!t) return "unknown";
  if (t.revokedAt) return "revoked";
  if (t.expiresAt && t.expiresAt.getTime() <= now.getTime()) return "expired";
  if (t.user.disabled) return "user-disabled";
  // lastUsedAt at most once a minute per token: a busy pipeline must not turn every read into a write
  const last = lastUsedWrites.get(t.id) ?? t.lastUsedAt?.getTime() ?? 0;
  if (now.getTime() - last > 60_000) {
    lastUsedWrites.set(t.id, now.getTime());
    await prisma.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: now } }).catch(() => {});
  }
  const user = { id: t.user.id, email: t.user.email, name: t.user.name, role: t.user.role };
  return { user, token: { id: t.id, name: t.name, prefix: t.prefix }, role: lowerRole(t.role, t.user.role), actor: tokenActor(user.email, t.name) };
}
