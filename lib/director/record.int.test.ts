// recordApply + withDirectorLock against real PostgreSQL and the real lab: concurrent applies to one
// director are serialised (the second waits; with a short wait it is refused), and an apply whose
// SSH connection dies mid-run (the director's session sshd killed by PID; sshd stopped on a real
// server) is recorded as a partial, failed run with the failing step, then the next apply converges.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, lab, labEnv, type LabEnv } from "@/lab/env";
import { targetFromHost } from "@/lib/host-target";
import { SshPool, isSshError, type SshTarget } from "@/lib/ssh";
import { applyDirector, ipvsCore, recordApply, withDirectorLock, DirectorBusy, type ApplyReport, type StepResult } from "@/lib/director";
import { prepareRealServer, undoRealServer } from "@/lib/realserver";
import { migratedDatabase } from "@/test/support/database";

let env: LabEnv;
let release: (() => void) | null = null;
let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let pool: SshPool;
let clusterId: string;
let director: { id: string; name: string; target: SshTarget };
let rs: Array<{ id: string; name: string; address: string; target: SshTarget }>;
const VIP = "10.78.0.150"; // a service of its own: nothing else in the lab uses it
const ssh = (cmd: string) => lab(["ssh", "director", cmd]);
const table = (addresses: string[], weight = 1) => ({ services: [{ protocol: "tcp", address: VIP, port: 80, scheduler: "wrr", destinations: addresses.map((a) => ({ address: a, port: 80, forward: "route", weight })) }] });
// Addresses of real servers that do not exist: IPVS accepts any address, and 200 of them make a run long enough to cut.
const fake = (n: number) => Array.from({ length: n }, (_, i) => `10.78.${3 + Math.floor(i / 250)}.${(i % 250) + 1}`);
const N = 200;

beforeAll(async () => {
  release = await acquireLab({ timeoutMs: 1_200_000, owner: "lib/director/record.int.test.ts" });
  env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  ctx = await migratedDatabase("lvs_record");
  await promisify(execFile)(process.execPath, ["--import", "tsx", "lab/register.ts"], { env: { ...process.env, DATABASE_URL: ctx.url } });
  const hosts = await ctx.prisma.host.findMany({ include: { sshKey: true }, orderBy: { name: "asc" } });
  const d = hosts.find((h) => h.role === "director")!;
  clusterId = d.clusterId;
  director = { id: d.id, name: d.name, target: targetFromHost(d) };
  rs = hosts.filter((h) => h.name === "rs1" || h.name === "rs2").map((h) => ({ id: h.id, name: h.name, address: h.address, target: targetFromHost(h) }));
  pool = new SshPool({ connectAttempts: 2, backoffMs: 100, connectTimeoutMs: 5_000 });
  await ssh(`ipvsadm -D -t ${VIP}:80 2>/dev/null; true`);
}, 1_300_000);

afterAll(async () => {
  try {
    await lab(["sshd", "rs2", "start"]).catch(() => "");
    await ssh(`ipvsadm -D -t ${VIP}:80 2>/dev/null; true`).catch(() => "");
    for (const r of rs ?? []) await undoRealServer(pool, r.target, { vips: [VIP] }).catch(() => null);
    await pool?.close();
    await ctx?.close();
  } finally {
    release?.();
  }
});

const meta = (desired: unknown) => ({ clusterId, actor: "record.int.test", hostId: director.id, hostName: director.name, desired });

