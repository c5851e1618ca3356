import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCluster, deleteCluster, updateCluster } from "@/lib/data/clusters";
import { StaleError, UserError } from "@/lib/errors";
import { createHost } from "@/lib/data/hosts";
import { createFirstAdmin, setUserRoleAndState, userVersion } from "@/lib/data/users";
import { loginKeys, loginSucceeded, reserveLoginAttempt } from "@/lib/login-throttle";
import { migratedDatabase } from "../support/database";

// The lib functions behind the server actions, against real PostgreSQL and its constraints.
let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
beforeAll(async () => { ctx = await migratedDatabase("lvs_statetest"); });
afterAll(async () => { await ctx?.close(); });

describe("clusters", () => {
  it("a duplicate name is a UserError at the name field, and nothing else is written", async () => {
    await createCluster(ctx.prisma, { actor: "t@x", source: "ui" }, { name: "dup", description: "", defaultForwardingMethod: "route" });
    const audits = await ctx.prisma.auditEvent.count();
    const err = await createCluster(ctx.prisma, { actor: "t@x", source: "ui" }, { name: "dup", description: "again", defaultForwardingMethod: "route" }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.fields.name).toEqual(["a cluster named dup already exists"]);
    expect(await ctx.prisma.cluster.count({ where: { name: "dup" } })).toBe(1);
    expect(await ctx.prisma.auditEvent.count()).toBe(audits);
  });

  it("a stale version is refused and the first save survives", async () => {
    const c = await createCluster(ctx.prisma, { actor: "t@x", source: "ui" }, { name: "lock", description: "v1", defaultForwardingMethod: "route" });
    const a = await updateCluster(ctx.prisma, { actor: "a@x", source: "ui" }, { id: c.id, version: c.version, name: "lock", description: "by a", defaultForwardingMethod: "route" });
    expect(a.version).toBe(c.version + 1);
    await expect(updateCluster(ctx.prisma, { actor: "b@x", source: "ui" }, { id: c.id, version: c.version, name: "lock", description: "by b", defaultForwardingMethod: "masq" })).rejects.toBeInstanceOf(StaleError);
    const now = await ctx.prisma.cluster.findUniqueOrThrow({ where: { id: c.id } });
    expect([now.description, now.defaultForwardingMethod, now.version]).toEqual(["by a", "route", c.version + 1]);
    await expect(deleteCluster(ctx.prisma, "b@x", c.id, c.version)).rejects.toBeInstanceOf(StaleError);
    await deleteCluster(ctx.prisma, "a@x", c.id, now.version);
    expect(await ctx.prisma.cluster.findUnique({ where: { id: c.id } })).toBeNull();
    const actions = (await ctx.prisma.auditEvent.findMany({ where: { target: "cluster:lock" }, orderBy: { createdAt: "asc" } })).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(["t@x cluster.create", "a@x cluster.update", "a@x cluster.delete"]);
  });

  it("hosts: unknown cluster and duplicate address are refused at their fields", async () => {
    const c = await createCluster(ctx.prisma, { actor: "t@x", source: "ui" }, { name: "hosts", description: "", defaultForwardingMethod: "route" });
    const base = { clusterId: c.id, name: "rs1", address: "10.0.0.11", sshPort: 22, sshUser: "root", sshKeyId: null, role: "real_server" as const };
    await createHost(ctx.prisma, "t@x", base);
    await expect(createHost(ctx.prisma, "t@x", { ...base, clusterId: "nope" })).rejects.toMatchObject({ fields: { clusterId: ["is not a known cluster"] } });
    await expect(createHost(ctx.prisma, "t@x", base)).rejects.toMatchObject({ fields: { name: ["a host named rs1 already exists in this cluster"] } });
    await expect(createHost(ctx.prisma, "t@x", { ...base, name: "rs1b" })).rejects.toMatchObject({ fields: { address: ["10.0.0.11:22 is already a host of this cluster"] } });
  });
});

describe("users", () => {
  it("two simultaneous first-run setups make exactly one admin", async () => {
    const results = await Promise.allSettled([
      createFirstAdmin(ctx.prisma, { email: "one@x.test", name: "One", password: "0123456789" }),
      createFirstAdmin(ctx.prisma, { email: "two@x.test", name: "Two", password: "0123456789" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await ctx.prisma.user.count()).toBe(1);
    await expect(createFirstAdmin(ctx.prisma, { email: "three@x.test", name: "Three", password: "0123456789" })).rejects.toThrow("already set up");
  });

  it("the last active admin cannot be demoted or disabled", async () => {
    const admin = await ctx.prisma.user.findFirstOrThrow({ where: { role: "admin" } });
    const other = await ctx.prisma.user.create({ data: { email: "op@x.test", name: "Op", role: "operator", passwordHash: "x" } });
    await expect(setUserRoleAndState(ctx.prisma, { id: other.id, email: other.email }, admin.id, { role: "viewer", disabled: false }, userVersion(admin))).rejects.toThrow("last active admin");
    await expect(setUserRoleAndState(ctx.prisma, { id: admin.id, email: admin.email }, admin.id, { role: "admin", disabled: true }, userVersion(admin))).rejects.toThrow("cannot demote or disable yourself");
  });
});

describe("login throttling", () => {
  it("an address gets 5 attempts at one account per window, then twice the wait each time; a right password clears it", async () => {
    const keys = loginKeys("192.0.2.9", "victim@x.test");
    const t0 = new Date("2026-01-01T00:00:00Z");
    const at = (ms: number) => new Date(t0.getTime() + ms);
    for (let i = 0; i < 5; i++) expect(await reserveLoginAttempt(ctx.prisma, keys, t0)).toBe(0);
    expect(await reserveLoginAttempt(ctx.prisma, keys, t0)).toBe(1000);
    expect(await reserveLoginAttempt(ctx.prisma, keys, at(1000))).toBe(0);
    expect(await reserveLoginAttempt(ctx.prisma, keys, at(1000))).toBe(2000);
    // another account from the same address, and the same account from another address, are not held up
    expect(await reserveLoginAttempt(ctx.prisma, loginKeys("192.0.2.9", "other@x.test"), at(1000))).toBe(0);
    expect(await reserveLoginAttempt(ctx.prisma, loginKeys("192.0.2.10", "victim@x.test"), at(1000))).toBe(0);
    expect(await reserveLoginAttempt(ctx.prisma, keys, at(3000))).toBe(0);
    await loginSucceeded(ctx.prisma, keys);
    expect(await reserveLoginAttempt(ctx.prisma, keys, at(3000))).toBe(0);
    // a new window starts afresh
    expect(await reserveLoginAttempt(ctx.prisma, loginKeys("192.0.2.9", "other@x.test"), at(16 * 60_000))).toBe(0);
  });
});
