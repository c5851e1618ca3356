// A real server removed while a health round runs (an operator's delete between the checks and the
// write): the round still records the others, and the removed one is not resurrected.
import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SshPool } from "@/lib/ssh/pool";
import { migratedDatabase } from "@/test/support/database";
import { ClusterChecker } from "./runner";

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let server: net.Server;
let port = 0;
const pool = new SshPool();

beforeAll(async () => {
  // panel-side checks of loopback real servers: allowed explicitly (lib/egress denies loopback by default)
  process.env.LVS_PANEL_ALLOW_EGRESS = "127.0.0.0/8";
  db = await migratedDatabase("lvs_health_race");
  server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  delete process.env.LVS_PANEL_ALLOW_EGRESS;
  await pool.close();
  server?.close();
  await db?.close();
});

it("a real server deleted between the checks and the write: the others are recorded, the round does not fail", async () => {
  const { prisma } = db;
  const c = await prisma.cluster.create({ data: { name: "race" } });
  const vs = await prisma.virtualService.create({ data: { clusterId: c.id, protocol: "tcp", address: "10.77.0.1", port, family: "inet", scheduler: "rr" } });
  await prisma.healthCheck.create({ data: { virtualServiceId: vs.id, kind: "tcp", runFrom: "panel", intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1 } });
  const keep = await prisma.realServer.create({ data: { virtualServiceId: vs.id, address: "127.0.0.1", port, weight: 1 } });
  const gone = await prisma.realServer.create({ data: { virtualServiceId: vs.id, address: "127.0.0.2", port, weight: 1 } });
  let fenced = 0;
  const checker = new ClusterChecker(c.id, {
    prisma, pool,
    // runs inside the write transaction, after the checks: the operator's delete commits right then
    fence: async () => {
      fenced++;
      await deleteElsewhere(db.url, gone.id);
      return true;
    },
  }, { pollMs: 0, reachabilityMs: 0 });
  const report = await checker.round();
  expect(fenced).toBe(1);
  expect(report?.results.map((r) => r.id).sort()).toEqual([keep.id, gone.id].sort());
  const states = await prisma.healthState.findMany();
  expect(states.map((s) => [s.realServerId, s.status])).toEqual([[keep.id, "up"]]);
  expect(await prisma.realServer.findUnique({ where: { id: gone.id } })).toBeNull();
});

async function deleteElsewhere(url: string, id: string) {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DELETE FROM "RealServer" WHERE id = $1`, [id]);
  } finally {
    await client.end();
  }
}
