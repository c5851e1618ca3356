// Versions of the desired state on real PostgreSQL and on the embedded PGlite: every write through the
// forms' and the API's lib functions and every document store records one (who, source, the document,
// what changed) in its own transaction; writes that change nothing, health state and overrides do not;
// a rollback is a new version holding the earlier document; an apply records the version it pushed.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCluster } from "@/lib/data/clusters";
import { documentOf, storeDocument } from "@/lib/data/cluster-document";
import { getVersion, lastVerifiedVersion, listVersions, rollbackTo } from "@/lib/data/cluster-versions";
import { saveHealthCheck } from "@/lib/data/health-checks";
import { createRealServer, createVirtualService, setRealServerState, updateRealServer } from "@/lib/data/virtual-services";
import { encryptSecret } from "@/lib/crypto";
import { generateKeyPair } from "@/lib/data/ssh-keys";
import { migratedDatabase, migratedPglite } from "@/test/support/database";

vi.mock("server-only", () => ({}));
process.env.LVS_PANEL_KEY_SECRET ??= "cluster-versions-test-key-secret";

const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
const svcInput = (clusterId: string) => ({
  clusterId, protocol: "tcp" as const, address: "10.7.0.100", port: 80, fwmark: null, family: "inet" as const, scheduler: "rr" as const,
  flag1: false, flag2: false, flag3: false, persistenceTimeout: null, persistenceNetmask: null, onePacket: false, sorryAddress: null, sorryPort: null, description: "",
});
const rsInput = (virtualServiceId: string, address: string, weight = 1) => ({
  virtualServiceId, hostId: null, address, port: 80, weight, forwardingMethod: "route" as const, upperThreshold: 0, lowerThreshold: 0,
});

