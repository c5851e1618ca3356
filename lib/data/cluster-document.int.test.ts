// The document <-> rows bridge on real PostgreSQL and on the embedded PGlite: what is stored reads back
// as the same document, storing it again writes nothing, a change writes only the rows it names, a bad
// value is refused naming its path and changes nothing, a stale If-Match is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StaleError } from "@/lib/errors";
import { healthCheckSchema, validateDocument, type ClusterDocument, type DocumentInput } from "@/lib/declarative";
import { canonicalDocument, DocumentInvalid, documentOf, storeDocument } from "@/lib/data/cluster-document";
import { createRealServer, createVirtualService } from "@/lib/data/virtual-services";
import { realServerSchema, virtualServiceSchema } from "@/lib/validation/virtual-service";
import { migratedDatabase, migratedPglite } from "@/test/support/database";

const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
const normalized = (x: DocumentInput): ClusterDocument => {
  const v = validateDocument(x);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return plain(canonicalDocument(v.document));
};

const check = { kind: "http" as const, path: "/health", expectStatus: "200", intervalMs: 3000, timeoutMs: 1000, rise: 1, fall: 2, quorum: 2 };
/** The shapes the tests build: DR with a check and a sorry server, NAT on other ports, fwmark with persistence, IPv6, TUN, UDP with ops. */
const SHAPES: DocumentInput = {
  version: 1,
  cluster: { name: "doc", description: "web tier" },
  services: [
    { protocol: "tcp", address: "10.0.0.100", port: 80, scheduler: "wrr", description: "www", healthCheck: check, sorryServer: { address: "10.0.0.9", port: 80 },
      realServers: [{ address: "10.0.0.11", weight: 5 }, { address: "10.0.0.12", weight: 3, state: "draining" }, { address: "10.0.0.13", state: "disabled", upperThreshold: 100, lowerThreshold: 10 }] },
    { protocol: "tcp", address: "10.0.0.101", port: 443, forward: "masq", scheduler: "lc", persistence: { timeout: 300, netmask: 24 },
      realServers: [{ address: "192.168.1.11", port: 8443 }, { address: "192.168.1.12", port: 8444, weight: 2 }] },
    { protocol: "fwmark", fwmark: 7, scheduler: "sh", flags: ["sh-port"], persistence: { timeout: 60 }, realServers: [{ address: "10.0.0.21" }, { address: "10.0.0.22" }] },
    { protocol: "tcp", address: "2001:db8::100", port: 80, forward: "tunnel", realServers: [{ address: "2001:db8::11" }] },
    { protocol: "udp", address: "10.0.0.100", port: 53, ops: true, scheduler: "rr", realServers: [{ address: "10.0.0.11" }, { address: "10.0.0.12", forward: "masq", port: 5353 }] },
  ],
};

