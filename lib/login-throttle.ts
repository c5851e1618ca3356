import type { PrismaClient } from "@/generated/prisma/client";

// Failed logins are throttled by client address (lib/client-address: IPv6 by /64), in the database
// so every panel instance sees the same counts. There is no account lock that anyone could trigger
// to keep the admin out: an account is throttled only together with the address guessing at it.
//   address+account: FREE_PER_ACCOUNT attempts per window, then back-off (1 s, 2 s, 4 s …)
//   address alone:   FREE_PER_ADDRESS attempts per window over all accounts (password spraying), then back-off
// Each attempt RESERVES its slot under a row lock before the password is compared, so a burst of
// parallel guesses cannot all pass a read-then-write check. A right password clears its
// address+account count and gives its slot back to the address.
export const FREE_PER_ACCOUNT = 5;
export const FREE_PER_ADDRESS = 20;
const WINDOW_MS = 15 * 60_000;
const MAX_BACKOFF_MS = 15 * 60_000;

export const backoffMs = (failures: number, free: number) => (failures < free ? 0 : Math.min(1000 * 2 ** (failures - free), MAX_BACKOFF_MS));

type Row = { key: string; failures: number; windowStart: Date; lockedUntil: Date | null };
export type LoginKeys = { address: string; account: string };

export function loginKeys(address: string, email: string): LoginKeys {
  return { address: `address:${address}`, account: `address:${address}|account:${email.toLowerCase()}` };
}

/**
 * Takes one attempt: 0 = go ahead (compare the password, then call loginSucceeded if right), else
 * the milliseconds until the next attempt is allowed (then nothing was counted).
 */
export async function reserveLoginAttempt(prisma: PrismaClient, keys: LoginKeys, now = new Date()): Promise<number> {
  const free = new Map([[keys.address, FREE_PER_ADDRESS], [keys.account, FREE_PER_ACCOUNT]]);
  const sorted = [...free.keys()].sort(); // one lock order for every caller: no deadlock
  return prisma.$transaction(async (tx) => {
    for (const key of sorted) await tx.$executeRaw`INSERT INTO "LoginAttempt" ("key", "failures", "windowStart") VALUES (${key}, 0, ${now}) ON CONFLICT ("key") DO NOTHING`;
    const rows = await tx.$queryRaw<Row[]>`SELECT "key", "failures", "windowStart", "lockedUntil" FROM "LoginAttempt" WHERE "key" IN (${sorted[0]}, ${sorted[1]}) ORDER BY "key" FOR UPDATE`;
    const wait = Math.max(0, ...rows.map((r) => (r.lockedUntil && r.lockedUntil > now ? r.lockedUntil.getTime() - now.getTime() : 0)));
    if (wait > 0) return wait;
    for (const r of rows) {
      const fresh = now.getTime() - r.windowStart.getTime() > WINDOW_MS;
      const failures = (fresh ? 0 : r.failures) + 1;
      const backoff = backoffMs(failures, free.get(r.key)!);
      await tx.loginAttempt.update({ where: { key: r.key }, data: { failures, windowStart: fresh ? now : r.windowStart, lockedUntil: backoff ? new Date(now.getTime() + backoff) : null } });
    }
    return 0;
  });
}

/** The password was right: this address may sign in to this account again, and the attempt was no failure. */
export async function loginSucceeded(prisma: PrismaClient, keys: LoginKeys): Promise<void> {
  await prisma.$transaction([
    prisma.loginAttempt.deleteMany({ where: { key: keys.account } }),
    prisma.$executeRaw`UPDATE "LoginAttempt" SET "failures" = GREATEST("failures" - 1, 0) WHERE "key" = ${keys.address}`,
  ]);
}