describe("recordApply on PostgreSQL", () => {
  it("two concurrent applies to one director: the second waits for the first (ApplyRun timestamps do not overlap)", async () => {
    let aHasLock!: () => void;
    const aRunning = new Promise<void>((r) => (aHasLock = r));
    const a = recordApply(ctx.prisma, meta("A"), () => applyDirector(pool, director.target, ipvsCore, table([rs[0]!.address, rs[1]!.address], 1), { onProgress: (e) => e.kind === "read" && aHasLock() }));
    await aRunning; // A holds the lock and is inside its exec
    const bAsked = Date.now();
    const b = await recordApply(ctx.prisma, meta("B"), () => applyDirector(pool, director.target, ipvsCore, table([rs[0]!.address, rs[1]!.address], 5)));
    const ra = await a;
    expect(ra.report.outcome).toBe("succeeded");
    expect(b.report.outcome).toBe("succeeded");
    const runs = await ctx.prisma.applyRun.findMany({ where: { id: { in: [ra.runId, b.runId] } }, include: { steps: { orderBy: { position: "asc" } } } });
    const A = runs.find((r) => r.id === ra.runId)!, B = runs.find((r) => r.id === b.runId)!;
    // B asked while A ran; its run starts only after A's finished: serialised, B waited.
    expect(bAsked).toBeLessThan(A.finishedAt!.getTime());
    expect(B.startedAt.getTime()).toBeGreaterThanOrEqual(A.finishedAt!.getTime());
    expect(A.steps.map((s) => [s.command, s.status])).toEqual([
      [`ipvsadm -A -t ${VIP}:80 -s wrr`, "succeeded"],
      ...rs.map((r) => [`ipvsadm -a -t ${VIP}:80 -r ${r.address}:80 -g -w 1`, "succeeded"]),
    ]);
    // B planned from what A left (it did not re-add the service): only the weights change.
    expect(B.steps.map((s) => s.command)).toEqual(rs.map((r) => `ipvsadm -e -t ${VIP}:80 -r ${r.address}:80 -g -w 5`));
    expect(await ssh("ipvsadm -S -n")).toContain(`-a -t ${VIP}:80 -r ${rs[0]!.address}:80 -g -w 5`);
  });

  it("with a short wait the second apply is refused (DirectorBusy) and records nothing", async () => {
    let hold!: () => void;
    const held = new Promise<void>((r) => (hold = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const first = withDirectorLock(ctx.prisma, director.id, async () => {
      locked();
      await held;
      return "first";
    });
    await isLocked;
    const before = await ctx.prisma.applyRun.count();
    const t0 = Date.now();
    const e = await recordApply(ctx.prisma, meta("refused"), () => applyDirector(pool, director.target, ipvsCore, table([rs[0]!.address])), { waitMs: 700 }).catch((x: unknown) => x);
    const waited = Date.now() - t0;
    expect(e).toBeInstanceOf(DirectorBusy);
    expect(waited).toBeGreaterThanOrEqual(650);
    expect(await ctx.prisma.applyRun.count()).toBe(before);
    hold();
    expect(await first).toBe("first");
    // a different director is not blocked by it
    expect(await withDirectorLock(ctx.prisma, "some-other-director", async () => "free", { waitMs: 500 })).toBe("free");
  });

  it("the director's SSH session dies mid-run: unreachable, a recorded partial run with the failed step; the next apply converges", async () => {
    const desired = table([rs[0]!.address, rs[1]!.address, ...fake(N)], 5);
    let killed = false;
    let pid: number | null = null;
    const r = await recordApply(ctx.prisma, meta("cut"), () =>
      applyDirector(pool, director.target, ipvsCore, desired, {
        onProgress: (e) => {
          if (e.kind === "read") pid = e.pid;
          if (e.kind === "step" && e.position === 2 && e.status === "succeeded" && pid) {
            // kill the sshd process serving this very session, by its PID (the remote shell's parent)
            void ssh(`kill -9 $(awk '{print $4}' /proc/${pid}/stat)`).then(() => (killed = true));
          }
        },
      }),
    );
    expect(killed).toBe(true);
    expect(r.report.outcome).toBe("failed");
    expect(r.report.error?.code).toBe("unreachable");
    const run = await ctx.prisma.applyRun.findUniqueOrThrow({ where: { id: r.runId }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(run.outcome).toBe("failed");
    expect(run.error).toMatch(/^unreachable: /);
    expect(run.finishedAt).not.toBeNull();
    const statuses = run.steps.map((s) => s.status);
    expect(run.steps).toHaveLength(N);
    const done = statuses.filter((s) => s === "succeeded").length;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(N);
    expect(statuses.slice(done).filter((s) => s !== "pending").length).toBeLessThanOrEqual(1); // at most the one it was running
    expect(statuses.slice(done + 1).every((s) => s === "pending")).toBe(true);
    const kernel = await ssh("ipvsadm -S -n");
    const inKernel = fake(N).filter((a) => kernel.includes(`${a}:80 `)).length;
    expect(inKernel).toBeGreaterThanOrEqual(done);
    // + the one it was running, + at most one more: sshd, killed with SIGKILL, may die after reading a
    // step's status and the next step's marker from the shell but before forwarding them to us.
    expect(inKernel).toBeLessThanOrEqual(done + 2);

    const next = await recordApply(ctx.prisma, meta("converge"), () => applyDirector(pool, director.target, ipvsCore, desired));
    expect(next.report.outcome).toBe("succeeded");
    expect(next.report.steps.length).toBe(N - inKernel);
    expect(next.report.differences).toEqual([]);
    const again = await applyDirector(pool, director.target, ipvsCore, desired, { dryRun: true });
    expect(again.steps).toEqual([]);
  });

  it("sshd stopped on a real server mid-run: the run stops there with unreachable, is recorded per host, and the next run converges", async () => {
    // One run across hosts: prepare each real server (one exec each), then the director (one exec).
    const clusterRun = (onStep?: (host: string) => Promise<void>) => async (): Promise<ApplyReport> => {
      const t0 = performance.now();
      const steps: StepResult[] = [];
      let error: ApplyReport["error"] = null;
      for (const r of rs) {
        await onStep?.(r.name);
        const step: StepResult = { position: steps.length, command: `prepare DR: VIP ${VIP} on lo, arp sysctls`, disruptive: false, status: "pending", exitCode: null, output: "", host: { id: r.id, name: r.name } };
        steps.push(step);
        if (error) continue;
        try {
          const rep = await prepareRealServer(pool, r.target, { vips: [VIP], port: 80 });
          Object.assign(step, { status: rep.ready ? "succeeded" : "failed", exitCode: 0, output: rep.events.join("\n") });
        } catch (e) {
          if (!isSshError(e)) throw e;
          error = { code: e.code, message: e.message };
          Object.assign(step, { status: "failed", output: `${e.code}: ${e.message}` });
        }
      }
      if (error) return { outcome: "failed", error, steps, before: null, after: null, differences: [], notes: [], failedStep: steps.find((s) => s.status === "failed") ?? null, dryRun: false, durationMs: Math.round(performance.now() - t0) };
      const d = await applyDirector(pool, director.target, ipvsCore, table([rs[0]!.address, rs[1]!.address]));
      for (const s of d.steps) steps.push({ ...s, position: steps.length, host: { id: director.id, name: director.name } });
      return { ...d, steps, failedStep: steps.find((s) => s.status === "failed") ?? null, durationMs: Math.round(performance.now() - t0) };
    };
    for (const r of rs) await undoRealServer(pool, r.target, { vips: [VIP] });
    pool.disconnect(rs[1]!.target); // no pooled connection to hide the stopped sshd
    const cut = await recordApply(ctx.prisma, meta("rs-cut"), clusterRun(async (host) => {
      if (host === "rs2") await lab(["sshd", "rs2", "stop"]); // stopped after rs1 was prepared
    }));
    expect(cut.report.outcome).toBe("failed");
    expect(cut.report.error?.code).toBe("unreachable");
    const run = await ctx.prisma.applyRun.findUniqueOrThrow({ where: { id: cut.runId }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(run.outcome).toBe("failed");
    expect(run.error).toMatch(/^unreachable: /);
    expect(run.steps.map((s) => [s.hostName, s.status])).toEqual([["rs1", "succeeded"], ["rs2", "failed"]]);
    expect(run.steps[1]!.hostId).toBe(rs[1]!.id);
    expect(run.steps[1]!.stdout).toMatch(/^unreachable: /);

    await lab(["sshd", "rs2", "start"]);
    const ok = await recordApply(ctx.prisma, meta("rs-converge"), clusterRun());
    expect(ok.report.outcome).toBe("succeeded");
    const run2 = await ctx.prisma.applyRun.findUniqueOrThrow({ where: { id: ok.runId }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(run2.steps.slice(0, 2).map((s) => [s.hostName, s.status])).toEqual([["rs1", "succeeded"], ["rs2", "succeeded"]]);
    expect(run2.steps.slice(2).every((s) => s.hostName === "director" && s.status === "succeeded")).toBe(true);
    expect(run2.outcome).toBe("succeeded");
  });
});
