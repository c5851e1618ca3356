// The document's `ha` section on PostgreSQL and on the embedded PGlite: left out while a cluster has
// never had HA (documents and versions stay as they were), stored with the directors' priorities in
// storeDocument's transaction (the HA form's rules, path errors), versions from the HA form, the API's
// priority and the host form, and the password never in a document.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StaleError } from "@/lib/errors";
import { DocumentInvalid, documentOf, previewDocument, storeDocument } from "@/lib/data/cluster-document";
import { getVersion, listVersions, rollbackTo } from "@/lib/data/cluster-versions";
import { createCluster } from "@/lib/data/clusters";
import { createHost, updateHost } from "@/lib/data/hosts";
import { setVrrpPriority, updateHaSettings } from "@/lib/data/ha";
import { haSettingsSchema } from "@/lib/validation/ha";
import { migratedDatabase, migratedPglite } from "@/test/support/database";

const ui = { actor: "ada@x", source: "ui" } as const;
const director = (clusterId: string, name: string, address: string) =>
  ({ clusterId, name, address, sshPort: 22, sshUser: "root", sshKeyId: null, role: "director" as const });
const services = [{ protocol: "tcp", address: "10.7.0.100", port: 80, realServers: [{ address: "10.7.0.11" }] }];
const HA = { enabled: true, interface: "eth1", virtualRouterId: 60, advertInt: 2, preempt: false, preemptDelay: 0, unicast: false, syncDaemon: false };

