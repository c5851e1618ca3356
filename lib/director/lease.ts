import crypto from "node:crypto";
import os from "node:os";
import type { Prisma, PrismaClient } from "@/generated/prisma/client";

// The per-director lock as a lease row (model DirectorLease): taken by ONE atomic statement when free
// or expired, kept alive by a heartbeat, released by its token. No transaction and no pooled
// connection is held while it is: each statement borrows a connection for milliseconds, so the
// embedded PGlite (one connection) and PostgreSQL's pool keep serving pages during an SSH apply.
// A holder that crashes or hangs stops renewing and its lease expires after `ttlMs`.

type Tx = Prisma.TransactionClient;

// Times are the database's clock, stored as UTC like Prisma's DateTime columns.
const NOW = `(now() AT TIME ZONE 'UTC')`;

/** Another apply held the director's lock for longer than the caller was willing to wait. */
export class DirectorBusy extends Error {
  constructor(readonly directorKey: string, readonly waitedMs: number, options?: { cause?: unknown }) {
    super(`another apply held the director for over ${Math.round(waitedMs / 1000)} s (gave up after waiting ${waitedMs} ms); nothing was run`, options);
    this.name = "DirectorBusy";
  }
}

/** The lease ran out (no heartbeat got through in time) or was taken over: this holder may not go on. */
export class LeaseLost extends Error {
  constructor(readonly directorKey: string, reason: string) {
    super(`lost the lock on the director (${reason}); no further step was run or recorded`);
    this.name = "LeaseLost";
  }
}

export interface LeaseOptions {
  /** How long to wait for a busy director before DirectorBusy (default 60 s). */
  waitMs?: number;
  /** How long the lease lives without a heartbeat (default 30 s); renewed every ttlMs/3. */
  ttlMs?: number;
  /** Shown in the row (who holds it), for an operator looking at the table. */
  owner?: string;
}

