// A virtual service's forwarding method is stored (VirtualService.forwardingMethod), on real PostgreSQL
// and on the embedded PGlite: a service without real servers keeps its forward through export → import
// (YAML and keepalived.conf's lb_kind), the forms write it (blank: the cluster's default), its real
// servers keep their own, and the migration's backfill picks most real servers' method, else the default.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDocument, writeDocument } from "@/lib/declarative";
import { exportDocument, importKeepalived, memoryReader, parseConfig } from "@/lib/keepalived";
import { documentOf, storeDocument } from "@/lib/data/cluster-document";
import { createRealServer, createVirtualService, updateVirtualService } from "@/lib/data/virtual-services";
import { realServerSchema, virtualServiceSchema, virtualServiceUpdateSchema } from "@/lib/validation/virtual-service";
import { migratedDatabase, migratedPglite } from "@/test/support/database";

const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
const BACKFILL = readFileSync(path.resolve(import.meta.dirname, "../../prisma/migrations/20261204020000_service_forwarding_method/migration.sql"), "utf8")
  .split(";").map((s) => s.replace(/^\s*--.*$/gm, "").trim()).find((s) => s.startsWith("UPDATE"))!;

const EMPTY_SERVICES = {
  version: 1, cluster: { name: "fwd" },
  services: [
    { protocol: "tcp", address: "10.0.0.100", port: 80, forward: "masq" },
    { protocol: "tcp", address: "10.0.0.100", port: 443, forward: "tunnel" },
    { protocol: "udp", address: "10.0.0.100", port: 53, forward: "route" },
    // a service's method and one real server with another: each keeps its own
    { protocol: "tcp", address: "10.0.0.101", port: 80, forward: "tunnel", realServers: [{ address: "10.0.0.11" }, { address: "10.0.0.12", forward: "route" }] },
  ],
};

