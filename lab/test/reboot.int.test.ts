// What the panel persists, proven by booting: real `systemctl reboot`s of the lab's Debian VMs
// (rs1 as a VM with `up --rs-vm 1`, the Debian director). The panel's own code does the work, as
// the sudo user `lvs` through the panel's helper: Prepare for DR (sysctl.d + lvs-panel-vip.service),
// Apply + its persistence (Debian's ipvsadm: /etc/ipvsadm.rules, AUTO="true"; the director VIP unit),
// Undo. The only reboots of the suite are here; every other test uses `lab reset`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lab, type LabEnv } from "@/lab/env";
import { applyDirector, bindVip, ipvsCore, persistDirector, probeDirector, DIRECTOR_VIP_UNIT_NAME } from "@/lib/director";
import { prepareRealServer, undoRealServer } from "@/lib/realserver";
import { SshPool, type SshTarget } from "@/lib/ssh";
import { labTarget } from "@/test/support/sshd";
import { curlAnswers, ensureLab, holdLab, releaseLab, sh } from "./lab-helpers";

let env: LabEnv;
let pool: SshPool;
let vip: string;
let rs1: SshTarget; // as lvs (sudo through the helper)
let director: SshTarget; // as lvs
const ARP = ["all.arp_ignore", "lo.arp_ignore", "all.arp_announce", "lo.arp_announce"];
const arp = async (host: string) => (await sh(host, ARP.map((k) => `cat /proc/sys/net/ipv4/conf/${k.replace(".", "/")}`).join("; "))).trim().split("\n").map(Number);
const desired = () => ({ services: [{ protocol: "tcp", address: vip, port: 80, scheduler: "rr", destinations: env.realServers.slice(0, 2).map((r) => ({ address: r.address, port: 80, forward: "route", weight: 1 })) }] });
const reboot = async (host: string) => {
  const t0 = Date.now();
  await lab(["reboot", host], { timeoutMs: 400_000 });
  return (Date.now() - t0) / 1000;
};
/** Both real servers answer, in turn (rr, one TCP connection per request). */
const alternates = async () => {
  const a = await curlAnswers(6);
  expect(a.every((x) => x === "rs1" || x === "rs2")).toBe(true);
  for (let i = 1; i < a.length; i++) expect(a[i]).not.toBe(a[i - 1]);
};
/** microseconds since boot of a unit's property (systemctl show), e.g. ActiveEnterTimestampMonotonic */
const mono = async (host: string, unit: string, prop: string) => Number((await sh(host, `systemctl show -P ${prop} ${unit}`)).trim());

beforeAll(async () => {
  await holdLab("lab/test/reboot.int.test.ts");
  env = await ensureLab(["--rs-vm", "1"]);
  await lab(["reset"]);
  vip = env.vip.current;
  for (const h of ["director", "rs1"]) {
    expect(env.hosts[h]).toMatchObject({ kind: "vm", vmKind: "debian", sudoUser: "lvs" });
  }
  expect(env.hosts.rs2).toMatchObject({ kind: "netns", sudoUser: "lab" });
  pool = new SshPool();
  rs1 = await labTarget(env, "rs1", { username: "lvs" });
  director = await labTarget(env, "director", { username: "lvs" });
  // as lvs (a non-root SSH session: /usr/sbin is not on its PATH), the probe still finds ipvsadm
  const probe = await probeDirector(pool, director);
  expect(probe.ipvsadm).toEqual({ present: true, version: "v1.31" });
  expect(probe.ipvs.available).toBe(true);
  expect(probe.os).toMatchObject({ id: "debian", systemd: true });
  // the tutorial's setup, as the panel does it: real servers first, then the director
  expect((await prepareRealServer(pool, rs1, { vips: [vip], port: 80 })).ready).toBe(true);
  expect((await prepareRealServer(pool, await labTarget(env, "rs2"), { vips: [vip], port: 80 })).ready).toBe(true);
  await bindVip(pool, director, { vip, iface: "eth0" });
  expect((await applyDirector(pool, director, ipvsCore, desired())).outcome).toBe("succeeded");
  const p = await persistDirector(pool, director, "auto", [{ vip, iface: "eth0" }]);
  expect(p).toMatchObject({ flavor: "debian", file: "/etc/ipvsadm.rules", vipUnit: "written" });
  await alternates();
}, 900_000);

