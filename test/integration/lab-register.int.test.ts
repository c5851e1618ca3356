import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetFromHost } from "@/lib/host-target";
import { SshPool } from "@/lib/ssh";
import { assertLabRoute, labEnv, type LabEnv } from "@/lab/env";
import { migratedDatabase } from "../support/database";

// `lab register` against real PostgreSQL and the real lab: the hosts it pins are the keys the lab's
// sshd really presents, and the panel can log in with what it stored.
let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let env: LabEnv;
const pool = new SshPool();

beforeAll(async () => {
  env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  ctx = await migratedDatabase("lvs_labreg");
});
afterAll(async () => {
  await pool.close();
  await ctx?.close();
});

// Asynchronous on purpose: this process's own pooled connections must stay serviceable meanwhile.
async function register() {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "lab/register.ts"], { env: { ...process.env, DATABASE_URL: ctx.url }, encoding: "utf8" });
  return stdout;
}

describe("lab register", () => {
  it("creates the lab cluster once, however often it runs", async () => {
    expect(await register()).toContain('Registered cluster "lab"');
    expect(await register()).toContain('Registered cluster "lab"');
    const clusters = await ctx.prisma.cluster.findMany({ include: { hosts: true } });
    expect(clusters.map((c) => c.name)).toEqual(["lab"]);
    const hosts = clusters[0]!.hosts.map((h) => `${h.name} ${h.address} ${h.role}`).sort();
    expect(hosts).toEqual([
      `director ${env.hosts.director.address} director`,
      ...env.realServers.map((r) => `${r.name} ${r.address} real_server`),
      `sorry ${env.hosts.sorry.address} real_server`,
    ].sort());
    expect(await ctx.prisma.sshKey.count()).toBe(1);
    expect(await ctx.prisma.auditEvent.count({ where: { action: "lab.register" } })).toBe(2);
  });

  it("pins the fingerprint ssh-keygen computes for the lab's known_hosts entry", async () => {
    const director = await ctx.prisma.host.findFirstOrThrow({ where: { name: "director" } });
    const keygen = execFileSync("ssh-keygen", ["-lf", env.ssh.knownHostsPath], { encoding: "utf8" });
    expect(keygen).toContain(director.hostKeyFingerprint!);
    expect(director.hostKeyAlgorithm).toBe("ssh-ed25519");
  });

  it("the stored key and pinned host key log into the director for real", async () => {
    const director = await ctx.prisma.host.findFirstOrThrow({ where: { name: "director" }, include: { sshKey: true } });
    await assertLabRoute(director.address);
    const r = await pool.exec(targetFromHost(director), ["ipvsadm", "--version"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/ipvsadm v1\.\d+/);
  });
});
