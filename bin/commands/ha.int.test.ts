// The director-HA verbs of `lvs` against the panel's router in this process (its fetch is the router
// itself) on real PostgreSQL: `lvs ha` shows and changes the settings, `lvs status` prints each
// director's VRRP role from the stored readings (split brain: exit 1), `lvs failover` is refused with
// exit 7 on a cluster without HA and exit 5 for a viewer. The lab test switches over real directors.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleApi } from "@/lib/api/routes";
import { inProcessApi } from "@/lib/api/testing/in-process";
import { userWithToken } from "@/lib/api/testing/panel";
import { saveDirectorState } from "@/lib/data/ha";
import { migratedDatabase } from "@/test/support/database";
import { EXIT } from "./exit";
import { failoverCommand, haCommand } from "./ha";
import { processIo, UsageError, type Command } from "./io";
import { statusCommand, type RemoteDeps } from "./remote";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let op = "", viewer = "";
let dir = "";
const call = inProcessApi(() => op);
const deps = (token: string): RemoteDeps => ({ env: { LVS_URL: "http://127.0.0.1", LVS_TOKEN: token, HOME: dir } as unknown as NodeJS.ProcessEnv,
  fetch: (async (u: string | URL | Request, init?: RequestInit) => handleApi(new Request(u, init))) as typeof fetch });

async function lvs(cmd: (d: RemoteDeps) => Command, args: string[], token = op): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await cmd(deps(token)).run(args, { ...processIo, out: (t) => void (out += t), err: (t) => void (err += t) })
    .catch((e) => { if (e instanceof UsageError) return EXIT.usage; throw e; });
  return { code, out, err };
}

beforeAll(async () => {
  ctx = await migratedDatabase("lvs_ha_cli");
  process.env.DATABASE_URL = ctx.url;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-ha-cli-"));
  op = (await userWithToken(ctx.prisma, "op@example.test", "operator", { name: "ha-cli" })).token;
  viewer = (await userWithToken(ctx.prisma, "viewer@example.test", "viewer", { name: "ha-cli-viewer" })).token;
  expect((await call("POST", "/clusters", { name: "pair" })).status).toBe(201);
  expect((await call("POST", "/clusters/pair/hosts", { name: "director1", address: "10.6.0.1", role: "director", vrrpPriority: 150 })).status).toBe(201);
  expect((await call("POST", "/clusters/pair/hosts", { name: "director2", address: "10.6.0.2", role: "director" })).status).toBe(201);
}, 300_000);

afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("lvs ha", () => {
  it("shows the settings; --enable with options changes them (If-Match of the version read)", async () => {
    const show = await lvs(haCommand, ["pair"]);
    expect(show.code).toBe(EXIT.ok);
    expect(show.out).toContain("director HA off for pair: interface eth0, virtual_router_id 51, advert_int 1 s");
    const on = await lvs(haCommand, ["pair", "--enable", "--interface", "ens4", "--router-id", "60", "--advert-int", "2"]);
    expect([on.code, on.err]).toEqual([EXIT.ok, ""]);
    expect(on.out).toContain("director HA on for pair: interface ens4, virtual_router_id 60, advert_int 2 s");
    expect(on.out).toContain("apply to write it to the directors: lvs apply pair");
    expect((await ctx.prisma.cluster.findUniqueOrThrow({ where: { name: "pair" } })).haEnabled).toBe(true);
  });

  it("a refused value is exit 7 naming the member; a viewer's change exit 5; bad flags exit 2", async () => {
    const bad = await lvs(haCommand, ["pair", "--router-id", "300"]);
    expect(bad.code).toBe(EXIT.refused);
    expect(bad.err).toMatch(/vrrpRouterId: must be 1-255/);
    expect((await lvs(haCommand, ["pair", "--disable"], viewer)).code).toBe(EXIT.auth);
    expect((await lvs(haCommand, ["pair", "--enable", "--disable"])).code).toBe(EXIT.usage);
    expect((await lvs(haCommand, ["pair", "--advert-int", "fast"])).code).toBe(EXIT.usage);
  });
});

describe("lvs status", () => {
  it("prints each director's role; split brain is loud and exit 1", async () => {
    const ids = Object.fromEntries((await ctx.prisma.host.findMany({ where: { role: "director" } })).map((h) => [h.name, h.id]));
    const r = (state: "MASTER" | "BACKUP", vips: string[]) => ({ keepalived: "running" as const, vrrpState: state, vipsHeld: vips, syncDaemon: state.toLowerCase(), syncedConns: 2, behind: false });
    await saveDirectorState(ctx.prisma, ids.director1!, r("MASTER", ["10.6.0.100"]), null);
    await saveDirectorState(ctx.prisma, ids.director2!, r("BACKUP", []), null);
    const s = await lvs(statusCommand, ["pair", "--no-arp"]);
    // the director's table cannot be read here (no trusted host key): exit 1 as before, the roles still print
    expect(s.code).toBe(EXIT.failed);
    expect(s.out).toMatch(/Directors \(HA on, advert_int 2 s; expected failover 7\.2 s to director2\)/);
    expect(s.out).toMatch(/director1 +150 +MASTER +10\.6\.0\.100 +master +2/);
    expect(s.out).toMatch(/director2 +100 +BACKUP +- +backup +2/);
    expect(s.out).not.toContain("SPLIT BRAIN");
    await saveDirectorState(ctx.prisma, ids.director2!, r("MASTER", ["10.6.0.100"]), null);
    const split = await lvs(statusCommand, ["pair", "--no-arp", "--json"]);
    expect(JSON.parse(split.out).directors.splitBrain.vips).toEqual([{ vip: "10.6.0.100", holders: ["director1", "director2"] }]);
    expect((await lvs(statusCommand, ["pair", "--no-arp"])).out).toContain("SPLIT BRAIN: 10.6.0.100 held by director1 and director2; MASTER on director1 and director2");
  });
});

describe("lvs failover", () => {
  it("exit 7 with the panel's reason when refused, 5 for a viewer, 6 for an unknown cluster", async () => {
    expect((await call("POST", "/clusters", { name: "single" })).status).toBe(201);
    const r = await lvs(failoverCommand, ["single"]);
    expect(r.code).toBe(EXIT.refused);
    expect(r.err).toContain("single has no director HA: there is no backup to switch over to.");
    expect((await lvs(failoverCommand, ["pair", "--to", "director2"], viewer)).code).toBe(EXIT.auth);
    expect((await lvs(failoverCommand, ["nope"])).code).toBe(EXIT.notFound);
    expect((await lvs(failoverCommand, [])).code).toBe(EXIT.usage);
  });
});
