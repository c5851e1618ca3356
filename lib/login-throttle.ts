import type { PrismaClient } from "@/generated/prisma/client";

// Failed logins are throttled per account and per client address, in the database so every panel
// instance sees the same counts. After too many failures inside WINDOW_MS the key is locked for
// LOCK_MS. An address gets more room than an account: several operators may share one NAT address.
export const MAX_ACCOUNT_FAILURES = 5;
export const MAX_ADDRESS_FAILURES = 20;
const maxFailures = (key: string) => (key.startsWith("address:") ? MAX_ADDRESS_FAILURES : MAX_ACCOUNT_FAILURES);
const WINDOW_MS = 15 * 60_000;
const LOCK_MS = 60_000;

/** Milliseconds until a login may be tried again for these keys (0 = allowed now). */
export async function checkLoginAllowed(prisma: PrismaClient, keys: string[], now = new Date()): Promise<number> {
  const rows = await prisma.loginAttempt.findMany({ where: { key: { in: keys } } });
  let wait = 0;
  for (const r of rows) if (r.lockedUntil && r.lockedUntil > now) wait = Math.max(wait, r.lockedUntil.getTime() - now.getTime());
  return wait;
}

export async function recordLoginFailure(prisma: PrismaClient, keys: string[], now = new Date()): Promise<void> {
  for (const key of keys) {
    const row = await prisma.loginAttempt.findUnique({ where: { key } });
    const fresh = !row || now.getTime() - row.windowStart.getTime() > WINDOW_MS;
    const failures = fresh ? 1 : row.failures + 1;
    const lockedUntil = failures >= maxFailures(key) ? new Date(now.getTime() + LOCK_MS) : null;
    await prisma.loginAttempt.upsert({
      where: { key },
      create: { key, failures, windowStart: now, lockedUntil },
      update: { failures, windowStart: fresh ? now : row.windowStart, lockedUntil },
    });
  }
}

export async function recordLoginSuccess(prisma: PrismaClient, accountKey: string): Promise<void> {
  await prisma.loginAttempt.deleteMany({ where: { key: accountKey } });
}
