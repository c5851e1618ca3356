// Deleting a cluster whose virtual services run on the lab's director (real IPVS kernel, real
// PostgreSQL): a plain delete is refused while the kernel holds them, with the exact ipvsadm -D and
// VIP removal; "remove" takes them off the director for real, then deletes; "leave" deletes and leaves
// them running. Either way the cluster's apply history and audit records stay.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, labEnv, type LabEnv } from "@/lab/env";
import { deleteCluster } from "@/lib/data/clusters";
import { encryptSecret } from "@/lib/crypto";
import { algorithmOf, fingerprintOf, SshPool, sshPool, type SshTarget } from "@/lib/ssh";
import { labTarget } from "@/test/support/sshd";
import { migratedDatabase } from "@/test/support/database";

process.env.LVS_PANEL_KEY_SECRET ??= "teardown-test-key-secret";

// services and VIPs only this file uses
const A = { vip: "10.78.0.211", port: 8082 };
const B = { vip: "10.78.0.212", port: 8083 };
let env: LabEnv;
let release: (() => void) | null = null;
let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let pool: SshPool;
let director: SshTarget;
let user: { id: string; email: string };
let keyId = "";

const kernel = async () => (await pool.exec(director, ["ipvsadm", "-S", "-n"])).stdout;
const addrs = async () => (await pool.exec(director, ["ip", "-o", "addr", "show"])).stdout;

async function clusterOnDirector(name: string, s: { vip: string; port: number }) {
  const p = ctx.prisma;
  const d = env.hosts.director!;
  const ed = d.hostKeys.find((k) => k.startsWith("ssh-ed25519 "))!;
  const blob = Buffer.from(ed.split(" ")[1]!, "base64");
  const c = await p.cluster.create({ data: { name } });
  await p.host.create({ data: { clusterId: c.id, name: "director", address: d.address, sshPort: d.sshPort ?? 22, sshUser: env.ssh.user, role: "director",
    sshKeyId: keyId, hostKeyFingerprint: fingerprintOf(blob), hostKeyAlgorithm: algorithmOf(blob) } });
  const vs = await p.virtualService.create({ data: { clusterId: c.id, protocol: "tcp", address: s.vip, port: s.port, scheduler: "rr" } });
  await p.realServer.create({ data: { virtualServiceId: vs.id, address: env.realServers[0]!.address, port: s.port, weight: 1, forwardingMethod: "route" } });
  // the operator's Apply, as the console runs it: the service and its VIP on the director
  const { startApply } = await import("@/lib/operations/cluster");
  const runId = await startApply(p, user, c.id);
  let run = await p.applyRun.findUniqueOrThrow({ where: { id: runId } });
  for (let i = 0; i < 300 && run.outcome === "running"; i++) {
    await new Promise((r) => setTimeout(r, 100));
    run = await p.applyRun.findUniqueOrThrow({ where: { id: runId } });
  }
  expect(run.outcome, run.error ?? "").toBe("succeeded");
  expect(await kernel()).toContain(`-A -t ${s.vip}:${s.port} -s rr`);
  expect(await addrs()).toContain(`inet ${s.vip}/32`);
  return c;
}

beforeAll(async () => {
  release = await acquireLab({ timeoutMs: 1_200_000, owner: "lib/operations/teardown.int.test.ts" });
  env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  ctx = await migratedDatabase("lvs_teardown_integrity");
  process.env.DATABASE_URL = ctx.url;
  pool = new SshPool();
  director = await labTarget(env, "director");
  const k = await ctx.prisma.sshKey.create({ data: { name: "lab", publicKey: "ssh-ed25519 AAAA lab", privateKey: encryptSecret(fs.readFileSync(env.ssh.keyPath, "utf8")) } });
  keyId = k.id;
  const u = await ctx.prisma.user.create({ data: { email: "ada@example.test", name: "Ada", role: "admin", passwordHash: "x" } });
  user = { id: u.id, email: u.email };
}, 1_300_000);

afterAll(async () => {
  try {
    for (const s of [A, B]) {
      await pool?.exec(director, ["ipvsadm", "-D", "-t", `${s.vip}:${s.port}`], { okExitCodes: "any" });
      await pool?.script(director, `for d in $(ip -o addr show to ${s.vip}/32 | awk '{print $2}'); do ip addr del ${s.vip}/32 dev "$d"; done`, [], { okExitCodes: "any" });
    }
    await pool?.close();
    await sshPool().close();
    await ctx?.close();
  } finally {
    release?.();
  }
}, 120_000);

