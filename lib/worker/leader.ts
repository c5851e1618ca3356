// Who runs a cluster's checks: the panel instance holding that cluster's PostgreSQL advisory lock.
// Session-level locks on one dedicated connection: when the process dies its connection closes and
// PostgreSQL releases the locks at once, so another instance (trying every `retryMs`) takes over
// within one check interval. TCP keepalives on that session make a frozen or partitioned host lose
// its locks too. Every write the leader makes is fenced: inside the write's transaction it checks
// pg_locks that its session still holds the lock (a leader that lost it writes nothing).
import crypto from "node:crypto";
import pg from "pg";
import type { Prisma } from "@/generated/prisma/client";

type Tx = Prisma.TransactionClient;

/** "LVSP": the first key of every lock the worker takes (pg_locks.classid). */
export const LOCK_CLASS = 0x4c565350;

export function lockKey(name: string): number {
  return crypto.createHash("sha256").update(name).digest().readUInt32BE(0) & 0x7fffffff;
}

export interface Leadership {
  readonly kind: "postgres" | "local";
  tryAcquire(name: string): Promise<boolean>;
  release(name: string): Promise<void>;
  holds(name: string): boolean;
  /** Inside a transaction of the panel's database: does this process still hold `name`? */
  fence(tx: Tx, name: string): Promise<boolean>;
  /** Called when every lock was lost at once (the session died). */
  onLost(cb: () => void): void;
  close(): Promise<void>;
}

/** Embedded PGlite: one process does everything, it is always the leader. */
export class LocalLeadership implements Leadership {
  readonly kind = "local" as const;
  private held = new Set<string>();
  async tryAcquire(name: string) { this.held.add(name); return true; }
  async release(name: string) { this.held.delete(name); }
  holds(name: string) { return this.held.has(name); }
  async fence(_tx: Tx, name: string) { return this.held.has(name); }
  onLost() {}
  async close() { this.held.clear(); }
}

export class PgLeadership implements Leadership {
  readonly kind = "postgres" as const;
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private pid = 0;
  private held = new Set<string>();
  private lost: Array<() => void> = [];
  private closed = false;

  constructor(private url: string) {}

  private async session(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const c = new pg.Client({ connectionString: this.url, keepAlive: true, keepAliveInitialDelayMillis: 5000, application_name: "lvs-panel-worker" });
      c.on("error", () => this.drop(c));
      c.on("end", () => this.drop(c));
      await c.connect();
      // the server notices a dead peer quickly too (settable per session; ignored where unsupported)
      await c.query("SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3").catch(() => undefined);
      const r = await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      this.pid = r.rows[0]!.pid;
      this.client = c;
      return c;
    })().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private drop(c: pg.Client) {
    if (this.client !== c) return;
    this.client = null;
    this.pid = 0;
    const had = this.held.size > 0;
    this.held.clear();
    c.end().catch(() => undefined);
    if (had) for (const cb of this.lost) cb();
  }

  async tryAcquire(name: string): Promise<boolean> {
    if (this.closed) return false;
    if (this.held.has(name)) return true;
    const c = await this.session();
    const r = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::int, $2::int) AS ok", [LOCK_CLASS | 0, lockKey(name)]);
    if (r.rows[0]?.ok) this.held.add(name);
    return this.held.has(name);
  }

  async release(name: string): Promise<void> {
    if (!this.held.delete(name) || !this.client) return;
    await this.client.query("SELECT pg_advisory_unlock($1::int, $2::int)", [LOCK_CLASS | 0, lockKey(name)]).catch(() => undefined);
  }

  holds(name: string): boolean {
    return this.held.has(name);
  }

  async fence(tx: Tx, name: string): Promise<boolean> {
    if (!this.held.has(name) || !this.pid) return false;
    const r = await tx.$queryRawUnsafe<Array<{ ok: boolean }>>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1::int AND classid::bigint = $2::bigint AND objid::bigint = $3::bigint AND objsubid = 2) AS ok`,
      this.pid, LOCK_CLASS >>> 0, lockKey(name),
    );
    return !!r[0]?.ok;
  }

  onLost(cb: () => void) {
    this.lost.push(cb);
  }

  async close() {
    this.closed = true;
    this.held.clear();
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
