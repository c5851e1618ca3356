// The LVS-DR tutorial on the lab, by hand over `lab ssh` (issue 3): the positive flow in both VIP
// layouts, the classic ARP mistake, and a director without a gateway.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lab, type LabEnv } from "../env";
import { accessLog, curlAnswers, ensureLab, parseStats, prepareDirector, prepareRealServer, routerNeighbour, sh, sleep, holdLab, releaseLab } from "./lab-helpers";

let env: LabEnv;
const rip = (name: string): string => env.hosts[name]!.address;

async function tutorialFlow(vip: string): Promise<void> {
  // real servers first: ARP sysctls, then the VIP on lo
  await prepareRealServer("rs1", vip, "sysctl-first");
  await prepareRealServer("rs2", vip, "sysctl-first");
  await prepareDirector(vip, [rip("rs1"), rip("rs2")]);

  const answers = await curlAnswers(10, vip);
  expect(answers).toHaveLength(10);
  expect(answers.filter((a) => a === "rs1")).toHaveLength(5);
  expect(answers.filter((a) => a === "rs2")).toHaveLength(5);
  for (let i = 1; i < answers.length; i++) expect(answers[i]).not.toBe(answers[i - 1]); // round robin alternates

  // the router (the client's gateway) sends VIP traffic to the director, not to a real server
  expect(await routerNeighbour(env, vip)).toBe(env.hosts.director.mac);

  await sleep(2500); // kernel 6.1 refreshes --stats from the 2 s estimator
  // only our VIP's rows: another package's test may have its own service on the shared lab
  const svc = parseStats(await sh("director", "ipvsadm -Ln --stats")).find((s) => s.addr === `${vip}:80`);
  expect(svc).toEqual(expect.objectContaining({ conns: 10, outPkts: 0 }));
  expect(svc!.reals.map((r) => [r.addr, r.conns, r.outPkts]).sort()).toEqual([
    [`${rip("rs1")}:80`, 5, 0], // OutPkts 0: in DR the replies bypass the director
    [`${rip("rs2")}:80`, 5, 0],
  ]);

  // rs1 saw the client's own address (not the router's, not the director's)
  const log = await accessLog("rs1");
  expect(log).toHaveLength(5);
  for (const line of log) expect(line).toMatch(new RegExp(`^\\[(::ffff:)?${env.hosts.client.address.replace(/\./g, "\\.")}\\]:\\d+: url:/$`));
}

