// `lab down` leaves no namespace, link or process behind (and keeps the unreachable routes);
// the test brings the lab back up at the end, since other test files expect it.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lab, labEnv, runLab } from "../env";
import { ensureLab, holdLab, releaseLab } from "./lab-helpers";

const pexec = promisify(execFile);

interface Status {
  up: boolean;
  namespaces: string[];
  managementLink: boolean;
  processes: { name: string; pid: number; alive: boolean }[];
}
const status = async (): Promise<Status> => JSON.parse(await lab(["status", "--json"])) as Status;
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try { // a zombie is dead for our purposes
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};

describe("lab down", () => {
  beforeAll(() => holdLab("lab/test/down"));
  afterAll(() => releaseLab());
  test("removes every namespace, link and process it made, keeps the unreachable routes, then up again", async () => {
    const env = await ensureLab();
    const before = await status();
    expect(before.up).toBe(true);
    expect(before.namespaces.sort()).toEqual(["lvsp-client", "lvsp-router", "lvsp-rs1", "lvsp-rs2", "lvsp-sorry", "lvsp-sw"]);
    expect(before.managementLink).toBe(true);
    const pids = before.processes.map((p) => p.pid);
    expect(pids.length).toBe(1 + 3 * 3); // qemu + (holder, sshd, httpd) x (rs1, rs2, sorry)
    for (const p of before.processes) expect(p.alive).toBe(true);
    // plus whatever else runs in the namespaces right now (e.g. busybox httpd children)
    for (const ns of before.namespaces) {
      const { stdout } = await pexec("ip", ["netns", "pids", ns]);
      pids.push(...stdout.split("\n").filter(Boolean).map(Number));
    }

    const t0 = Date.now();
    await lab(["down"]);
    const downMs = Date.now() - t0;

    const nsLeft = existsSync("/run/netns") ? readdirSync("/run/netns").filter((n) => n.startsWith("lvsp-")) : [];
    expect(nsLeft).toEqual([]);
    const links = (await pexec("ip", ["-o", "link", "show"])).stdout;
    expect(links).not.toMatch(/\blvsp0\b/);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync("/run/lvsp-lab")).toBe(false);
    const after = await status();
    expect(after.up).toBe(false);
    expect(after.namespaces).toEqual([]);
    expect(after.processes).toEqual([]);
    // the lab's prefixes stay unreachable: nothing can leak to the uplink, and lab commands refuse
    const route = await pexec("ip", ["route", "get", env.hosts.director.address]).then((r) => r.stdout, (e: { stderr: string }) => e.stderr);
    expect(route).not.toMatch(/dev (eth|en|wl)/);
    expect((await pexec("ip", ["-4", "route", "show", "type", "unreachable"])).stdout).toContain(env.subnets.lab);
    const refused = await runLab(["ssh", "director", "true"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/refusing/);
    expect(downMs).toBeLessThan(15_000);

    // back up for the other test files
    const again = await ensureLab();
    expect((await status()).up).toBe(true);
    expect(again.hosts.director.hostKeys).toEqual(env.hosts.director.hostKeys); // host keys survive down/up
    expect((await labEnv()).up).toBe(true);
  });
});
