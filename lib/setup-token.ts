import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@/generated/prisma/client";
import { UserError } from "./errors";
import { dataDir } from "./secrets";
import { createFirstAdmin } from "@/lib/data/users";
import { setupSchema } from "./validation/user";
import { fieldErrors } from "./validation/common";

// The first-run setup page creates an admin for whoever submits it first, so it also asks for a
// one-time token that only someone with the server's console or data directory can read (as Grafana
// and Jenkins do). `npm start` prints it; it is kept in <data dir>/setup-token (mode 0600) until the
// first admin exists. ADMIN_EMAIL / ADMIN_PASSWORD skip the page altogether.

export const setupTokenFile = () => path.join(dataDir(), "setup-token");

function readToken(): string | null {
  try {
    return fs.readFileSync(setupTokenFile(), "utf8").trim() || null;
  } catch {
    return null;
  }
}

/** The token, made on first call (several processes agree: the file is created exclusively). */
export function ensureSetupToken(): { token: string; created: boolean } {
  const existing = readToken();
  if (existing) return { token: existing, created: false };
  fs.mkdirSync(dataDir(), { recursive: true });
  const token = crypto.randomBytes(24).toString("base64url");
  try {
    fs.writeFileSync(setupTokenFile(), token + "\n", { mode: 0o600, flag: "wx" });
    return { token, created: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return { token: readToken() ?? token, created: false };
  }
}

/** At server start, on an empty database: print the token (what the operator types into /setup). */
export async function announceSetupToken(prisma: PrismaClient): Promise<void> {
  if ((await prisma.user.count()) > 0) {
    clearSetupToken();
    return;
  }
  const { token } = ensureSetupToken();
  console.log(`\n  First-run setup: open /setup and enter the setup token\n\n      ${token}\n\n  (also in ${setupTokenFile()}; or set ADMIN_EMAIL/ADMIN_PASSWORD instead)\n`);
}

export function clearSetupToken(): void {
  fs.rmSync(setupTokenFile(), { force: true });
}

function tokenMatches(given: string | undefined): boolean {
  const want = readToken();
  if (!want || !given) return false;
  const a = crypto.createHash("sha256").update(want).digest();
  const b = crypto.createHash("sha256").update(given.trim()).digest();
  return crypto.timingSafeEqual(a, b);
}

/** The setup form: the right token first (nothing else is looked at without it), then the first admin. */
export async function firstRunSetup(prisma: PrismaClient, values: Record<string, string>) {
  if (!tokenMatches(values.setupToken)) {
    throw new UserError("That is not the setup token. It is printed in the output of npm start when the database has no user.",
      { setupToken: ["is not the token printed by npm start (also in setup-token in the data directory)"] });
  }
  const parsed = setupSchema.safeParse(values);
  if (!parsed.success) throw new UserError("Please correct the highlighted fields.", fieldErrors(parsed.error));
  const user = await createFirstAdmin(prisma, parsed.data);
  clearSetupToken();
  return user;
}
