// Test support: a running panel (production build, real PostgreSQL) and users with API tokens.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { hashPassword } from "@/lib/passwords";
import type { Role } from "@/lib/roles";
import { createApiToken } from "../tokens";

const repo = path.resolve(import.meta.dirname, "../../..");

export interface Panel { url: string; pid: number; stop(): Promise<void>; /** the last 20 kB of its output */ log(): string }

/**
 * Starts `node --import tsx scripts/serve.ts` (migrations, build if stale, next start) on `port`
 * against `databaseUrl`. LVS_API_TEST_TREE may name another checkout to build and serve from, so a
 * build does not race other people's builds in a shared working tree.
 */
export async function startPanel(opts: { databaseUrl: string | null; port: number; tree?: string; timeoutMs?: number; dataDir?: string; env?: Record<string, string> }): Promise<Panel> {
  const tree = opts.tree ?? process.env.LVS_API_TEST_TREE ?? repo;
  const url = `http://127.0.0.1:${opts.port}`;
  // databaseUrl null: the embedded PGlite in dataDir, as `npm start` runs without DATABASE_URL
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(opts.port), HOSTNAME: "127.0.0.1", DATABASE_URL: opts.databaseUrl ?? "", NEXTAUTH_URL: url,
    NEXTAUTH_SECRET: "api-test-nextauth-secret", LVS_PANEL_KEY_SECRET: "api-test-key-secret", LVS_PANEL_DATA_DIR: opts.dataDir ?? ".data/api-test", NEXT_TELEMETRY_DISABLED: "1", ...opts.env };
  if (!opts.databaseUrl) delete env.DATABASE_URL;
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/serve.ts"], { cwd: tree, detached: true, stdio: ["ignore", "pipe", "pipe"], env });
  let log = "";
  child.stdout!.on("data", (d) => (log = (log + d).slice(-20_000)));
  child.stderr!.on("data", (d) => (log = (log + d).slice(-20_000)));
  const stop = async () => {
    if (child.exitCode !== null) return;
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* gone */
    }
    await new Promise((r) => { child.once("exit", r); setTimeout(r, 10_000); });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the panel exited ${child.exitCode}:\n${log}`);
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the panel did not come up in time:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, pid: child.pid!, stop, log: () => log };
}

/** next-auth credentials login as a browser does it (csrf token + cookie, then the callback): the Cookie header of the session. */
export async function signIn(base: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (r: Response) => {
    for (const sc of r.headers.getSetCookie()) {
      const [pair] = sc.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await fetch(`${base}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const r = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST", redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${base}/clusters`, json: "true" }),
  });
  keep(r);
  if (![...jar.keys()].some((k) => k.includes("session-token"))) throw new Error(`login failed: HTTP ${r.status} ${await r.text()}`);
  return cookie();
}

export function prismaFor(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

/** A user (created if missing) and a fresh token of `tokenRole` (default: the user's role). */
export async function userWithToken(prisma: PrismaClient, email: string, role: Role, opts: { tokenRole?: Role; days?: number; name?: string } = {}) {
  const user = await prisma.user.upsert({ where: { email }, update: { role, disabled: false },
    create: { email, name: email.split("@")[0]!, role, passwordHash: await hashPassword("api-test-password-1") } });
  const t = await createApiToken(prisma, { id: user.id, email: user.email, role: user.role },
    { name: opts.name ?? `t-${Math.random().toString(36).slice(2, 10)}`, role: opts.tokenRole ?? role, expiresInDays: opts.days ?? 30 });
  return { user, token: t.token, tokenId: t.id };
}

/** fetch against /api/v1 with a token; JSON in, JSON (or problem JSON) out. */
export function api(base: string, token: string | null) {
  return async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (typeof body === "string") payload = body;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !("content-type" in h)) h["content-type"] = "application/json";
    const res = await fetch(`${base}/api/v1${p}`, { method, headers: h, body: payload });
    const text = await res.text();
    let json: any = null; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, body: json };
  };
}