describe.each([
  ["PostgreSQL", () => migratedDatabase("lvs_service_forwarding")],
  ["PGlite", () => migratedPglite("lvs-service-forwarding")],
] as const)("a service's forwarding method on %s", (_name, open) => {
  let ctx: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => { ctx = await open(); });
  afterAll(async () => { await ctx?.close(); });

  it("services without real servers keep their forward: store → read → YAML → read → store is a no-op", async () => {
    const c = await ctx.prisma.cluster.create({ data: { name: "fwd", defaultForwardingMethod: "route" } });
    await storeDocument(ctx.prisma, c.id, EMPTY_SERVICES, "ada@x", "cli");
    const read = (await documentOf(ctx.prisma, c.id))!.document;
    expect(read.services.map((s) => [s.port, s.forward, s.realServers.map((r) => r.forward ?? null)]))
      .toEqual([[80, "masq", []], [443, "tunnel", []], [80, "tunnel", [null, "route"]], [53, "route", []]]);
    const rows = await ctx.prisma.realServer.findMany({ where: { virtualService: { clusterId: c.id } }, orderBy: { address: "asc" } });
    expect(rows.map((r) => r.forwardingMethod)).toEqual(["tunnel", "route"]);
    const yaml = writeDocument(read, "yaml");
    const back = readDocument(yaml, "yaml");
    if (!back.ok) throw new Error(JSON.stringify(back.errors));
    const again = await storeDocument(ctx.prisma, c.id, back.document, "ada@x", "cli");
    expect([again.changed, again.changes]).toEqual([false, []]);
    // the service's forward alone changes: one service row, its real servers keep theirs only when explicit
    const next = structuredClone(read);
    next.services[0]!.forward = "route";
    const r = await storeDocument(ctx.prisma, c.id, next, "ada@x", "cli");
    expect(r.changes).toEqual(["change TCP 10.0.0.100:80: forwardingMethod"]);
    expect(plain((await documentOf(ctx.prisma, c.id))!.document)).toEqual(plain(next));
  });

  it("keepalived.conf: lb_kind of a virtual_server without real_server survives import → export", async () => {
    const c = await ctx.prisma.cluster.create({ data: { name: "ka", defaultForwardingMethod: "masq" } });
    const conf = "virtual_server 10.0.0.200 80 {\n  lb_algo rr\n  lb_kind TUN\n  protocol TCP\n}\nvirtual_server 10.0.0.200 81 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n}\n";
    const imported = importKeepalived(parseConfig("/etc/keepalived/keepalived.conf", memoryReader({ "/etc/keepalived/keepalived.conf": conf })));
    expect(imported.ok).toBe(true);
    await storeDocument(ctx.prisma, c.id, { ...imported.document!, cluster: { name: "ka" } }, "ada@x", "import");
    const doc = (await documentOf(ctx.prisma, c.id))!.document;
    expect(doc.services.map((s) => s.forward)).toEqual(["tunnel", "route"]);
    const out = exportDocument(doc, "keepalived");
    if (!("text" in out)) throw new Error(JSON.stringify(out));
    expect(out.text.match(/lb_kind \w+/g)).toEqual(["lb_kind TUN", "lb_kind DR"]);
  });

  it("the forms: blank is the cluster's default, an edit without it keeps it, a new real server's form default is the service's", async () => {
    const c = await ctx.prisma.cluster.create({ data: { name: "forms", defaultForwardingMethod: "masq" } });
    const form = { clusterId: c.id, protocol: "tcp", address: "10.0.0.50", scheduler: "wlc" };
    const a = await createVirtualService(ctx.prisma, { actor: "ada@x", source: "ui" }, virtualServiceSchema.parse({ ...form, port: "80" }));
    const b = await createVirtualService(ctx.prisma, { actor: "ada@x", source: "ui" }, virtualServiceSchema.parse({ ...form, port: "81", forwardingMethod: "tunnel" }));
    expect([a.forwardingMethod, b.forwardingMethod]).toEqual(["masq", "tunnel"]);
    expect(virtualServiceSchema.safeParse({ ...form, port: "82", forwardingMethod: "dr" }).error?.issues.map((i) => i.path.join("."))).toEqual(["forwardingMethod"]);
    const kept = await updateVirtualService(ctx.prisma, { actor: "ada@x", source: "ui" }, virtualServiceUpdateSchema.parse({ ...form, port: "81", id: b.id, version: b.version, description: "x" }));
    expect(kept.forwardingMethod).toBe("tunnel");
    const moved = await updateVirtualService(ctx.prisma, { actor: "ada@x", source: "ui" }, virtualServiceUpdateSchema.parse({ ...form, port: "81", id: b.id, version: kept.version, description: "x", forwardingMethod: "route" }));
    expect(moved.forwardingMethod).toBe("route");
    await createRealServer(ctx.prisma, { actor: "ada@x", source: "ui" }, realServerSchema.parse({ virtualServiceId: a.id, address: "192.168.0.5", port: "8080", weight: "1", forwardingMethod: "masq" }));
    const doc = (await documentOf(ctx.prisma, c.id))!.document;
    expect(doc.services.map((s) => [s.port, s.forward, s.description])).toEqual([[80, "masq", ""], [81, "route", "x"]]);
    const versions = await ctx.prisma.clusterVersion.findMany({ where: { clusterId: c.id }, orderBy: { number: "asc" } });
    expect(versions.at(-2)!.changes).toEqual(["TCP 10.0.0.50:81: forward tunnel → route"]);
  });

  it("the migration's backfill: most real servers' method (ties: the first by name), none: the cluster's default", async () => {
    const c = await ctx.prisma.cluster.create({ data: { name: "backfill", defaultForwardingMethod: "tunnel" } });
    const vs = (port: number) => ctx.prisma.virtualService.create({ data: { clusterId: c.id, protocol: "tcp", address: "10.0.0.60", port, forwardingMethod: "route" } });
    const [none, nat, tie] = [await vs(1), await vs(2), await vs(3)];
    const rs = (id: string, n: number, m: "route" | "masq" | "tunnel") =>
      ctx.prisma.realServer.create({ data: { virtualServiceId: id, address: `192.168.0.${n}`, port: 8080, forwardingMethod: m } });
    await rs(nat.id, 1, "masq"); await rs(nat.id, 2, "masq"); await rs(nat.id, 3, "route");
    await rs(tie.id, 4, "tunnel"); await rs(tie.id, 5, "masq");
    await ctx.prisma.$executeRawUnsafe(BACKFILL);
    const after = await ctx.prisma.virtualService.findMany({ where: { clusterId: c.id }, orderBy: { port: "asc" } });
    expect(after.map((s) => [s.id, s.forwardingMethod])).toEqual([[none.id, "tunnel"], [nat.id, "masq"], [tie.id, "masq"]]);
  });
});
