// The director's lease (lib/director/lease.ts) on both databases the panel runs on: real PostgreSQL and
// the embedded PGlite (one connection). A dead holder's lease expires and is taken over; a stale holder's
// writes are refused (fencing); a waiter gives up with DirectorBusy; holding it holds no transaction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirectorBusy, LeaseLost, recordApply, tryTake, withDirectorLock, type ApplyReport, type DirectorLease } from "@/lib/director";
import { migratedDatabase, migratedPglite } from "@/test/support/database";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// What a finished apply reports (the shape applyDirector returns); this test is about what gets recorded.
const report = (): ApplyReport => ({
  dryRun: false, outcome: "succeeded", steps: [{ position: 0, command: "ipvsadm -A -t 10.78.0.150:80 -s rr", disruptive: false, status: "succeeded", exitCode: 0, output: "" }],
  failedStep: null, error: null, before: null, after: null, differences: [], notes: [], durationMs: 1,
});

describe.each([
  ["PostgreSQL", () => migratedDatabase("lvs_lease_lock")],
  ["PGlite", () => migratedPglite("lvs-lease-lock")],
] as const)("director lease on %s", (_name, open) => {
  let ctx: Awaited<ReturnType<typeof open>>;
  let clusterId = "";
  beforeAll(async () => {
    ctx = await open();
    clusterId = (await ctx.prisma.cluster.create({ data: { name: "leased" } })).id;
  });
  afterAll(async () => {
    await ctx?.close();
  });
  const row = (key: string) => ctx.prisma.directorLease.findUnique({ where: { key } });

  it("one holder at a time; released by its token; every take moves the fence", async () => {
    const key = "d-exclusive";
    const first = await withDirectorLock(ctx.prisma, key, async (l) => {
      expect(await tryTake(ctx.prisma, key, "someone-else", 5_000, "test")).toBeNull();
      expect((await row(key))?.token).toBe(l.token);
      return l.fence;
    });
    expect((await row(key))?.token).toBeNull(); // released
    const second = await withDirectorLock(ctx.prisma, key, async (l) => l.fence, { waitMs: 200 });
    expect(second).toBe(first + 1);
    // another director is not blocked by a held one
    await withDirectorLock(ctx.prisma, key, async () => {
      expect(await withDirectorLock(ctx.prisma, "d-other", async () => "free", { waitMs: 200 })).toBe("free");
    });
  });

  it("holding the lease holds no transaction: the database answers other queries at once", async () => {
    await withDirectorLock(ctx.prisma, "d-free-db", async (l) => {
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        // a query on the main client, and a write of its own (the embedded database has one connection)
        await ctx.prisma.cluster.findMany();
        await ctx.prisma.auditEvent.create({ data: { actor: "test", action: "probe", target: `t${i}` } });
        expect(performance.now() - t0).toBeLessThan(2_000); // the old lock (a transaction) made these wait for the holder
      }
      await l.write((tx) => tx.auditEvent.create({ data: { actor: "test", action: "fenced", target: "ok" } }));
    });
    expect(await ctx.prisma.auditEvent.count({ where: { action: "fenced" } })).toBe(1);
  });

  it("waiting gives up with DirectorBusy after waitMs, and the waiter's function never runs", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const holder = withDirectorLock(ctx.prisma, "d-busy", async () => {
      entered();
      await held;
      return "holder";
    });
    await inside;
    let ran = false;
    const t0 = Date.now();
    const e = await withDirectorLock(ctx.prisma, "d-busy", async () => (ran = true), { waitMs: 700 }).catch((x: unknown) => x);
    const waited = Date.now() - t0;
    expect(e).toBeInstanceOf(DirectorBusy);
    expect((e as Error).message).toMatch(/another apply held the director/);
    expect(waited).toBeGreaterThanOrEqual(650);
    expect(waited).toBeLessThan(3_000);
    expect(ran).toBe(false);
    // a waiter that waits long enough gets it once the holder releases it
    const waiter = withDirectorLock(ctx.prisma, "d-busy", async () => Date.now(), { waitMs: 10_000 });
    await sleep(300);
    const releasedAt = Date.now();
    release();
    expect(await holder).toBe("holder");
    const got = await waiter;
    expect(got).toBeGreaterThanOrEqual(releasedAt);
    expect(got - releasedAt).toBeLessThan(2_000);
  });

  it("the heartbeat keeps a long holder's lease alive past its ttl", async () => {
    const hold = withDirectorLock(ctx.prisma, "d-long", async (l) => {
      await sleep(1_500);
      l.assertHeld();
      return "done";
    }, { ttlMs: 400 });
    await sleep(200);
    const e = await withDirectorLock(ctx.prisma, "d-long", async () => "stolen", { waitMs: 900, ttlMs: 400 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DirectorBusy);
    expect(await hold).toBe("done");
  });

  it("a dead holder's lease expires and is taken over (with the next fence)", async () => {
    // a holder that took the lease and died: nobody renews it
    const deadFence = await tryTake(ctx.prisma, "d-dead", "dead-holder", 800, "crashed process");
    expect(deadFence).not.toBeNull();
    const t0 = Date.now();
    const fence = await withDirectorLock(ctx.prisma, "d-dead", async (l) => l.fence, { waitMs: 5_000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    expect(fence).toBe(deadFence! + 1);
  });

  it("fencing: a stale holder (frozen past its ttl, taken over) writes nothing and learns it lost the lease", async () => {
    let stale!: DirectorLease;
    let frozen!: () => void;
    const isFrozen = new Promise<void>((r) => (frozen = r));
    let thaw!: () => void;
    const thawed = new Promise<void>((r) => (thaw = r));
    const runId: Promise<string> = recordApply(ctx.prisma, { clusterId, actor: "stale", hostId: null, hostName: "d-fenced", desired: "stale" }, async (l) => {
      stale = l;
      frozen();
      await thawed;
      return report();
    }, { ttlMs: 1_000 }).then((r) => r.runId);
    await isFrozen;
    // the holder is frozen past its ttl (as a paused VM or a stopped process would be): its row expires
    await ctx.prisma.$executeRawUnsafe(`UPDATE "DirectorLease" SET "expiresAt" = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE "key" = 'd-fenced'`);
    const taker = await withDirectorLock(ctx.prisma, "d-fenced", async (l) => {
      // the stale holder's fenced write is refused while the new holder has it
      const e = await stale.write((tx) => tx.auditEvent.create({ data: { actor: "stale", action: "late", target: "x" } })).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(LeaseLost);
      expect(stale.signal.aborted).toBe(true);
      thaw();
      // its recordApply ends with LeaseLost: neither its steps nor its outcome land
      const lost = await runId.catch((x: unknown) => x);
      expect(lost).toBeInstanceOf(LeaseLost);
      return l.fence;
    }, { waitMs: 2_000 });
    expect(taker).toBe(stale.fence + 1);
    expect(await ctx.prisma.auditEvent.count({ where: { action: "late" } })).toBe(0);
    const run = await ctx.prisma.applyRun.findFirstOrThrow({ where: { actor: "stale" }, include: { steps: true } });
    expect(run.steps).toEqual([]);
    expect(run.outcome).toBe("failed"); // not "succeeded", and not left "running"
    expect(run.error).toMatch(/lost the lock on the director/);
  });
});
