// Director HA on the lab's two Debian director VMs (issue 16):
//   npm run bench:ha -- [--runs N] [--crashes N] [--switchovers N]   (react-server: the apply path is server-only)
// (1) apply to two directors vs to one: the same one-step change (a weight) applied by the panel to
//     both directors in parallel, and to one alone (`only`), alternating; median wall time, ratio (goal ≤ 1.2×).
// (2) failover: a power cut of the MASTER (`lab crash`) under a client's steady request stream: time
//     from the cut to the end of the first successful request started after it, and requests lost,
//     against keepalived's own figure (3 × advert_int + skew, keepalived.conf(5)) in the same run.
// (3) planned switchover (failoverCluster) under the stream: failed requests (goal 0) and its duration.
// Holds the lab lock throughout; brings the lab to --directors 2 and back to the default `up` afterwards.
import path from "node:path";
import { acquireLab, lab, type LabEnv } from "@/lab/env";
import { ClientStream } from "@/test/support/client-stream";
import { migratedDatabase } from "@/test/support/database";
import { registeredLab } from "@/test/support/lab-cluster";
import { previewKeepalived } from "@/lib/keepalived";
import { storeDocument } from "@/lib/data/cluster-document";
import { setVrrpPriority, updateHaSettings } from "@/lib/data/ha";
import { expectedFailoverMs } from "@/lib/ha/model";
import { fsReader } from "@/bin/commands/fs-reader";

