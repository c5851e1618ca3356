// Panel-side health checks and the egress policy (lib/egress), with real sockets and real PostgreSQL:
// a check of a loopback "real server" (an admin port of the panel host, say) is not dialled without
// LVS_PANEL_ALLOW_EGRESS, gives no verdict (the real server is not taken out of the pool for it), and
// says why; with its range allowed the same check connects.
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SshPool } from "@/lib/ssh/pool";
import { migratedDatabase } from "@/test/support/database";
import type { CheckSpec } from "./config";
import { checkLocal } from "./local";
import { ClusterChecker } from "./runner";

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let server: net.Server;
let port = 0;
let accepted = 0;
const pool = new SshPool();

beforeAll(async () => {
  db = await migratedDatabase("lvs_health_egress");
  server = net.createServer((s) => { accepted++; s.on("error", () => undefined); s.end("HTTP/1.0 200 OK\r\n\r\nok"); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await pool.close();
  server?.close();
  await db?.close();
});
afterEach(() => { delete process.env.LVS_PANEL_ALLOW_EGRESS; });

const spec = (kind: "tcp" | "http", address: string): CheckSpec => ({ id: `${kind}-${address}`, kind, address, port, path: "/", host: address, expect: [[200, 399]], bodyContains: null, timeoutMs: 1000, rise: 1, fall: 1 });

describe("panel-side checks and the egress policy", () => {
  it("loopback, link-local and unspecified targets are not dialled; allowed, the same check connects", async () => {
    accepted = 0;
    for (const k of ["tcp", "http"] as const) for (const a of ["127.0.0.1", "::ffff:127.0.0.1", "169.254.169.254", "0.0.0.0"]) {
      const r = await checkLocal(spec(k, a));
      expect(r, `${k} ${a}`).toMatchObject({ ok: false, refused: true });
      expect(r.message).toMatch(/^not checked: .* is a (loopback|link-local|unspecified) address/);
    }
    expect(accepted).toBe(0);
    process.env.LVS_PANEL_ALLOW_EGRESS = "127.0.0.1/32";
    expect(await checkLocal(spec("tcp", "127.0.0.1"))).toMatchObject({ ok: true });
    expect(await checkLocal(spec("http", "127.0.0.1"))).toMatchObject({ ok: true, message: expect.stringContaining("200") });
    expect(accepted).toBe(2);
  });

  it("a refused check gives no verdict: an up real server stays up (never quiesced for the policy), the reason is recorded", async () => {
    const { prisma } = db;
    const c = await prisma.cluster.create({ data: { name: "egress" } });
    const vs = await prisma.virtualService.create({ data: { clusterId: c.id, protocol: "tcp", address: "10.77.0.1", port, family: "inet", scheduler: "rr" } });
    await prisma.healthCheck.create({ data: { virtualServiceId: vs.id, kind: "tcp", runFrom: "panel", intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1 } });
    const rs = await prisma.realServer.create({ data: { virtualServiceId: vs.id, address: "127.0.0.1", port, weight: 1 } });
    await prisma.healthState.create({ data: { realServerId: rs.id, status: "up", successes: 3, failures: 0 } });
    accepted = 0;
    const report = await new ClusterChecker(c.id, { prisma, pool, fence: async () => true }, { pollMs: 0, reachabilityMs: 0 }).round();
    expect(report?.results).toEqual([expect.objectContaining({ id: rs.id, refused: true })]);
    expect(report?.transitions).toEqual([]);
    expect(await prisma.healthState.findUniqueOrThrow({ where: { realServerId: rs.id } })).toMatchObject({ status: "up", successes: 3, failures: 0, lastOk: false,
      lastMessage: expect.stringMatching(/^not checked: 127\.0\.0\.1 is a loopback address/) });
    expect(accepted).toBe(0);
  });
});
