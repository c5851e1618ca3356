// The console's Apply takes the same per-director lease as the health checker's applies
// (lib/director/lease.ts): while another holder has it, the run is recorded as running and NOTHING of
// it starts (no step, no SSH) until the lease is released; a holder that keeps it past the wait gets
// the run failed in words. On real PostgreSQL and on the embedded PGlite (one connection: the
// database keeps answering while the apply waits). The director is a closed loopback port, so the
// run then fails at its first step, which is all this needs.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { withDirectorLock } from "@/lib/director";
import { encryptSecret } from "@/lib/crypto";
import { generateKeyPair } from "@/lib/data/ssh-keys";
import { migratedDatabase, migratedPglite } from "@/test/support/database";

vi.mock("server-only", () => ({}));
process.env.LVS_PANEL_KEY_SECRET ??= "apply-lock-test-key-secret";

describe.each([
  ["PostgreSQL", () => migratedDatabase("lvs_apply_lock")],
  ["PGlite", () => migratedPglite("lvs-apply-lock")],
] as const)("console Apply and the director lease on %s", (_name, open) => {
  let ctx: Awaited<ReturnType<typeof open>>;
  let clusterId = "";
  let directorId = "";
  let user: { id: string; email: string };

  beforeAll(async () => {
    ctx = await open();
    const p = ctx.prisma;
    const key = generateKeyPair("apply-lock-test");
    const k = await p.sshKey.create({ data: { name: "k", publicKey: key.publicKey, privateKey: encryptSecret(key.privateKey) } });
    const c = await p.cluster.create({ data: { name: "locked" } });
    clusterId = c.id;
    // port 9 on loopback: refused at once
    const d = await p.host.create({ data: { clusterId, name: "director", address: "127.0.0.1", sshPort: 9, role: "director", sshKeyId: k.id, hostKeyFingerprint: "SHA256:" + "A".repeat(43), hostKeyAlgorithm: "ssh-ed25519" } });
    directorId = d.id;
    await p.virtualService.create({ data: { clusterId, protocol: "tcp", address: "10.0.0.100", port: 80, scheduler: "rr" } });
    user = await p.user.create({ data: { email: "ada@example.test", name: "Ada", role: "admin", passwordHash: "x" } });
  });

  afterAll(async () => {
    await ctx?.close();
  });

  const finished = async (runId: string) => {
    let run = await ctx.prisma.applyRun.findUniqueOrThrow({ where: { id: runId }, include: { steps: true } });
    for (let i = 0; i < 150 && run.outcome === "running"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      run = await ctx.prisma.applyRun.findUniqueOrThrow({ where: { id: runId }, include: { steps: true } });
    }
    return run;
  };

  it("waits for the holder of the director's lease (the database answering meanwhile), then runs; a failed run keeps its steps", async () => {
    const { startApply } = await import("@/lib/operations/cluster");
    const p = ctx.prisma;
    let releasedAt = 0;
    let entered!: () => void;
    const holding = new Promise<void>((r) => (entered = r));
    // another apply (e.g. the health checker's) holds the lease for 2 s
    const holder = withDirectorLock(p, directorId, async () => {
      entered();
      await new Promise((r) => setTimeout(r, 2000));
      releasedAt = Date.now();
    });
    await holding;
    const runId = await startApply(p, user, clusterId);
    // recorded at once, nothing started while the lease is held; pages' queries are not held up
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await p.cluster.findMany({ include: { hosts: true } });
      expect(performance.now() - t0).toBeLessThan(1_000);
      await new Promise((r) => setTimeout(r, 150));
    }
    const during = await p.applyRun.findUniqueOrThrow({ where: { id: runId }, include: { steps: true } });
    expect(during.outcome).toBe("running");
    expect(during.steps).toEqual([]);
    await holder;
    const run = await finished(runId);
    expect(run.outcome, run.error ?? "").toBe("failed");
    expect(run.error).toMatch(/ECONNREFUSED|unreachable/);
    expect(run.error).not.toMatch(/prisma|Transaction API/i);
    expect(run.steps.map((x) => x.status)).toContain("failed");
    const first = run.steps.sort((a, b) => a.position - b.position)[0]!;
    expect(first.startedAt!.getTime()).toBeGreaterThanOrEqual(releasedAt - 5);
  });

  it("a holder that keeps the director past the wait: the run fails in words, having run nothing", async () => {
    const { startApply } = await import("@/lib/operations/cluster");
    const p = ctx.prisma;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const holding = new Promise<void>((r) => (entered = r));
    const holder = withDirectorLock(p, directorId, async () => {
      entered();
      await held;
    });
    await holding;
    const t0 = Date.now();
    const runId = await startApply(p, user, clusterId, { waitMs: 1_500 });
    const run = await finished(runId);
    release();
    await holder;
    expect(Date.now() - t0).toBeLessThan(6_000);
    expect(run.outcome).toBe("failed");
    expect(run.error).toMatch(/^Another apply to this director .* held it for over 2 s; nothing was run/);
    expect(run.steps).toEqual([]);
  });
});