process.env.LVS_PANEL_KEY_SECRET ??= "director-ha-bench-key-secret";
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const RUNS = Number(arg("runs", "9"));
const CRASHES = Number(arg("crashes", "2"));
const SWITCHOVERS = Number(arg("switchovers", "4"));
const ADVERT = 1;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  const release = await acquireLab({ owner: "bench/director-ha.bench.ts", timeoutMs: 1_200_000 });
  const ctx = await migratedDatabase("lvs_bench_ha");
  const streams: ClientStream[] = [];
  try {
    await lab(["up", "--directors", "2"], { timeoutMs: 600_000 });
    await lab(["reset"]);
    const env = JSON.parse(await lab(["env", "--json"])) as LabEnv;
    process.env.DATABASE_URL = ctx.url;
    const { cluster } = await registeredLab(ctx.prisma, ctx.url);
    const user = await ctx.prisma.user.create({ data: { email: "bench@example.test", name: "Bench", role: "admin", passwordHash: "x" } });
    const seed = previewKeepalived(path.resolve(import.meta.dirname, "../test/fixtures/keepalived/dr-seed.conf"), fsReader);
    await storeDocument(ctx.prisma, cluster.id, { ...seed.document, cluster: { name: "lab" } }, user.email, "import");
    const hosts = await ctx.prisma.host.findMany({ where: { clusterId: cluster.id, role: "director" }, orderBy: { name: "asc" } });
    await setVrrpPriority(ctx.prisma, { actor: user.email, source: "ui" }, { hostId: hosts[0]!.id, vrrpPriority: 150 });
    await setVrrpPriority(ctx.prisma, { actor: user.email, source: "ui" }, { hostId: hosts[1]!.id, vrrpPriority: 100 });
    const c = await ctx.prisma.cluster.findUniqueOrThrow({ where: { id: cluster.id } });
    await updateHaSettings(ctx.prisma, { actor: user.email, source: "ui" }, { id: c.id, version: c.version, haEnabled: true, vrrpRouterId: 78, vrrpInterface: "eth0",
      vrrpAdvertInt: ADVERT, vrrpPreempt: false, vrrpPreemptDelay: 0, vrrpUnicast: true, vrrpAuthPass: null, syncDaemon: true });
    const { startApply } = await import("@/lib/operations/apply");
    const { realServerOp } = await import("@/lib/operations/cluster");
    const { failoverCluster } = await import("@/lib/operations/failover");
    const wait = async (id: string) => {
      for (;;) {
        const r = await ctx.prisma.applyRun.findUniqueOrThrow({ where: { id } });
        if (r.outcome !== "running") return r;
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    const first = await wait(await startApply(ctx.prisma, user, cluster.id));
    if (first.outcome !== "succeeded") throw new Error(`the first apply ${first.outcome}: ${first.error}`);
    await realServerOp(ctx.prisma, user.email, cluster.id, "prepare");
    const rs = await ctx.prisma.realServer.findFirstOrThrow({ where: { virtualService: { clusterId: cluster.id } } });

    // (1) apply to two vs one
    const two: number[] = [], one: number[] = [];
    for (let i = 0; i < RUNS * 2; i++) {
      await ctx.prisma.realServer.update({ where: { id: rs.id }, data: { weight: 1 + (i % 3) + 1 } });
      const both = i % 2 === 0;
      const t0 = performance.now();
      const r = await wait(await startApply(ctx.prisma, user, cluster.id, both ? {} : { only: [hosts[1]!.id] }));
      (both ? two : one).push(performance.now() - t0);
      if (r.outcome !== "succeeded") throw new Error(`apply ${r.outcome}: ${r.error}`);
    }
    // the one-director runs left director behind by a weight: converge it
    await wait(await startApply(ctx.prisma, user, cluster.id));
    console.log(`apply, one changed weight: two directors median ${median(two).toFixed(0)} ms, one director ${median(one).toFixed(0)} ms, ` +
      `ratio ${(median(two) / median(one)).toFixed(2)}× (goal ≤ 1.2×; ${RUNS} runs each)`);
    // the floor: the same number of SSH execs as an HA apply (7), each reading the table and the
    // addresses, on one director vs on both at once: what two emulated VMs on this machine's 2 cores
    // allow in parallel, whoever drives them
    const { pool, targetFor } = await import("@/lib/operations/targets");
    const targets = await Promise.all(hosts.map((h) => targetFor(ctx.prisma, h)));
    const seven = async (t: (typeof targets)[number]) => {
      for (let k = 0; k < 7; k++) await pool().exec(t, ["sh", "-c", "ipvsadm -S -n >/dev/null; ip -j addr >/dev/null"]);
    };
    const fOne: number[] = [], fTwo: number[] = [];
    for (let i = 0; i < RUNS * 2; i++) {
      const t0 = performance.now();
      await (i % 2 === 0 ? Promise.all(targets.map(seven)) : seven(targets[1]!));
      (i % 2 === 0 ? fTwo : fOne).push(performance.now() - t0);
    }
    console.log(`floor, 7 SSH execs: both directors at once ${median(fTwo).toFixed(0)} ms, one ${median(fOne).toFixed(0)} ms, ` +
      `ratio ${(median(fTwo) / median(fOne)).toFixed(2)}×; the panel's ratio over the floor's ${((median(two) / median(one)) / (median(fTwo) / median(fOne))).toFixed(2)}×`);

    // (2) failover by power cut
    const url = `http://${env.vip.single}/`;
    const figure = expectedFailoverMs(ADVERT, 100);
    for (let k = 0; k < CRASHES; k++) {
      const { readHa } = await import("@/lib/director/ha");
      const { pool, targetFor } = await import("@/lib/operations/targets");
      let master = "";
      for (const h of hosts) if ((await readHa(pool(), await targetFor(ctx.prisma, h), [env.vip.single], "eth0")).vrrpState === "MASTER") master = h.name;
      const stream = new ClientStream(url);
      streams.push(stream);
      await stream.waitFor(10);
      await lab(["crash", master]);
      // from when qemu is gone (lab crash returns after the SIGKILL): requests started before may still succeed
      const cut = Date.now();
      while (!stream.firstOkAfter(cut)) await new Promise((r) => setTimeout(r, 50));
      const ms = stream.firstOkAfter(cut)!.end - cut;
      await stream.waitFor(5);
      stream.stop();
      console.log(`failover ${k + 1} (power cut of ${master}): first success ${ms} ms after the cut, ${stream.failures(cut).length} requests failed; ` +
        `keepalived's figure ${figure} ms (+ the client's SYN retry) — ratio ${(ms / figure).toFixed(2)}×`);
      await lab(["up", "--directors", "2"], { timeoutMs: 600_000 });
      await wait(await startApply(ctx.prisma, user, cluster.id));
    }

    // (3) planned switchover
    for (let k = 0; k < SWITCHOVERS; k++) {
      const stream = new ClientStream(url, { maxTimeS: 5 });
      streams.push(stream);
      await stream.waitFor(10);
      const t0 = Date.now();
      const r = await failoverCluster(ctx.prisma, user.email, cluster.id);
      await stream.waitFor(10);
      stream.stop();
      console.log(`switchover ${k + 1} ${r.from} → ${r.to}: the VIP moved in ${r.ms} ms; ${stream.failures(t0).length} of ${stream.results.filter((x) => x.at >= t0).length} requests failed (goal 0)`);
    }
  } finally {
    for (const s of streams) s.stop();
    for (const d of ["director", "director2"]) await lab(["ssh", d, "systemctl stop keepalived; rm -f /etc/keepalived/keepalived.conf"]).catch(() => "");
    await lab(["up"], { timeoutMs: 600_000 }).catch(() => "");
    await lab(["reset"]).catch(() => "");
    release();
    await ctx.close();
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
