// The console's Apply takes the same per-director lock as the health checker's applies
// (lib/director withDirectorLock): while another holder has it, the run is recorded as running and
// NOTHING of it starts (no step, no SSH) until the lock is released. Real PostgreSQL; the director
// is a closed loopback port, so the run then fails at its first step, which is all this needs.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { withDirectorLock } from "@/lib/director";
import { encryptSecret } from "@/lib/crypto";
import { generateKeyPair } from "@/lib/ssh-keys";
import { migratedDatabase } from "@/test/support/database";

vi.mock("server-only", () => ({}));
process.env.LVS_PANEL_KEY_SECRET ??= "apply-lock-test-key-secret";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let clusterId = "";
let directorId = "";

beforeAll(async () => {
  ctx = await migratedDatabase("lvs_apply_lock");
  process.env.DATABASE_URL = ctx.url; // the panel on PostgreSQL (progress written outside the lock's transaction)
  const p = ctx.prisma;
  const key = generateKeyPair("apply-lock-test");
  const k = await p.sshKey.create({ data: { name: "k", publicKey: key.publicKey, privateKey: encryptSecret(key.privateKey) } });
  const c = await p.cluster.create({ data: { name: "locked" } });
  clusterId = c.id;
  // port 9 on loopback: refused at once
  const d = await p.host.create({ data: { clusterId, name: "director", address: "127.0.0.1", sshPort: 9, role: "director", sshKeyId: k.id, hostKeyFingerprint: "SHA256:" + "A".repeat(43), hostKeyAlgorithm: "ssh-ed25519" } });
  directorId = d.id;
  await p.virtualService.create({ data: { clusterId, protocol: "tcp", address: "10.0.0.100", port: 80, scheduler: "rr" } });
});

afterAll(async () => {
  await ctx?.close();
});

describe("console Apply and the director lock", () => {
  it("waits for the holder of the director's lock, then runs (a failed run keeps its steps)", async () => {
    const { startApply } = await import("./ops");
    const p = ctx.prisma;
    let releasedAt = 0;
    let entered!: () => void;
    const holding = new Promise<void>((r) => (entered = r));
    // another apply (e.g. the health checker's) holds the lock for 2 s
    const holder = withDirectorLock(p, directorId, async () => {
      entered();
      await new Promise((r) => setTimeout(r, 2000));
      releasedAt = Date.now();
    });
    await holding;
    const user = await p.user.create({ data: { email: "ada@example.test", name: "Ada", role: "admin", passwordHash: "x" } });
    const runId = await startApply(p, { id: user.id, email: user.email }, clusterId);
    // recorded at once, nothing started while the lock is held
    await new Promise((r) => setTimeout(r, 1000));
    const during = await p.applyRun.findUniqueOrThrow({ where: { id: runId }, include: { steps: true } });
    expect(during.outcome).toBe("running");
    expect(during.steps).toEqual([]);
    await holder;
    let run = during;
    for (let i = 0; i < 100 && run.outcome === "running"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      run = await p.applyRun.findUniqueOrThrow({ where: { id: runId }, include: { steps: true } });
    }
    expect(run.outcome, run.error ?? "").toBe("failed");
    expect(run.steps.length, run.error ?? "").toBeGreaterThan(0);
    const first = run.steps.sort((a, b) => a.position - b.position)[0]!;
    expect(first.startedAt!.getTime()).toBeGreaterThanOrEqual(releasedAt - 5);
  });

  it("on the embedded database (one connection, held by the lock's transaction) the steps go through that transaction and survive a failure", async () => {
    const { startApply } = await import("./ops");
    const p = ctx.prisma;
    const url = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const user = await p.user.findFirstOrThrow();
      const runId = await startApply(p, { id: user.id, email: user.email }, clusterId);
      let run = await p.applyRun.findUniqueOrThrow({ where: { id: runId }, include: { steps: true } });
      for (let i = 0; i < 100 && run.outcome === "running"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        run = await p.applyRun.findUniqueOrThrow({ where: { id: runId }, include: { steps: true } });
      }
      expect(run.outcome).toBe("failed");
      expect(run.error).toMatch(/ECONNREFUSED|unreachable/);
      expect(run.steps.map((x) => x.status)).toContain("failed");
    } finally {
      process.env.DATABASE_URL = url;
    }
  });
});
