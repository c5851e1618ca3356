// The directors' HA rows on PostgreSQL and on the embedded PGlite: priorities written by the host
// functions, settings by updateHaSettings (two directors needed, version checked), the stored
// readings judged by loadDirectorsView.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StaleError, UserError } from "@/lib/errors";
import { createCluster } from "@/lib/data/clusters";
import { createHost, updateHost } from "@/lib/data/hosts";
import { saveDirectorState, updateHaSettings } from "@/lib/data/ha";
import { loadDirectorsView } from "@/lib/data/ha-view";
import { haSettingsSchema } from "@/lib/validation/ha";
import { migratedDatabase, migratedPglite } from "@/test/support/database";

const host = (clusterId: string, name: string, address: string, vrrpPriority?: number) =>
  ({ clusterId, name, address, sshPort: 22, sshUser: "root", sshKeyId: null, role: "director" as const, vrrpPriority });
const form = (id: string, version: number, over: Record<string, string> = {}) => haSettingsSchema.parse({
  id, version: String(version), haEnabled: "on", vrrpRouterId: "51", vrrpInterface: "eth0", vrrpAdvertInt: "1", vrrpPreempt: "on", vrrpPreemptDelay: "30",
  vrrpUnicast: "on", vrrpAuthPass: "", syncDaemon: "on", ...over });

describe.each([
  ["PostgreSQL", () => migratedDatabase("lvs_ha_view")],
  ["PGlite", () => migratedPglite("lvs-ha-view")],
] as const)("director HA rows on %s", (_name, open) => {
  let ctx: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => { ctx = await open(); });
  afterAll(async () => { await ctx?.close(); });

  it("settings need two directors and the version read; readings are judged on load", async () => {
    const c = await createCluster(ctx.prisma, { actor: "ada@x", source: "ui" }, { name: "pair", description: "", defaultForwardingMethod: "route" });
    const d1 = await createHost(ctx.prisma, "ada@x", host(c.id, "director1", "10.5.0.1", 200));
    await expect(updateHaSettings(ctx.prisma, { actor: "ada@x", source: "ui" }, form(c.id, c.version))).rejects.toThrow(UserError);
    const d2 = await createHost(ctx.prisma, "ada@x", host(c.id, "director2", "10.5.0.2"));
    const after = await updateHaSettings(ctx.prisma, { actor: "ada@x", source: "ui" }, form(c.id, c.version, { vrrpAdvertInt: "2" }));
    expect([after.haEnabled, after.vrrpAdvertInt, after.version]).toEqual([true, 2, c.version + 1]);
    await expect(updateHaSettings(ctx.prisma, { actor: "ada@x", source: "ui" }, form(c.id, c.version))).rejects.toThrow(StaleError);
    await updateHost(ctx.prisma, { actor: "ada@x", source: "ui" }, { id: d2.id, name: "director2", address: "10.5.0.2", sshPort: 22, sshUser: "root", sshKeyId: null, vrrpPriority: 180 });

    await saveDirectorState(ctx.prisma, d1.id, { keepalived: "running", vrrpState: "MASTER", vipsHeld: ["10.5.0.100"], syncDaemon: "master", syncedConns: 0, behind: false }, null);
    await saveDirectorState(ctx.prisma, d2.id, { keepalived: "stopped", vrrpState: null, vipsHeld: [], syncDaemon: "", syncedConns: null, behind: false }, null);
    const v = (await loadDirectorsView(ctx.prisma, c.id))!;
    expect(v.directors.map((d) => [d.name, d.priority, d.state])).toEqual([["director1", 200, "MASTER"], ["director2", 180, "STOPPED"]]);
    expect(v.failover).toMatchObject({ backup: "director2", priority: 180 });
    expect(await loadDirectorsView(ctx.prisma, "no-such-cluster")).toBeNull();
  });
});