describe("LVS-DR tutorial on the lab", () => {
  beforeAll(async () => {
    await holdLab("lab/test/dr");
    env = await ensureLab();
    await lab(["layout", "single"]);
    await lab(["reset"]);
  });
  afterAll(async () => {
    try {
      await lab(["reset"]);
      await lab(["layout", "single"]);
    } finally {
      releaseLab();
    }
  });

  test("single subnet: rr alternates rs1/rs2, --stats counts them, rs1 logs the client's address", async () => {
    await lab(["reset"]);
    expect(env.vip.single.startsWith("10.78.0.")).toBe(true);
    // before any configuration nothing answers on the VIP
    expect(await curlAnswers(1, env.vip.single)).toEqual([expect.stringMatching(/^ERROR /)]);
    await tutorialFlow(env.vip.single);
  });

  test("negative: VIP on a real server before its ARP sysctls -> the router caches rs1's MAC, all answers from rs1", async () => {
    await lab(["reset"]);
    const vip = env.vip.single;
    await prepareRealServer("rs1", vip, "vip-first");
    await prepareRealServer("rs2", vip, "sysctl-first");
    await prepareDirector(vip, [rip("rs1"), rip("rs2")]);

    const answers = await curlAnswers(10, vip);
    expect(answers).toEqual(Array(10).fill("rs1"));
    expect(await routerNeighbour(env, vip)).toBe(env.hosts.rs1!.mac);
    await sleep(2500);
    const svc = parseStats(await sh("director", "ipvsadm -Ln --stats")).find((s) => s.addr === `${vip}:80`);
    expect(svc?.conns).toBe(0); // IPVS never saw the traffic
    expect(svc?.reals).toHaveLength(2);
  });

  test("multi subnet: VIP in 10.78.2.0/24 held by the router, same flow", async () => {
    await lab(["reset"]);
    const vip = env.vip.multi;
    // single layout: the router has no route into the VIP net
    expect((await lab(["exec", "router", "ip", "-4", "addr", "show", "dev", "eth0"])).includes(env.hosts.router.vipNetAddress!)).toBe(false);
    await lab(["layout", "multi"]);
    env = await (await import("../env")).labEnv();
    expect(env.layout).toBe("multi");
    expect(env.vip.current).toBe(vip);
    expect(await lab(["exec", "router", "ip", "-4", "addr", "show", "dev", "eth0"])).toContain(`${env.hosts.router.vipNetAddress}/24`);
    await tutorialFlow(vip);
    // `lab curl` without --vip uses the current layout's VIP
    expect(await curlAnswers(2)).toEqual(expect.arrayContaining(["rs1", "rs2"]));
  });

  // Stock Debian 12 leaves rp_filter at the kernel's 0 (its systemd ships no 50-default.conf), and then
  // a director forwards without a gateway; with reverse-path filtering (Ubuntu's and Fedora's systemd
  // default, or a hardened sysctl.d), it drops the client's packets. The test sets it, as they do.
  test("a director without a default route does not forward with rp_filter on; reset restores it", async () => {
    await lab(["layout", "single"]);
    await lab(["reset"]);
    const vip = env.vip.single;
    await prepareRealServer("rs1", vip, "sysctl-first");
    await prepareRealServer("rs2", vip, "sysctl-first");
    await prepareDirector(vip, [rip("rs1"), rip("rs2")]);
    expect(await curlAnswers(2, vip)).toEqual(expect.arrayContaining(["rs1", "rs2"]));
    await sh("director", "sysctl -qw net.ipv4.conf.all.rp_filter=2 && ip route del default");
    expect(await curlAnswers(2, vip)).toEqual([expect.stringMatching(/^ERROR /), expect.stringMatching(/^ERROR /)]);
    await lab(["reset"]);
    expect(await sh("director", "ip -4 route show default")).toContain(`via ${env.hosts.router.address}`);
    expect(await sh("director", "ipvsadm -Sn | wc -l")).toBe("0\n");
    expect(await sh("director", "sysctl -n net.ipv4.conf.all.rp_filter")).toBe("0\n");
  });
  test("IPv6: the same DR flow on the ULA VIP (no ARP sysctls needed: Linux answers NS only for addresses on the receiving link)", async () => {
    await lab(["layout", "single"]);
    await lab(["reset"]);
    const vip = env.vip6.single;
    for (const rs of ["rs1", "rs2"]) await sh(rs, `ip -6 addr add ${vip}/128 dev lo`);
    const adds = ["rs1", "rs2"].map((rs) => `ipvsadm -a -t [${vip}]:80 -r [${env.hosts[rs]!.address6}]:80 -g`).join(" && ");
    await sh("director", `ip -6 addr add ${vip}/128 dev eth0 nodad && ipvsadm -A -t [${vip}]:80 -s rr && ${adds}`);
    const answers = (await lab(["curl", "6", "-6"])).trim().split("\n");
    expect(answers.filter((a) => a === "rs1")).toHaveLength(3);
    expect(answers.filter((a) => a === "rs2")).toHaveLength(3);
    const neigh = await lab(["exec", "router", "ip", "-6", "neigh", "show", vip, "dev", "eth0"]);
    expect(/lladdr (\S+)/.exec(neigh)?.[1]).toBe(env.hosts.director.mac);
    expect((await accessLog("rs1")).every((l) => l.startsWith(`[${env.hosts.client.address6}]:`))).toBe(true);
    expect(await accessLog("rs1")).toHaveLength(3);
  });
});
