// Import on the real lab (under the lab's lock): the seed's DR keepalived.conf imported as the lab
// cluster's desired state (one version), applied to the Debian director (verified, the run records the
// version), then the plan shows no step; "import what the kernel holds" then changes nothing; `lvs apply
// -f` of the exported YAML is a no-op (exit 0); `lab curl` alternates between rs1 and rs2.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdLab, lab, type LabEnv } from "@/lab/env";
import { registeredLab } from "@/test/support/lab-cluster";
import { userWithToken } from "@/lib/api/testing/panel";
import { documentOfTable, withPanelSettings } from "@/lib/declarative";
import { documentOf, storeDocument } from "@/lib/data/cluster-document";
import { previewKeepalived } from "@/lib/keepalived";
import { migratedDatabase } from "@/test/support/database";
import { fsReader } from "@/bin/commands/fs-reader";

const KEY_SECRET = "import-lab-test-key-secret";
process.env.LVS_PANEL_KEY_SECRET = KEY_SECRET;
const SEED = path.resolve(import.meta.dirname, "../fixtures/keepalived/dr-seed.conf");

let env: LabEnv;
let release: (() => void) | null = null;
let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let dir = "";

beforeAll(async () => {
  ({ env, release } = await holdLab("test/integration/import-lab.int.test.ts", ["director"], { waitMs: 1_200_000 }));
  ctx = await migratedDatabase("lvs_import_lab");
  process.env.DATABASE_URL = ctx.url;
  await registeredLab(ctx.prisma, ctx.url); // LVS_PANEL_KEY_SECRET is set above
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-import-lab-"));
}, 1_300_000);

afterAll(async () => {
  try {
    await lab(["reset"]).catch(() => "");
  } finally {
    release?.();
    await ctx?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

async function waitRun(id: string) {
  for (let i = 0; i < 2400; i++) {
    const r = await ctx.prisma.applyRun.findUniqueOrThrow({ where: { id } });
    if (r.outcome !== "running" && r.outcome !== "planned") return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`apply ${id} still running after 240 s`);
}

describe("the seed's keepalived.conf on the lab director", () => {
  it("import, apply (verified, its version recorded), then the plan has no step; the kernel imported back changes nothing", async () => {
    const { planCluster, readKernelTable, realServerOp, startApply } = await import("@/lib/operations/cluster");
    const cluster = await ctx.prisma.cluster.findUniqueOrThrow({ where: { name: "lab" } });
    const r = previewKeepalived(SEED, fsReader);
    expect(r.ok, JSON.stringify(r.items.filter((i) => i.kind === "refused"))).toBe(true);
    const stored = await storeDocument(ctx.prisma, cluster.id, { ...r.document, cluster: { name: "lab" } }, "import-test", "import");
    expect(stored.changes).toContain("add TCP 10.78.0.100:80");
    const user = await ctx.prisma.user.create({ data: { email: "import@example.test", name: "Import", role: "admin", passwordHash: "x" } });
    const run = await waitRun(await startApply(ctx.prisma, user, cluster.id));
    expect([run.outcome, run.error, run.clusterVersion]).toEqual(["succeeded", null, stored.clusterVersion]);
    const plan = await planCluster(ctx.prisma, cluster.id);
    const director = plan.find((h) => h.role === "director")!;
    expect([director.error, director.steps]).toEqual([null, []]);
    const { result } = documentOfTable(await readKernelTable(ctx.prisma, cluster.id));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // the kernel has no checks: the kernel's IPVS part over the panel's own settings (what the Import page stores)
    const merged = withPanelSettings(result.document, (await documentOf(ctx.prisma, cluster.id))!.document);
    const back = await storeDocument(ctx.prisma, cluster.id, { ...merged, cluster: { name: "lab" } }, "import-test", "import");
    expect([back.changed, back.changes]).toEqual([false, []]);
    // DR on rs1/rs2, then traffic through the VIP alternates (rr)
    const prepared = await realServerOp(ctx.prisma, "import-test", cluster.id, "prepare");
    // (lab register adds the sorry host as a real-server host too: it serves no DR service and says so)
    expect(prepared.filter((p) => p.host === "rs1" || p.host === "rs2").map((p) => [p.host, p.error]).sort()).toEqual([["rs1", null], ["rs2", null]]);
    const lines = (await lab(["curl", "6", "--vip", env.vip.single])).trim().split("\n").filter((l) => /^(rs\d|sorry|ERROR)/.test(l));
    expect(lines).toHaveLength(6);
    const who = lines.map((l) => l.split(/\s/)[0]);
    expect(new Set(who)).toEqual(new Set(["rs1", "rs2"]));
    for (let i = 1; i < who.length; i++) expect(who[i]).not.toBe(who[i - 1]);
  });

  it("lvs apply -f of the exported YAML: no change in the desired state, nothing to apply, exit 0", async () => {
    const { handleApi } = await import("@/lib/api/routes");
    const { applyFileCommand } = await import("@/bin/commands/config");
    const { applyCommand } = await import("@/bin/commands/remote");
    const { processIo } = await import("@/bin/commands/io");
    const token = (await userWithToken(ctx.prisma, "cli@example.test", "admin")).token;
    const cluster = await ctx.prisma.cluster.findUniqueOrThrow({ where: { name: "lab" } });
    const { writeDocument } = await import("@/lib/declarative");
    const file = path.join(dir, "lab.yaml");
    fs.writeFileSync(file, writeDocument((await documentOf(ctx.prisma, cluster.id))!.document, "yaml"));
    const deps = { env: { LVS_URL: "http://127.0.0.1", LVS_TOKEN: token, HOME: dir } as unknown as NodeJS.ProcessEnv,
      fetch: (async (u: string | URL | Request, init?: RequestInit) => handleApi(new Request(u, init))) as typeof fetch };
    let out = "", err = "";
    const io = { ...processIo, out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
    const runs = await ctx.prisma.applyRun.count();
    const code = await applyFileCommand(applyCommand(deps), deps).run(["-f", file], io);
    expect([code, err]).toEqual([0, ""]);
    expect(out).toMatch(/^desired state of lab: no change \(version \d+\)\nthe director already matches: nothing to apply\n$/);
    expect(await ctx.prisma.applyRun.count()).toBe(runs);
  });
});
