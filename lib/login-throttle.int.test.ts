// Attacks on the login (next-auth's credentials authorize, the code /api/auth/callback/credentials
// runs) against a real PostgreSQL: a burst of parallel guesses, rotating X-Forwarded-For, and locking
// the admin out. Each request carries the address header the panel's HTTP server signs
// (scripts/next-server.ts) plus a forged X-Forwarded-For.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migratedDatabase } from "@/test/support/database";
import type { PrismaClient } from "@/generated/prisma/client";

process.env.NEXTAUTH_SECRET = "login-throttle-test-secret";
const SECRET = process.env.NEXTAUTH_SECRET;
const ADMIN = { email: "admin@example.test", password: "correct-horse-battery" };

let database: Awaited<ReturnType<typeof migratedDatabase>>;
let prisma: PrismaClient;
let authorize: (credentials: Record<string, string>, req: { headers: Record<string, string> }) => Promise<unknown>;
let LOGIN_FAILED: string;
let sign: (address: string, secret: string) => string;
let header: string;

beforeAll(async () => {
  database = await migratedDatabase("lvs_login_throttle_auth");
  prisma = database.prisma;
  (globalThis as unknown as { lvsPanelDb?: Promise<PrismaClient> }).lvsPanelDb = Promise.resolve(prisma);
  const auth = await import("@/lib/auth");
  const ca = await import("@/lib/client-address");
  sign = ca.signClientAddress;
  header = ca.CLIENT_ADDRESS_HEADER;
  LOGIN_FAILED = auth.LOGIN_FAILED;
  const provider = auth.authOptions.providers[0] as unknown as { options: { authorize: typeof authorize } };
  authorize = provider.options.authorize;
  const { createFirstAdmin } = await import("@/lib/data/users");
  await createFirstAdmin(prisma, { email: ADMIN.email, name: "Ada", password: ADMIN.password });
});
afterAll(async () => {
  (globalThis as unknown as { lvsPanelDb?: unknown }).lvsPanelDb = undefined;
  await database?.close();
});
beforeEach(async () => {
  await prisma.loginAttempt.deleteMany({});
});

/** A request from `address` (as the panel's server signs it) that also claims `forwarded` in X-Forwarded-For. */
const from = (address: string, forwarded = address) => ({ headers: { [header]: sign(address, SECRET), "x-forwarded-for": forwarded } });

/**
 * The most password checks the throttle may allow in `ms`: the free attempts, plus one per back-off
 * wait (1 s, 2 s, 4 s …) that can have passed meanwhile (a bcrypt comparison here takes ~0.5 s).
 */
const allowance = (free: number, ms: number) => free + Math.floor(Math.log2(ms / 1000 + 1));
const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
};

/** "checked": the password was compared (the answer is the generic failure); "throttled": refused before. */
async function attempt(email: string, password: string, req: ReturnType<typeof from>): Promise<"ok" | "checked" | "throttled"> {
  try {
    await authorize({ email, password }, req);
    return "ok";
  } catch (e) {
    const m = (e as Error).message;
    if (m === LOGIN_FAILED) return "checked";
    if (/Too many failed logins/.test(m)) return "throttled";
    throw e;
  }
}

describe("login throttling", () => {
  it("50 parallel wrong guesses from one address get at most 5 password checks", async () => {
    const [r, ms] = await timed(() => Promise.all(Array.from({ length: 50 }, (_, i) => attempt(ADMIN.email, `wrong-guess-${i}`, from("10.78.9.9")))));
    const checked = r.filter((x) => x === "checked").length;
    expect(r.filter((x) => x === "ok")).toEqual([]);
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(allowance(5, ms));
  });

  it("a new X-Forwarded-For per guess (and a new account per guess) does not buy more checks", async () => {
    const r: string[] = [];
    const [, ms] = await timed(async () => {
      for (let i = 0; i < 30; i++) r.push(await attempt(`user${i}@example.test`, "Winter2026!", from("10.78.9.9", `198.51.100.${i + 1}`)));
    });
    expect(r.filter((x) => x === "checked").length).toBeLessThanOrEqual(allowance(20, ms)); // 20 per address over all accounts
    expect(r.slice(-5).filter((x) => x === "throttled").length).toBeGreaterThan(0);
  });

  it("the admin still signs in from another address while an attacker hammers the account", async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => attempt(ADMIN.email, `wrong-guess-${i}`, from("10.78.9.9"))));
    for (let i = 0; i < 10; i++) await attempt(ADMIN.email, `wrong-again-${i}`, from("10.78.9.9"));
    expect(await attempt(ADMIN.email, ADMIN.password, from("10.78.9.9"))).toBe("throttled");
    expect(await attempt(ADMIN.email, ADMIN.password, from("10.78.5.5"))).toBe("ok");
  });

  it("an IPv6 attacker cannot rotate through its /64", async () => {
    const r: string[] = [];
    const [, ms] = await timed(async () => {
      for (let i = 0; i < 20; i++) r.push(await attempt(ADMIN.email, `guess-${i}`, from(`fd78:9::${(i + 1).toString(16)}`)));
    });
    expect(r.filter((x) => x === "checked").length).toBeLessThanOrEqual(allowance(5, ms));
  });

  it("a request without the server's signed address shares one bucket, whatever X-Forwarded-For says", async () => {
    const r: string[] = [];
    const [, ms] = await timed(async () => {
      for (let i = 0; i < 20; i++) {
        r.push(await attempt(ADMIN.email, `guess-${i}`, { headers: { "x-forwarded-for": `203.0.113.${i + 1}`, [header]: `203.0.113.${i + 1} forged` } }));
      }
    });
    expect(r.filter((x) => x === "checked").length).toBeLessThanOrEqual(allowance(5, ms));
  });
});