export interface DirectorLease {
  readonly key: string;
  readonly token: string;
  /** Goes up by one at every take of this director's lease. */
  readonly fence: number;
  /** Aborted (with a LeaseLost reason) when the lease is lost. */
  readonly signal: AbortSignal;
  /** Throws LeaseLost once the lease is lost. */
  assertHeld(): void;
  /**
   * A short transaction that writes only while this lease still holds: the lease row is locked
   * (FOR UPDATE) first, so no one can take over until it commits. Throws LeaseLost otherwise.
   */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/** One attempt: the new fence when the lease was free or expired and is now ours, else null. */
export async function tryTake(db: PrismaClient, key: string, token: string, ttlMs: number, owner: string): Promise<number | null> {
  const rows = await db.$queryRawUnsafe<Array<{ fence: bigint }>>(
    `INSERT INTO "DirectorLease" ("key", "token", "owner", "fence", "expiresAt", "acquiredAt")
       VALUES ($1, $2, $3, 1, ${NOW} + $4::int * interval '1 millisecond', ${NOW})
     ON CONFLICT ("key") DO UPDATE SET "token" = EXCLUDED."token", "owner" = EXCLUDED."owner",
       "fence" = "DirectorLease"."fence" + 1, "expiresAt" = EXCLUDED."expiresAt", "acquiredAt" = EXCLUDED."acquiredAt"
       WHERE "DirectorLease"."expiresAt" <= ${NOW}
     RETURNING "fence"`,
    key, token, owner, Math.ceil(ttlMs),
  );
  return rows.length ? Number(rows[0]!.fence) : null;
}

async function renew(db: PrismaClient, key: string, token: string, ttlMs: number): Promise<boolean> {
  const n = await db.$executeRawUnsafe(
    `UPDATE "DirectorLease" SET "expiresAt" = ${NOW} + $3::int * interval '1 millisecond'
     WHERE "key" = $1 AND "token" = $2 AND "expiresAt" > ${NOW}`,
    key, token, Math.ceil(ttlMs),
  );
  return n > 0;
}

async function release(db: PrismaClient, key: string, token: string): Promise<void> {
  await db.$executeRawUnsafe(`UPDATE "DirectorLease" SET "token" = NULL, "expiresAt" = ${NOW} - interval '1 millisecond' WHERE "key" = $1 AND "token" = $2`, key, token);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` while holding director `directorKey`'s lease. A second caller polls (back-off 25 ms
 * doubling to 1 s) up to `waitMs`, then gets DirectorBusy; nothing of it has run by then.
 * While `fn` runs a heartbeat renews the lease; when a renewal is refused (taken over) or none got
 * through within `ttlMs`, `lease.signal` aborts and every `lease.write` refuses (LeaseLost).
 */
export async function withDirectorLock<T>(db: PrismaClient, directorKey: string, fn: (lease: DirectorLease) => Promise<T>, opts: LeaseOptions = {}): Promise<T> {
  const waitMs = Math.max(1, Math.floor(opts.waitMs ?? 60_000));
  const ttlMs = Math.max(300, Math.floor(opts.ttlMs ?? 30_000));
  const owner = opts.owner ?? `${os.hostname()}:${process.pid}`;
  const token = crypto.randomUUID();
  const t0 = Date.now();
  let fence: number | null = null;
  let sent = t0;
  for (let backoff = 25; ; backoff = Math.min(1000, backoff * 2)) {
    sent = Date.now();
    fence = await tryTake(db, directorKey, token, ttlMs, owner);
    if (fence !== null) break;
    const left = t0 + waitMs - Date.now();
    if (left <= 0) throw new DirectorBusy(directorKey, waitMs);
    await sleep(Math.min(left, backoff * (0.75 + Math.random() / 2)));
  }

  const ctl = new AbortController();
  // Local deadline: measured from before each renewal was sent, so it never outlives the row's.
  let validUntil = sent + ttlMs;
  const lose = (reason: string) => {
    if (!ctl.signal.aborted) ctl.abort(new LeaseLost(directorKey, reason));
  };
  let timer: NodeJS.Timeout | null = null;
  let renewing: Promise<void> = Promise.resolve();
  const beat = () => {
    timer = setTimeout(() => {
      timer = null;
      if (Date.now() >= validUntil) return lose(`no heartbeat got through within ${Math.round(ttlMs / 1000)} s`);
      const sent = Date.now();
      renewing = renew(db, directorKey, token, ttlMs).then(
        (ok) => (ok ? (validUntil = sent + ttlMs) : lose("it expired before a heartbeat got through, or another apply took it over")),
        () => undefined, // a transient database error: try again until the lease's own time runs out
      ).then(() => {
        if (!ctl.signal.aborted && !stopped) beat();
      });
    }, Math.max(50, Math.floor(ttlMs / 3)));
  };
  let stopped = false;
  beat();
  const lease: DirectorLease = {
    key: directorKey, token, fence,
    signal: ctl.signal,
    assertHeld() {
      if (Date.now() >= validUntil) lose(`no heartbeat got through within ${Math.round(ttlMs / 1000)} s`);
      if (ctl.signal.aborted) throw ctl.signal.reason;
    },
    async write(w) {
      lease.assertHeld();
      return db.$transaction(async (tx) => {
        const held = await tx.$queryRawUnsafe<unknown[]>(
          `SELECT 1 AS ok FROM "DirectorLease" WHERE "key" = $1 AND "token" = $2 AND "expiresAt" > ${NOW} FOR UPDATE`, directorKey, token);
        if (!held.length) {
          lose("another apply took it over after it expired");
          throw ctl.signal.reason;
        }
        return w(tx);
      }, { maxWait: 10_000, timeout: 20_000 });
    },
  };
  try {
    return await fn(lease);
  } finally {
    stopped = true;
    if (timer) clearTimeout(timer);
    await renewing;
    await release(db, directorKey, token).catch(() => undefined); // else it expires by itself
  }
}