describe.each([
  ["PostgreSQL", () => migratedDatabase("lvs_cluster_document")],
  ["PGlite", () => migratedPglite("lvs-cluster-document")],
] as const)("the cluster document on %s", (_name, open) => {
  let ctx: Awaited<ReturnType<typeof open>>;
  let clusterId = "";
  beforeAll(async () => {
    ctx = await open();
    clusterId = (await ctx.prisma.cluster.create({ data: { name: "doc" } })).id;
  });
  afterAll(async () => { await ctx?.close(); });

  it("documentOf(storeDocument(x)) is x, and storing x again writes nothing", async () => {
    const first = await storeDocument(ctx.prisma, clusterId, SHAPES, "ada@x", "cli");
    expect(first.changed).toBe(true);
    expect(first.changes).toContain("add TCP 10.0.0.100:80");
    const read = await documentOf(ctx.prisma, clusterId);
    expect(plain(read!.document)).toEqual(normalized(SHAPES));
    expect(plain(first.document)).toEqual(normalized(SHAPES));
    expect(await ctx.prisma.realServer.count()).toBe(10);
    const audits = await ctx.prisma.auditEvent.count();
    const updatedAt = (await ctx.prisma.realServer.findMany({ orderBy: { id: "asc" } })).map((r) => r.updatedAt.getTime());
    // the same document, and the document as read back (services in another order): no write at all
    for (const again of [SHAPES, read!.document, { ...SHAPES, services: [...SHAPES.services].reverse() }]) {
      const r = await storeDocument(ctx.prisma, clusterId, again, "ada@x", "cli");
      expect([r.changed, r.changes, r.version]).toEqual([false, [], first.version]);
    }
    expect(await ctx.prisma.auditEvent.count()).toBe(audits);
    expect((await ctx.prisma.realServer.findMany({ orderBy: { id: "asc" } })).map((r) => r.updatedAt.getTime())).toEqual(updatedAt);
  });

  it("one weight changed: only that real server's row is written; the others keep their ids, versions and health state", async () => {
    const before = await ctx.prisma.realServer.findMany({ orderBy: { id: "asc" } });
    const target = before.find((r) => r.address === "10.0.0.11" && r.port === 80)!;
    await ctx.prisma.healthState.create({ data: { realServerId: target.id, status: "up", successes: 3 } });
    const doc = (await documentOf(ctx.prisma, clusterId))!;
    const next = structuredClone(doc.document);
    next.services.find((s) => s.port === 80 && s.protocol === "tcp" && s.address === "10.0.0.100")!.realServers[0]!.weight = 9;
    const r = await storeDocument(ctx.prisma, clusterId, next, "ada@x", "api", { ifVersion: doc.version });
    expect(r.changes).toEqual(["change 10.0.0.11:80 in TCP 10.0.0.100:80: weight 5 → 9"]);
    expect(r.version).toBe(doc.version + 1);
    const after = await ctx.prisma.realServer.findMany({ orderBy: { id: "asc" } });
    expect(after.map((x) => x.id)).toEqual(before.map((x) => x.id));
    expect(after.map((x) => x.version)).toEqual(before.map((x) => (x.id === target.id ? x.version + 1 : x.version)));
    expect((await ctx.prisma.healthState.findUnique({ where: { realServerId: target.id } }))?.status).toBe("up");
    expect(plain((await documentOf(ctx.prisma, clusterId))!.document)).toEqual(plain(next));
    const audit = await ctx.prisma.auditEvent.findFirstOrThrow({ where: { action: "cluster.document.store" }, orderBy: { createdAt: "desc" } });
    expect(audit.after).toEqual({ source: "api", changes: r.changes });
  });

  it("removals, a port change (NAT) and a dropped check", async () => {
    const doc = (await documentOf(ctx.prisma, clusterId))!.document;
    const next = structuredClone(doc);
    next.services = next.services.filter((s) => s.protocol !== "fwmark");
    const www = next.services.find((s) => s.address === "10.0.0.100" && s.port === 80)!;
    www.healthCheck = null;
    www.realServers = www.realServers.filter((r) => r.address !== "10.0.0.13");
    next.services.find((s) => s.port === 443)!.realServers[0]!.port = 9443;
    const r = await storeDocument(ctx.prisma, clusterId, next, "ada@x", "ui");
    expect(r.changes.sort()).toEqual([
      "add 192.168.1.11:9443 to TCP 10.0.0.101:443 (weight 1)", "remove 10.0.0.13:80 from TCP 10.0.0.100:80", "remove 192.168.1.11:8443 from TCP 10.0.0.101:443",
      "remove FWM 7", "remove the health check of TCP 10.0.0.100:80",
    ]);
    expect(plain((await documentOf(ctx.prisma, clusterId))!.document)).toEqual(normalized(next));
    expect(await ctx.prisma.healthCheck.count()).toBe(0);
  });

  it("a bad value is refused naming its path and changes nothing; so are a stale If-Match and another cluster's document", async () => {
    const before = await documentOf(ctx.prisma, clusterId);
    const audits = await ctx.prisma.auditEvent.count();
    const bad = structuredClone(before!.document) as unknown as { services: { realServers: { weight: number }[] }[] };
    bad.services[1]!.realServers[0]!.weight = -1;
    const e = await storeDocument(ctx.prisma, clusterId, bad, "ada@x", "cli").catch((x) => x);
    expect(e).toBeInstanceOf(DocumentInvalid);
    expect(e.errors.map((x: { path: string }) => x.path)).toEqual(["services[1].realServers[0].weight"]);
    expect(e.fields["services[1].realServers[0].weight"]).toHaveLength(1);
    const quorum = structuredClone(before!.document);
    quorum.services[0]!.healthCheck = healthCheckSchema.parse({ quorum: 50 });
    const q = await storeDocument(ctx.prisma, clusterId, quorum, "ada@x", "cli").catch((x) => x);
    expect(q).toBeInstanceOf(DocumentInvalid);
    expect(q.errors.map((x: { path: string }) => x.path)).toEqual(["services[0].healthCheck.quorum"]);
    const other = await storeDocument(ctx.prisma, clusterId, { ...before!.document, cluster: { name: "prod" } }, "ada@x", "cli").catch((x) => x);
    expect(other.errors).toEqual([{ path: "cluster.name", message: "the document is of cluster prod, not doc" }]);
    const next = structuredClone(before!.document);
    next.services[0]!.description = "stale";
    await expect(storeDocument(ctx.prisma, clusterId, next, "ada@x", "cli", { ifVersion: before!.version - 1 })).rejects.toBeInstanceOf(StaleError);
    expect(await documentOf(ctx.prisma, clusterId)).toEqual(before);
    expect(await ctx.prisma.auditEvent.count()).toBe(audits);
  });

  it("documentOf reads the rows as the validator would have them, rows the forms wrote included (a blank netmask, flags, IPv6)", async () => {
    const c = await ctx.prisma.cluster.create({ data: { name: "forms-doc" } });
    const by = { actor: "ada@x", source: "ui" as const };
    const form = { clusterId: c.id, protocol: "tcp", scheduler: "sh", flag1: "on", persistenceTimeout: "300" };
    const a = await createVirtualService(ctx.prisma, by, virtualServiceSchema.parse({ ...form, address: "10.9.0.1", port: "80", sorryAddress: "10.9.0.9", sorryPort: "80" }));
    const b = await createVirtualService(ctx.prisma, by, virtualServiceSchema.parse({ ...form, address: "2001:DB8::1", port: "443", forwardingMethod: "masq" }));
    await createVirtualService(ctx.prisma, by, virtualServiceSchema.parse({ ...form, protocol: "fwmark", fwmark: "9", family: "inet6", persistenceNetmask: "64" }));
    for (const [vs, address, port] of [[a, "10.9.0.11", "80"], [a, "10.9.0.12", "80"], [b, "2001:db8::11", "8443"]] as const)
      await createRealServer(ctx.prisma, by, realServerSchema.parse({ virtualServiceId: vs.id, address, port, weight: "2", forwardingMethod: vs.forwardingMethod }));
    const read = plain((await documentOf(ctx.prisma, c.id))!.document);
    expect(read.services.map((s: { persistence: { netmask: string } }) => s.persistence.netmask).sort()).toEqual(["128", "255.255.255.255", "64"]);
    expect(read).toEqual(normalized(read));
  });
});
