// Director HA on the real lab: two Debian director VMs (keepalived 2.2.7), VRRP unicast, the sync daemon,
// the track files, a clean handover and a power cut measured from the client. The helper is installed on
// the VMs as root first, as an operator would.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, lab, type LabEnv } from "@/lab/env";
import { expectedFailoverMs, type HaConfigInput, type HaSettings } from "@/lib/ha/model";
import { renderVrrpConfig } from "@/lib/keepalived/vrrp";
import { SshPool, installSudoHelper, type SshTarget } from "@/lib/ssh";
import { labTarget } from "@/test/support/sshd";
import { pushHaConfig, readHa, setBehind, stopHa } from "./ha";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mainLab = (args: string[], timeoutMs = 120_000): Promise<string> => lab(args, { timeoutMs });
const onVm = (vm: string, cmd: string) => mainLab(["ssh", vm, cmd]);

let release: () => void = () => {};
let env: LabEnv;
const pool = new SshPool();
let d1: SshTarget; // director, as root
let d2: SshTarget; // director2, as the sudo user lvs (the helper only)
let d2root: SshTarget;
let vip: string;
const S: HaSettings = { enabled: true, routerId: 78, iface: "eth0", advertInt: 1, preempt: true, preemptDelay: 0, unicast: true, authPass: "lab-ha", syncDaemon: true };
const conf = (self: "director" | "director2", prio1 = 150, prio2 = 100): string => {
  const dir = (n: string, p: number) => ({ id: n, name: n, address: env.hosts[n]!.address, priority: p });
  const all = [dir("director", prio1), dir("director2", prio2)];
  const input: HaConfigInput = { settings: S, self: all.find((d) => d.name === self)!, peers: all.filter((d) => d.name !== self), vips: [vip] };
  return renderVrrpConfig(input);
};
const read = (t: SshTarget) => readHa(pool, t, [vip], "eth0");
async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await f();
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await sleep(300);
    v = await f();
  }
  return v;
}

beforeAll(async () => {
  release = await acquireLab({ owner: "lib/director/ha.int.test.ts", timeoutMs: 900_000 });
  await mainLab(["up", "--directors", "2"], 400_000);
  await mainLab(["layout", "single"]);
  await mainLab(["reset"]);
  env = JSON.parse(await mainLab(["env", "--json"])) as LabEnv;
  vip = env.vip.single;
  d1 = await labTarget(env, "director");
  d2root = await labTarget(env, "director2");
  d2 = await labTarget(env, "director2", { username: env.hosts.director2!.sudoUser! });
  for (const t of [d1, d2root]) {
    await installSudoHelper(pool, t, "lvs");
    await pool.exec(t, ["rm", "-rf", "/run/lvs-panel", "/etc/tmpfiles.d/lvs-panel.conf", "/etc/keepalived/keepalived.conf"]);
  }
  // the IPVS table is the panel's apply's, on both directors; here by hand: one DR service, rs1 and rs2 ready
  for (const vm of ["director", "director2"])
    await onVm(vm, `ipvsadm -A -t ${vip}:80 -s rr && ipvsadm -a -t ${vip}:80 -r ${env.hosts.rs1!.address} -g && ipvsadm -a -t ${vip}:80 -r ${env.hosts.rs2!.address} -g`);
  for (const rs of ["rs1", "rs2"])
    await mainLab(["exec", rs, "sh", "-c", `sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 && ip addr add ${vip}/32 dev lo`]);
}, 1_000_000);

afterAll(async () => {
  try {
    if (d1) await stopHa(pool, d1).catch(() => {});
    if (d2root) await stopHa(pool, d2root).catch(() => {});
    await pool.close();
    await mainLab(["reset"]).catch(() => {});
    await mainLab(["up"], 300_000); // back to one director
  } finally {
    release();
  }
}, 400_000);