describe.each([
  ["PostgreSQL", () => migratedDatabase("lvs_document_ha")],
  ["PGlite", () => migratedPglite("lvs-document-ha")],
] as const)("the document's ha section on %s", (_name, open) => {
  let ctx: Awaited<ReturnType<typeof open>>;
  let clusterId = "";
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    ctx = await open();
    clusterId = (await createCluster(ctx.prisma, ui, { name: "pair", description: "", defaultForwardingMethod: "route" })).id;
    for (const [n, a] of [["director1", "10.7.0.1"], ["director2", "10.7.0.2"]] as const) ids[n] = (await createHost(ctx.prisma, "ada@x", director(clusterId, n, a))).id;
    await ctx.prisma.cluster.update({ where: { id: clusterId }, data: { vrrpAuthPass: "s3cret" } });
  });
  afterAll(async () => { await ctx?.close(); });

  it("a cluster that never had HA: no ha in its document; a document without ha leaves the settings alone", async () => {
    const first = await storeDocument(ctx.prisma, clusterId, { version: 1, services }, "ada@x", "cli");
    expect(first.changed).toBe(true);
    expect(Object.keys(first.document)).toEqual(["version", "cluster", "services"]);
    expect(JSON.stringify((await getVersion(ctx.prisma, clusterId, first.clusterVersion!))!.document)).not.toContain("\"ha\"");
  });

  it("storing ha writes the settings and the named directors' priorities, audited, as one version; again: nothing", async () => {
    const before = (await documentOf(ctx.prisma, clusterId))!;
    const preview = await previewDocument(ctx.prisma, clusterId, { version: 1, services, ha: { ...HA, directors: [{ name: "director1", priority: 150 }] } });
    expect(preview.changes.map((c) => c.text)).toEqual(["director HA on", "HA interface eth0 → eth1", "HA virtual router id 51 → 60", "HA advert interval (s) 1 → 2",
      "HA preempt on → off", "HA preempt delay (s) 30 → 0", "HA unicast on → off", "HA connection sync on → off", "HA director director1 priority 100 → 150"]);
    const r = await storeDocument(ctx.prisma, clusterId, { version: 1, services, ha: { ...HA, directors: [{ name: "director1", priority: 150 }] } }, "ada@x", "cli",
      { ifVersion: before.version });
    expect(r.changed).toBe(true);
    expect(r.changes).toEqual([
      "change the HA settings: haEnabled false → true, vrrpInterface eth0 → eth1, vrrpRouterId 51 → 60, vrrpAdvertInt 1 → 2, vrrpPreempt true → false, vrrpPreemptDelay 30 → 0, vrrpUnicast true → false, syncDaemon true → false",
      "change director director1: VRRP priority 100 → 150",
    ]);
    const c = await ctx.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect([c.haEnabled, c.vrrpInterface, c.vrrpRouterId, c.vrrpAdvertInt, c.vrrpPreempt, c.vrrpPreemptDelay, c.vrrpUnicast, c.syncDaemon, c.vrrpAuthPass])
      .toEqual([true, "eth1", 60, 2, false, 0, false, false, "s3cret"]);
    const doc = (await documentOf(ctx.prisma, clusterId))!.document;
    expect(doc.ha).toEqual({ ...HA, directors: [{ name: "director1", priority: 150 }, { name: "director2", priority: 100 }] });
    const v = (await getVersion(ctx.prisma, clusterId, r.clusterVersion!))!;
    expect(v.document.ha).toEqual(doc.ha);
    expect(JSON.stringify(v.document)).not.toContain("s3cret");
    expect(v.changes).toContain("director HA on");
    const audit = await ctx.prisma.auditEvent.findFirstOrThrow({ where: { action: "cluster.ha" }, orderBy: { createdAt: "desc" } });
    expect(JSON.stringify(audit)).not.toContain("s3cret");
    for (const again of [{ version: 1, services, ha: { ...HA, directors: [{ name: "director1", priority: 150 }] } }, { version: 1, services }]) {
      const n = await storeDocument(ctx.prisma, clusterId, again, "ada@x", "cli");
      expect([n.changed, n.version, n.clusterVersion]).toEqual([false, r.version, r.clusterVersion]);
    }
  });

  it("an unknown director, HA with one director, a stale If-Match: refused naming the path, nothing changes", async () => {
    const now = (await documentOf(ctx.prisma, clusterId))!;
    const bad = { version: 1, services, ha: { ...HA, directors: [{ name: "director1", priority: 10 }, { name: "director9", priority: 20 }] } };
    const e = await storeDocument(ctx.prisma, clusterId, bad, "ada@x", "cli").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DocumentInvalid);
    expect((e as DocumentInvalid).errors).toEqual([{ path: "ha.directors[1].name", message: "pair has no director named director9 (directors: director1, director2)" }]);
    await expect(previewDocument(ctx.prisma, clusterId, bad)).rejects.toThrow(/ha\.directors\[1\]\.name/);
    const dup = await storeDocument(ctx.prisma, clusterId, { ...bad, ha: { directors: [{ name: "director1" }, { name: "director1" }] } }, "ada@x", "cli").catch((x: unknown) => x);
    expect((dup as DocumentInvalid).errors.map((x) => x.path)).toEqual(["ha.directors[1].name"]);
    await expect(storeDocument(ctx.prisma, clusterId, { version: 1, services, ha: HA }, "ada@x", "cli", { ifVersion: now.version - 1 })).rejects.toThrow(StaleError);
    const single = (await createCluster(ctx.prisma, ui, { name: "single", description: "", defaultForwardingMethod: "route" })).id;
    await createHost(ctx.prisma, "ada@x", director(single, "director1", "10.8.0.1"));
    const one = await storeDocument(ctx.prisma, single, { version: 1, services: [], ha: { enabled: true } }, "ada@x", "cli").catch((x: unknown) => x);
    expect((one as DocumentInvalid).errors).toEqual([{ path: "ha.enabled",
      message: "needs at least two directors: Director HA needs two directors; single has 1. Add the second director on the Hosts page first." }]);
    expect((await ctx.prisma.host.findUniqueOrThrow({ where: { id: ids.director1! } })).vrrpPriority).toBe(150);
    expect((await documentOf(ctx.prisma, clusterId))!).toEqual(now);
  });

  it("the HA form, the priority and the host form each record a version; rollback brings the settings back", async () => {
    const start = (await listVersions(ctx.prisma, clusterId))[0]!.number;
    const c = await ctx.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    await updateHaSettings(ctx.prisma, ui, haSettingsSchema.parse({ id: clusterId, version: String(c.version), haEnabled: "on", vrrpRouterId: "61", vrrpInterface: "eth1",
      vrrpAdvertInt: "2", vrrpPreempt: "", vrrpPreemptDelay: "0", vrrpUnicast: "", vrrpAuthPass: "s3cret", syncDaemon: "" }));
    await setVrrpPriority(ctx.prisma, { actor: "bob@x", source: "api" }, { hostId: ids.director2!, vrrpPriority: 120 });
    await updateHost(ctx.prisma, ui, { id: ids.director1!, name: "director1", address: "10.7.0.1", sshPort: 22, sshUser: "root", sshKeyId: null, vrrpPriority: 140 });
    const vs = (await listVersions(ctx.prisma, clusterId)).filter((v) => v.number > start);
    expect(vs.map((v) => [v.actor, v.source, v.changes])).toEqual([
      ["ada@x", "ui", ["HA director director1 priority 150 → 140"]],
      ["bob@x", "api", ["HA director director2 priority 100 → 120"]],
      ["ada@x", "ui", ["HA virtual router id 60 → 61"]],
    ]);
    const back = await rollbackTo(ctx.prisma, clusterId, start, "ada@x");
    expect(back.changes).toEqual(["change the HA settings: vrrpRouterId 61 → 60", "change director director1: VRRP priority 140 → 150",
      "change director director2: VRRP priority 120 → 100"]);
    expect((await ctx.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } })).vrrpAuthPass).toBe("s3cret");
  });
});