afterAll(async () => {
  try {
    if (pool) await pool.close();
    if (env) {
      await lab(["reset"]);
      await lab(["up"], { timeoutMs: 600_000 }); // back to the suite's layout (rs1 a namespace)
    }
  } finally {
    releaseLab();
  }
}, 900_000);

describe("reboots of the Debian VMs", () => {
  it("rs1 rebooted after Prepare: ARP sysctls 1,1,2,2 in force before the VIP is bound on lo (lo:1), traffic flows with no action", async () => {
    const s = await reboot("rs1");
    console.log(`rs1 reboot to SSH: ${s.toFixed(1)} s`);
    expect(await arp("rs1")).toEqual([1, 1, 2, 2]);
    const lo = JSON.parse(await sh("rs1", "ip -j addr show dev lo")) as Array<{ addr_info: Array<{ local: string; prefixlen: number; label?: string }> }>;
    expect(lo[0]!.addr_info).toContainEqual(expect.objectContaining({ local: vip, prefixlen: 32, label: "lo:1" }));
    // ordering: the unit is After=systemd-sysctl.service, and this boot's timestamps agree
    expect((await sh("rs1", "systemctl show -P After lvs-panel-vip.service")).split(/\s+/)).toContain("systemd-sysctl.service");
    const sysctlDone = await mono("rs1", "systemd-sysctl.service", "ActiveEnterTimestampMonotonic");
    const vipStart = await mono("rs1", "lvs-panel-vip.service", "InactiveExitTimestampMonotonic");
    expect(sysctlDone).toBeGreaterThan(0);
    expect(vipStart).toBeGreaterThanOrEqual(sysctlDone);
    // the journal of this boot: systemd-sysctl finished before lvs-panel-vip.service started
    const j = (await sh("rs1", "journalctl -b -o short-monotonic --no-pager | grep -E 'systemd\\[1\\]: (Finished systemd-sysctl.service|Starting lvs-panel-vip.service|Finished lvs-panel-vip.service)'")).trim().split("\n");
    const at = (re: RegExp) => { const l = j.find((x) => re.test(x)); expect(l, `journal line ${re}`).toBeDefined(); return Number(/^\[\s*([\d.]+)\]/.exec(l!)![1]); };
    expect(at(/Finished systemd-sysctl\.service/)).toBeLessThanOrEqual(at(/Starting lvs-panel-vip\.service/));
    await alternates();
  }, 600_000);

  it("the director rebooted after Apply: Debian's ipvsadm restores the rules, the VIP unit binds the VIP, no drift, traffic flows", async () => {
    const before = await sh("director", "ipvsadm -S -n");
    expect(await sh("director", "cat /etc/ipvsadm.rules")).toBe(before);
    expect(await sh("director", "grep '^AUTO=' /etc/default/ipvsadm")).toBe('AUTO="true"\n');
    const s = await reboot("director");
    console.log(`director reboot to SSH: ${s.toFixed(1)} s`);
    expect(await sh("director", "ipvsadm -S -n")).toBe(before);
    // restored by Debian's own package (the sysv script behind ipvsadm.service), not by the panel
    expect((await sh("director", "systemctl is-active ipvsadm.service")).trim()).toBe("active");
    expect((await sh("director", `systemctl is-active ${DIRECTOR_VIP_UNIT_NAME}`)).trim()).toBe("active");
    expect(await sh("director", `ip -o addr show dev eth0 to ${vip}/32`)).toContain(`${vip}/32`);
    // the panel's plan against the rebooted director: nothing to do
    const dry = await applyDirector(pool, director, ipvsCore, desired(), { dryRun: true });
    expect(dry.steps).toEqual([]);
    expect(dry.differences).toEqual([]);
    await alternates();
  }, 600_000);

  it("Undo, then rs1 rebooted: nothing of the preparation comes back", async () => {
    const undo = await undoRealServer(pool, rs1, { vips: [vip] });
    expect(undo.events).toContain("ok reset");
    await reboot("rs1");
    expect(await arp("rs1")).toEqual([0, 0, 0, 0]);
    expect(await sh("rs1", "ip -o addr show dev lo")).not.toContain(vip);
    expect((await sh("rs1", "ls /etc/sysctl.d/ /etc/systemd/system/; systemctl list-unit-files 'lvs-panel*' --no-legend; true")).includes("lvs-panel")).toBe(false);
  }, 600_000);
});