describe("deleting a cluster that still runs on its director", () => {
  it("a plain delete is refused with the plan; 'remove' takes the services and the VIP off the director, then deletes; the history stays", async () => {
    const { deleteClusterWithDirector } = await import("@/lib/operations/teardown");
    const c = await clusterOnDirector("gone", A);
    const refused = await deleteClusterWithDirector(ctx.prisma, user, c.id, c.version, "check");
    expect(refused.deleted).toBe(false);
    if (refused.deleted) return;
    expect(refused.plan.error).toBeNull();
    expect(refused.plan.services.map((s) => s.command)).toEqual([`ipvsadm -D -t ${A.vip}:${A.port}`]);
    expect(refused.plan.vips).toEqual([expect.objectContaining({ vip: A.vip, command: expect.stringMatching(new RegExp(`^ip addr del ${A.vip}/32 dev \\S+$`)) })]);
    expect(await ctx.prisma.cluster.findUnique({ where: { id: c.id } })).not.toBeNull();
    expect(await kernel()).toContain(`-A -t ${A.vip}:${A.port}`);

    const done = await deleteClusterWithDirector(ctx.prisma, user, c.id, c.version, "remove");
    expect(done).toMatchObject({ deleted: true, runId: expect.any(String) });
    expect(await kernel()).not.toContain(`${A.vip}:${A.port}`);
    expect(await addrs()).not.toContain(`inet ${A.vip}/32`);
    expect(await ctx.prisma.cluster.findUnique({ where: { id: c.id } })).toBeNull();
    // both applies (the operator's and the removal) stay, under the cluster's name
    const runs = await ctx.prisma.applyRun.findMany({ where: { clusterName: "gone" }, include: { steps: true }, orderBy: { startedAt: "asc" } });
    expect(runs.map((r) => [r.clusterId, r.outcome])).toEqual([[null, "succeeded"], [null, "succeeded"]]);
    expect(runs[1]!.steps.map((s) => s.command)).toEqual(expect.arrayContaining([`ipvsadm -D -t ${A.vip}:${A.port}`, expect.stringMatching(`^ip addr del ${A.vip}/32`)]));
    const audit = await ctx.prisma.auditEvent.findFirstOrThrow({ where: { action: "cluster.delete", target: "cluster:gone" } });
    expect(audit.after).toMatchObject({ applyRunsKept: 2, removedFromDirector: runs[1]!.id });
  }, 180_000);

  it("'leave' deletes the cluster and leaves its service and VIP running, and the audit record says what stays", async () => {
    const { deleteClusterWithDirector } = await import("@/lib/operations/teardown");
    const c = await clusterOnDirector("left", B);
    const out = await deleteClusterWithDirector(ctx.prisma, user, c.id, c.version, "leave");
    expect(out.deleted).toBe(true);
    expect(await ctx.prisma.cluster.findUnique({ where: { id: c.id } })).toBeNull();
    expect(await kernel()).toContain(`-A -t ${B.vip}:${B.port} -s rr`);
    expect(await addrs()).toContain(`inet ${B.vip}/32`);
    const audit = await ctx.prisma.auditEvent.findFirstOrThrow({ where: { action: "cluster.delete", target: "cluster:left" } });
    expect(String((audit.after as { leftOnDirector: string }).leftOnDirector)).toContain(`-t ${B.vip}:${B.port}`);
    expect(await ctx.prisma.applyRun.count({ where: { clusterName: "left", clusterId: null } })).toBe(1);
  }, 180_000);

  it("a stale version is refused before the director is touched", async () => {
    const { deleteClusterWithDirector } = await import("@/lib/operations/teardown");
    const c = await ctx.prisma.cluster.create({ data: { name: "stale", version: 3 } });
    await expect(deleteClusterWithDirector(ctx.prisma, user, c.id, 2, "remove")).rejects.toThrow(/changed by someone else/);
    expect(await ctx.prisma.cluster.findUnique({ where: { id: c.id } })).not.toBeNull();
  });
});

describe("the apply history outlives its cluster", () => {
  it("deleteCluster keeps the cluster's ApplyRuns (clusterId NULL, name kept) and their steps", async () => {
    const c = await ctx.prisma.cluster.create({ data: { name: "history" } });
    const run = await ctx.prisma.applyRun.create({ data: { clusterId: c.id, actor: "ada@example.test", desired: {}, outcome: "succeeded",
      steps: { create: [{ hostName: "director", position: 0, command: "ipvsadm -A -t 10.0.0.1:80 -s rr", status: "succeeded" }] } } });
    await deleteCluster(ctx.prisma, "ada@example.test", c.id, c.version);
    const kept = await ctx.prisma.applyRun.findUnique({ where: { id: run.id }, include: { steps: true } });
    expect(kept).toMatchObject({ clusterId: null, clusterName: "history", outcome: "succeeded" });
    expect(kept!.steps.map((s) => s.command)).toEqual(["ipvsadm -A -t 10.0.0.1:80 -s rr"]);
  });
});
