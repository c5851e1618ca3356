// The health overlay on real PostgreSQL: the desired state an operator's Apply pushes keeps what the
// health checker decided (down → weight 0, all down → sorry server in), so the plan against a kernel
// the checker already changed is empty; without the overlay the same plan would undo the checker.
// And loadDesired reads the operator's own last run for desired.owned, never the checker's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { desiredCore, loadDesired, type Desired } from "@/lib/desired/desired";
import { parseSave, renderTable } from "@/lib/ipvs";
import { loadDesiredWithHealth } from "@/lib/health/overlay";
import { migratedDatabase } from "@/test/support/database";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let clusterId = "";
const ids: Record<string, string> = {};

beforeAll(async () => {
  ctx = await migratedDatabase("lvs_overlay");
  const p = ctx.prisma;
  const c = await p.cluster.create({ data: { name: "overlay" } });
  clusterId = c.id;
  const vs = await p.virtualService.create({ data: { clusterId, protocol: "tcp", address: "10.0.0.100", port: 80, scheduler: "rr", sorryAddress: "10.0.0.9", sorryPort: 80 } });
  ids.vs = vs.id;
  for (const [n, a, w] of [["rs1", "10.0.0.11", 3], ["rs2", "10.0.0.12", 1]] as const) {
    ids[n] = (await p.realServer.create({ data: { virtualServiceId: vs.id, address: a, port: 80, weight: w } })).id;
  }
  await p.healthCheck.create({ data: { virtualServiceId: vs.id, kind: "tcp" } });
});

afterAll(async () => {
  await ctx?.close();
});

async function setStatus(rs: "rs1" | "rs2", status: "up" | "down" | "unknown") {
  await ctx.prisma.healthState.upsert({ where: { realServerId: ids[rs]! }, create: { realServerId: ids[rs]!, status }, update: { status } });
}

/** The desired table as `ipvsadm -S -n` lines (lib/ipvs renderTable), to read in the expectations. */
const lines = (d: Desired): string => renderTable(d.table);

/** desiredCore's plan of the desired state against a kernel holding `save` (as ops.ts plans); its lines parse back to its table. */
function planAgainst(d: Desired, save: string): string[] {
  expect(d.table).toStrictEqual(parseSave(lines(d)));
  return desiredCore.plan(desiredCore.validate({ table: d.table, remove: d.remove }), { save, thresholds: "" }).map((s) => s.text);
}

describe("health overlay on the desired state", () => {
  it("without health state the desired state is the operator's", async () => {
    const d = await loadDesiredWithHealth(ctx.prisma, clusterId);
    expect(d.health).toEqual([]);
    expect(d.table).toStrictEqual((await loadDesired(ctx.prisma, clusterId)).table);
    expect(d.table).toStrictEqual(parseSave(lines(d))); // the rows' table is what their lines parse to
    expect(lines(d)).toContain("-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 3");
  });

  it("a real server health holds down stays at weight 0; Apply plans nothing against the checker's kernel", async () => {
    await setStatus("rs1", "down");
    await setStatus("rs2", "up");
    const d = await loadDesiredWithHealth(ctx.prisma, clusterId);
    expect(lines(d)).toContain("-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 0");
    expect(lines(d)).toContain("-a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 1");
    expect(lines(d)).not.toContain("10.0.0.9");
    expect(d.health.join(" ")).toMatch(/10\.0\.0\.11:80 is down: weight 0/);
    // the kernel as the health checker left it
    const kernel = "-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 0\n-a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 1\n";
    expect(planAgainst(d, kernel)).toEqual([]);
    // what the Apply did before the overlay: weight 3 back on a server that is down
    const raw = await loadDesired(ctx.prisma, clusterId);
    expect(planAgainst(raw, kernel)).toEqual(["ipvsadm -e -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 3"]);
  });

  it("every real server down: the sorry server is in and the real servers quiesced", async () => {
    await setStatus("rs2", "down");
    const d = await loadDesiredWithHealth(ctx.prisma, clusterId);
    expect(lines(d)).toContain("-a -t 10.0.0.100:80 -r 10.0.0.9:80 -g -w 1");
    expect(lines(d)).toContain("-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 0");
    expect(lines(d)).toContain("-a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 0");
    const kernel = "-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.0.9:80 -g -w 1\n-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 0\n-a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 0\n";
    expect(planAgainst(d, kernel)).toEqual([]);
    const raw = await loadDesired(ctx.prisma, clusterId);
    expect(planAgainst(raw, kernel).sort()).toEqual([
      "ipvsadm -d -t 10.0.0.100:80 -r 10.0.0.9:80",
      "ipvsadm -e -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 3",
      "ipvsadm -e -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 1",
    ]);
  });

  it("one real server back: sorry server out, that server's configured weight", async () => {
    await setStatus("rs1", "up");
    const d = await loadDesiredWithHealth(ctx.prisma, clusterId);
    expect(lines(d)).not.toContain("10.0.0.9");
    expect(lines(d)).toContain("-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 3");
    expect(lines(d)).toContain("-a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 0");
  });

  it("a disabled check leaves the operator's desired state alone", async () => {
    await ctx.prisma.healthCheck.update({ where: { virtualServiceId: ids.vs! }, data: { enabled: false } });
    const d = await loadDesiredWithHealth(ctx.prisma, clusterId);
    expect(d.health).toEqual([]);
    expect(lines(d)).toContain("-a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 1");
    await ctx.prisma.healthCheck.update({ where: { virtualServiceId: ids.vs! }, data: { enabled: true } });
  });
});

describe("loadDesired: services to delete come from the operator's last run", () => {
  it("a later health-checker run does not hide what the operator's run managed", async () => {
    const p = ctx.prisma;
    await p.applyRun.create({ data: { clusterId, actor: "ada@example.test", outcome: "succeeded", desired: { owned: ["TCP 10.0.0.100:80", "TCP 10.0.0.200:443"] }, startedAt: new Date(Date.now() - 60_000) } });
    await p.applyRun.create({ data: { clusterId, actor: "health-checker", outcome: "succeeded", desired: { kind: "health", owned: [] }, startedAt: new Date() } });
    const d = await loadDesired(p, clusterId);
    expect(d.owned).toEqual(["TCP 10.0.0.100:80"]);
    expect(d.remove).toEqual(["TCP 10.0.0.200:443"]);
  });
});
