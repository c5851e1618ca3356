// A real server's -x/-y thresholds reach the real kernel through the console's desired state, and a
// threshold changed in the database is planned as an edit that keeps the weight (lab director).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, labEnv, type LabEnv } from "@/lab/env";
import { applyDirector } from "@/lib/director";
import { SshPool, sshPool, type SshTarget } from "@/lib/ssh";
import { labTarget } from "@/test/support/sshd";
import { desiredCore, desiredTable } from "@/lib/desired/desired";
import { readDirector } from "@/lib/director";
import { buildRows } from "@/lib/live/live";

const SVC = "10.78.0.210:8081"; // a service only this file uses
let env: LabEnv;
let release: (() => void) | null = null;
let pool: SshPool;
let director: SshTarget;

beforeAll(async () => {
  release = await acquireLab({ timeoutMs: 1_200_000, owner: "lib/live/thresholds.int.test.ts" });
  env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  pool = new SshPool();
  director = await labTarget(env, "director");
}, 1_300_000);

afterAll(async () => {
  try {
    await pool?.exec(director, ["ipvsadm", "-D", "-t", SVC], { okExitCodes: [0, 255] });
    await pool?.close();
    await sshPool().close();
  } finally {
    release?.();
  }
});

const desired = (upper: number, lower: number) => {
  const [address, port] = SVC.split(":");
  const table = desiredTable([{
    protocol: "tcp", address: address!, port: Number(port), fwmark: null, family: "inet", scheduler: "wlc", schedulerFlags: [],
    persistenceTimeout: null, persistenceNetmask: null, onePacket: false, persistenceEngine: null, sorryAddress: null, sorryPort: null,
    realServers: [{ address: env.realServers[0]!.address, port: Number(port), weight: 3, forwardingMethod: "route", state: "active", upperThreshold: upper, lowerThreshold: lower }],
  }]);
  return { table, remove: [] };
};

/** "w<weight> x<upper> y<lower>" of the real server, as the kernel lists it. */
async function kernelThresholds(): Promise<string> {
  const rip = `${env.realServers[0]!.address}:`;
  const row = async (args: string[]) => {
    const r = await pool.exec(director, ["ipvsadm", "-Ln", ...args, "-t", SVC]);
    const line = r.stdout.split("\n").find((l) => l.includes(rip));
    if (!line) throw new Error(`no real server row in:\n${r.stdout}`);
    return line.trim().split(/\s+/);
  };
  const [, , , weight] = await row([]); // -> RIP:PORT Forward Weight ActiveConn InActConn
  const [, , upper, lower] = await row(["--thresholds"]); // -> RIP:PORT Uthreshold Lthreshold ActiveConn InActConn
  return `w${weight} x${upper} y${lower}`;
}

describe("real-server thresholds through the console's desired state", () => {
  it("are applied with the real server and verified against -Ln --thresholds", async () => {
    const r = await applyDirector(pool, director, desiredCore, desired(1000, 800));
    expect(r.outcome).toBe("succeeded");
    expect(await kernelThresholds()).toBe("w3 x1000 y800");
  });

  it("a changed threshold is an edit of that real server, and a second apply has nothing to do", async () => {
    const r = await applyDirector(pool, director, desiredCore, desired(500, 0));
    expect(r.outcome).toBe("succeeded");
    expect(r.steps.map((s) => s.command).join("\n")).toMatch(/ipvsadm -e -t 10\.78\.0\.210:8081 -r \S+ -g -w 3 -x 500/);
    expect(await kernelThresholds()).toBe("w3 x500 y0");
    const again = await applyDirector(pool, director, desiredCore, desired(500, 0));
    expect(again.outcome).toBe("succeeded");
    expect(again.steps.filter((s) => s.command.startsWith("ipvsadm "))).toEqual([]);
  });
});

describe("the live view's read of the director", () => {
  it("lists the stats and rates only when the view shows them, and the rows still carry weight, connections and drift", async () => {
    expect((await applyDirector(pool, director, desiredCore, desired(1000, 800))).outcome).toBe("succeeded");
    const rip = env.realServers[0]!.address;
    const bare = await readDirector(pool, director, { stats: false, rate: false });
    expect([bare.stats, bare.rate]).toEqual(["", ""]);
    expect(bare.list).toContain(`TCP  ${SVC}`);
    expect(bare.save).toContain(`-a -t ${SVC} -r ${rip}:8081 -g -w 3`);
    expect(bare.thresholds).toMatch(new RegExp(`${rip.replace(/\./g, "\\.")}:8081\\s+1000\\s+800`));
    const rows = buildRows(bare, desired(1000, 800).table).filter((r) => r.service === `TCP ${SVC}`);
    const dest = rows.find((r) => r.kind === "dest")!;
    expect([dest.weight, dest.activeConns, dest.conns, dest.drift.status]).toEqual([3, 0, undefined, "ok"]);
    const stats = await readDirector(pool, director, { stats: true, rate: false });
    expect(stats.stats).toContain("Conns");
    expect(stats.rate).toBe("");
    const rate = await readDirector(pool, director, { stats: false, rate: true });
    expect(rate.rate).toContain("CPS");
    expect(rate.stats).toBe("");
    const both = await readDirector(pool, director);
    expect(both.stats).toContain("Conns");
    expect(both.rate).toContain("CPS");
  });
});