describe("director HA on two lab directors", () => {
  it("(a) push to both (150 root, 100 as lvs): idempotent, director MASTER with the VIP, director2 BACKUP; sync daemon master/backup", async () => {
    const p1 = await pushHaConfig(pool, d1, conf("director"));
    const p2 = await pushHaConfig(pool, d2, conf("director2"));
    expect([p1.changed, p2.changed]).toEqual([true, true]);
    expect(p2.output).toMatch(/conf written[\s\S]*started/);
    expect(await pushHaConfig(pool, d2, conf("director2"))).toEqual({ changed: false, output: "conf same" });
    expect((await onVm("director2", "stat -c '%U %a' /etc/keepalived/keepalived.conf; cat /etc/tmpfiles.d/lvs-panel.conf")).trim())
      .toBe("root 600\nd /run/lvs-panel 0755 root root -\nf /run/lvs-panel/behind 0644 root root - 0\nf /run/lvs-panel/unconverged 0644 root root - 1");
    // the first start marked both unconverged (priority 1) until the panel says they are current
    expect((await read(d2)).unconverged).toBe(true);
    await setBehind(pool, d1, false);
    await setBehind(pool, d2, false);
    const r1 = await until("director MASTER", () => read(d1), (r) => r.vrrpState === "MASTER" && r.vipsHeld.length === 1);
    const r2 = await until("director2 BACKUP", () => read(d2), (r) => r.vrrpState === "BACKUP" && r.syncDaemon === "backup");
    expect(r1).toMatchObject({ keepalived: "running", vipsHeld: [vip], behind: false, unconverged: false, effectivePriority: 150 });
    expect(r2).toMatchObject({ keepalived: "running", vipsHeld: [], behind: false, unconverged: false, effectivePriority: 100, syncDaemon: "backup" });
    expect((await until("director's sync daemon", () => read(d1), (r) => r.syncDaemon === "master")).syncDaemon).toBe("master");
    // connection sync: the client's connections through director show up in director2's table
    expect((await mainLab(["curl", "4"])).trim().split("\n").sort()).toEqual(["rs1", "rs1", "rs2", "rs2"]);
    const synced = await until("connections synced to director2", () => read(d2), (r) => (r.syncedConns ?? 0) >= 4, 10_000);
    expect(synced.syncedConns).toBeGreaterThanOrEqual(4);
  });

  it("the helper refuses a line the panel does not write, and keepalived -t a configuration that does not hold", async () => {
    await expect(pushHaConfig(pool, d2, conf("director2") + "  notify_master /tmp/x\n")).rejects.toThrow(/refused: content for \/etc\/keepalived\/keepalived.conf/);
    await expect(pushHaConfig(pool, d2, conf("director2").replaceAll("dev eth0", "dev eth9").replace("interface eth0", "interface eth9"))).rejects.toThrow(/keepalived -t refused/);
    expect(await pushHaConfig(pool, d2, conf("director2"))).toEqual({ changed: false, output: "conf same" });
    const r = await pool.exec(d2, ["sh", "-c", "sudo -n /usr/local/sbin/lvs-panel-helper ha-track ../../etc/x 1; sudo -n /usr/local/sbin/lvs-panel-helper systemctl start ssh"], { okExitCodes: "any" });
    expect(r.stderr).toMatch(/refused: ha-track \.\.\/\.\.\/etc\/x 1[\s\S]*refused: systemctl start ssh/);
  });

  it("(b) a behind BACKUP is FAULT and does not take the VIP when the MASTER leaves; once current it does", async () => {
    await setBehind(pool, d2, true);
    expect(await until("director2 FAULT", () => read(d2), (r) => r.vrrpState === "FAULT")).toMatchObject({ behind: true, vipsHeld: [] });
    await onVm("director", "systemctl stop keepalived");
    expect(await read(d1)).toMatchObject({ keepalived: "stopped", vrrpState: "STOPPED", vipsHeld: [] });
    await sleep(expectedFailoverMs(S.advertInt, 100) + 2000);
    expect(await read(d2)).toMatchObject({ vrrpState: "FAULT", vipsHeld: [] });
    await setBehind(pool, d2, false);
    expect(await until("director2 MASTER", () => read(d2), (r) => r.vrrpState === "MASTER" && r.vipsHeld.length === 1, 10_000)).toMatchObject({ behind: false, vipsHeld: [vip], syncDaemon: "master" });
    // director comes back with priority 150 and preempts
    await onVm("director", "systemctl start keepalived");
    await until("director MASTER again", () => read(d1), (r) => r.vrrpState === "MASTER" && r.vipsHeld.length === 1);
    await until("director2 BACKUP again", () => read(d2), (r) => r.vrrpState === "BACKUP" && r.vipsHeld.length === 0);
  });

  // `lab up` boots a crashed VM from its own disk only when `director` itself is alive (else it rebuilds the
  // whole lab, fresh disks included: lab/lib/commands.sh cmd_up): director2 is made the MASTER and crashed.
  it("(c) power cut of the MASTER: the BACKUP serves the VIP within 3 × advert_int + skew + 1 s; the rebooted director stays BACKUP until converged", async () => {
    expect((await pushHaConfig(pool, d1, conf("director", 100, 150))).output).toBe("conf written\nreloaded");
    expect((await pushHaConfig(pool, d2, conf("director2", 100, 150))).output).toBe("conf written\nreloaded");
    await until("director2 MASTER (priority 150 now)", () => read(d2), (r) => r.vrrpState === "MASTER" && r.vipsHeld.length === 1 && r.effectivePriority === 150);
    await until("director BACKUP", () => read(d1), (r) => r.vrrpState === "BACKUP" && r.vipsHeld.length === 0);
    await onVm("director2", "sync");
    expect((await mainLab(["curl", "2"])).trim().split("\n")).toHaveLength(2);
    // one request every ~50 ms from the client, each a new TCP connection; the times of the answered ones
    const loop = `while :; do if curl -s -m 0.5 -o /dev/null http://${vip}/; then date +%s%3N; fi; sleep 0.05; done`;
    const client: ChildProcess = spawn("ip", ["netns", "exec", "lvsp-client", "sh", "-c", loop], { stdio: ["ignore", "pipe", "ignore"] });
    const ok: number[] = [];
    client.stdout!.on("data", (b: Buffer) => ok.push(...b.toString().split("\n").filter(Boolean).map(Number)));
    let outageMs = 0;
    try {
      await sleep(1500);
      expect(ok.length).toBeGreaterThan(3);
      const t0 = Date.now();
      await mainLab(["crash", "director2"]);
      const t1 = Date.now();
      await until("answers after the crash", async () => ok.filter((t) => t > t1).length, (n) => n >= 3, 20_000);
      const lastBefore = Math.max(...ok.filter((t) => t <= t0));
      const firstAfter = Math.min(...ok.filter((t) => t > t1));
      outageMs = firstAfter - lastBefore;
      console.log(`failover: last answer ${t0 - lastBefore} ms before the crash, lab crash took ${t1 - t0} ms, first answer ${firstAfter - t1} ms after it; client-side outage ${outageMs} ms (expected failover ${expectedFailoverMs(S.advertInt, 100)} ms)`);
    } finally {
      client.kill();
    }
    expect(outageMs).toBeLessThanOrEqual(expectedFailoverMs(S.advertInt, 100) + 1000);
    expect(await read(d1)).toMatchObject({ vrrpState: "MASTER", vipsHeld: [vip] });

    // power on again: its own disk, keepalived.conf still there, keepalived started at boot; /run is new,
    // so it is unconverged (priority 1) and does not take the VIPs back although its 150 beats 100
    const t2 = Date.now();
    await mainLab(["up", "--directors", "2"], 400_000);
    console.log(`director2 back (lab up) in ${Date.now() - t2} ms`);
    expect(await onVm("director2", "cat /etc/keepalived/keepalived.conf")).toBe(conf("director2", 100, 150));
    await installSudoHelper(pool, d2root, "lvs"); // the seed put the main checkout's helper back
    const back = await until("director2 keepalived up after boot", () => read(d2), (r) => r.keepalived === "running" && r.vrrpState === "BACKUP", 60_000);
    expect(back).toMatchObject({ unconverged: true, effectivePriority: 1, vipsHeld: [] });
    await sleep(3000);
    expect(await read(d1)).toMatchObject({ vrrpState: "MASTER", vipsHeld: [vip] });
    await setBehind(pool, d2, false);
    await until("director2 MASTER once converged", () => read(d2), (r) => r.vrrpState === "MASTER" && r.vipsHeld.length === 1);
  }, 600_000);

  it("stopHa: keepalived stopped and disabled, its configuration gone", async () => {
    expect((await stopHa(pool, d2)).output).toBe("stopped\ndisabled");
    expect(await read(d2)).toMatchObject({ keepalived: "stopped", vrrpState: "STOPPED", vipsHeld: [] });
    expect((await onVm("director2", "ls /etc/keepalived; systemctl is-enabled keepalived || true")).trim()).toBe("keepalived.conf.sample\ndisabled");
  });
});