describe.each([
  ["PostgreSQL", () => migratedDatabase("lvs_cluster_versions")],
  ["PGlite", () => migratedPglite("lvs-cluster-versions")],
] as const)("cluster versions on %s", (_name, open) => {
  let ctx: Awaited<ReturnType<typeof open>>;
  let clusterId = "";
  let vsId = "";
  beforeAll(async () => { ctx = await open(); });
  afterAll(async () => { await ctx?.close(); });
  const versions = () => ctx.prisma.clusterVersion.findMany({ where: { clusterId }, orderBy: { number: "asc" } });

  it("each form or API write is a version with who, source and what changed", async () => {
    clusterId = (await createCluster(ctx.prisma, { actor: "ada@x", source: "ui" }, { name: "ver", description: "", defaultForwardingMethod: "route" })).id;
    const vs = await createVirtualService(ctx.prisma, { actor: "ada@x", source: "ui" }, svcInput(clusterId) as never);
    vsId = vs.id;
    const a = (await createRealServer(ctx.prisma, { actor: "ada@x", source: "ui" }, rsInput(vsId, "10.7.0.11"))).realServer;
    // the source is what the caller says (the API's routes: api), never read back from the actor's text
    await createRealServer(ctx.prisma, { actor: "bob@x", source: "api" }, rsInput(vsId, "10.7.0.12"));
    await updateRealServer(ctx.prisma, { actor: "ada@x", source: "ui" }, { ...rsInput(vsId, "10.7.0.11", 4), id: a.id, version: a.version });
    const v = await versions();
    expect(v.map((x) => [x.number, x.actor, x.source, x.changes])).toEqual([
      [1, "ada@x", "ui", []],
      [2, "ada@x", "ui", ["add TCP 10.7.0.100:80 (rr, route, 0 real servers)"]],
      [3, "ada@x", "ui", ["TCP 10.7.0.100:80: add real server 10.7.0.11:80 (weight 1)"]],
      [4, "bob@x", "api", ["TCP 10.7.0.100:80: add real server 10.7.0.12:80 (weight 1)"]],
      [5, "ada@x", "ui", ["TCP 10.7.0.100:80: real server 10.7.0.11:80 weight 1 → 4"]],
    ]);
    expect(plain(v[4]!.document)).toEqual(plain((await documentOf(ctx.prisma, clusterId))!.document));
  });

  it("nothing changed, health state and the health checker's rows: no version", async () => {
    const n = (await versions()).length;
    const doc = (await documentOf(ctx.prisma, clusterId))!;
    expect((await storeDocument(ctx.prisma, clusterId, doc.document, "ada@x", "cli")).clusterVersion).toBe(n);
    const rs = await ctx.prisma.realServer.findFirstOrThrow({ where: { address: "10.7.0.12" } });
    await ctx.prisma.healthState.create({ data: { realServerId: rs.id, status: "down", failures: 3 } });
    expect((await versions()).length).toBe(n);
  });

  it("a check, a drain, a document store: versions with their sources", async () => {
    const n = (await versions()).length;
    await saveHealthCheck(ctx.prisma, { actor: "ada@x", source: "ui" }, { enabled: true, kind: "tcp", port: null, path: "/", hostHeader: null, expectStatus: "200-399", bodyContains: null,
      intervalMs: 5000, timeoutMs: 2000, rise: 2, fall: 3, runFrom: "director", onFail: "quiesce", quorum: 1, virtualServiceId: vsId, version: 0 });
    const rs = await ctx.prisma.realServer.findFirstOrThrow({ where: { address: "10.7.0.12" } });
    await setRealServerState(ctx.prisma, { actor: "ada@x", source: "ui" }, rs.id, "draining", rs.version);
    const doc = (await documentOf(ctx.prisma, clusterId))!.document;
    const next = structuredClone(doc);
    next.services[0]!.realServers[0]!.weight = 0; // the "bad change"
    const r = await storeDocument(ctx.prisma, clusterId, next, "carl@x", "import");
    expect(r.clusterVersion).toBe(n + 3);
    const v = (await versions()).slice(n);
    expect(v.map((x) => [x.source, x.changes])).toEqual([
      ["ui", ["TCP 10.7.0.100:80: add a tcp health check"]],
      ["ui", ["TCP 10.7.0.100:80: real server 10.7.0.12:80 state active → draining"]],
      ["import", ["TCP 10.7.0.100:80: real server 10.7.0.11:80 weight 4 → 0"]],
    ]);
  });

  it("rollback stores the earlier document as a new version; rolling back to the current state adds none", async () => {
    const before = (await versions()).length;
    const r = await rollbackTo(ctx.prisma, clusterId, 5, "ada@x");
    expect(r.clusterVersion).toBe(before + 1);
    const v5 = await getVersion(ctx.prisma, clusterId, 5);
    expect(plain((await documentOf(ctx.prisma, clusterId))!.document)).toEqual(plain(v5!.document));
    const last = (await versions()).at(-1)!;
    expect([last.source, last.actor]).toEqual(["rollback", "ada@x"]);
    expect(last.changes).toEqual([
      "TCP 10.7.0.100:80: remove the tcp health check",
      "TCP 10.7.0.100:80: real server 10.7.0.11:80 weight 0 → 4",
      "TCP 10.7.0.100:80: real server 10.7.0.12:80 state draining → active",
    ]);
    expect((await rollbackTo(ctx.prisma, clusterId, 5, "ada@x")).changed).toBe(false);
    expect((await versions()).length).toBe(before + 1);
    await expect(rollbackTo(ctx.prisma, clusterId, 99, "ada@x")).rejects.toMatchObject({ fields: { version: ["no version 99"] } });
  });

  it("an apply records the version it pushed; rows changed outside the versioned writes become an untracked version first", async () => {
    const { startApply } = await import("@/lib/operations/cluster");
    const p = ctx.prisma;
    const key = generateKeyPair("versions-test");
    const k = await p.sshKey.create({ data: { name: "k", publicKey: key.publicKey, privateKey: encryptSecret(key.privateKey) } });
    // port 9 on loopback: refused at once, so the run fails at its first step (all this needs)
    await p.host.create({ data: { clusterId, name: "director", address: "127.0.0.1", sshPort: 9, role: "director", sshKeyId: k.id, hostKeyFingerprint: "SHA256:" + "A".repeat(43), hostKeyAlgorithm: "ssh-ed25519" } });
    const user = await p.user.create({ data: { email: "ada@example.test", name: "Ada", role: "admin", passwordHash: "x" } });
    const latest = (await versions()).at(-1)!.number;
    const run1 = await startApply(p, user, clusterId, { waitMs: 5000 });
    await p.realServer.updateMany({ where: { address: "10.7.0.12" }, data: { weight: 7 } });
    await waitDone(run1);
    const run2 = await startApply(p, user, clusterId, { waitMs: 5000 });
    await waitDone(run2);
    const runs = await p.applyRun.findMany({ where: { id: { in: [run1, run2] } }, orderBy: { startedAt: "asc" } });
    expect(runs.map((r) => r.clusterVersion)).toEqual([latest, latest + 1]);
    const untracked = (await versions()).at(-1)!;
    expect([untracked.source, untracked.changes]).toEqual(["untracked", ["TCP 10.7.0.100:80: real server 10.7.0.12:80 weight 1 → 7"]]);
    const list = await listVersions(p, clusterId);
    expect(list[0]!.applies.map((a) => a.id)).toEqual([run2]);
    expect(list[1]!.applies.map((a) => a.id)).toEqual([run1]);
    // neither run verified (the director is a closed port)
    expect(await lastVerifiedVersion(p, clusterId)).toBeNull();
    await p.applyRun.update({ where: { id: run1 }, data: { outcome: "succeeded" } });
    expect(await lastVerifiedVersion(p, clusterId)).toBe(latest);
  });

  async function waitDone(id: string) {
    for (let i = 0; i < 600; i++) {
      const r = await ctx.prisma.applyRun.findUniqueOrThrow({ where: { id } });
      if (r.outcome !== "running") return r;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`apply ${id} still running after 60 s`);
  }
});
