import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { holdLab, lab, type LabEnv, type LabHold, releaseLab } from "../lab/env";
import { ClientStream } from "../test/support/client-stream";
import { ADMIN, addHosts, deleteCluster, importSshKey, login, trustHostKeys, newCluster } from "./helpers";

// Director HA through the browser, on the lab's two Debian director VMs: the seed's DR service with
// director (priority 150) and director2 (100), HA turned on in the HA settings form, the plan per
// director, Apply: both kernels hold the same table (read over the lab's own SSH), only the MASTER
// holds the VIP, the Directors panel says so; then a planned switchover from the panel under a
// client's request stream: no request fails, director2 is MASTER; VRRP blocked between them: the
// split-brain banner, gone once unblocked. Leaves the lab with one director.
test.describe.configure({ mode: "serial" });
test.setTimeout(300_000);

let env: LabEnv;
let hold: LabHold | null = null;
const CLUSTER = "lab-ha";
let clusterUrl = "";
const streams: ClientStream[] = [];

test.beforeAll(async () => {
  test.setTimeout(900_000);
  hold = await holdLab("e2e/director-ha.spec.ts", ["director", "rs1", "rs2"]);
  await lab(["up", "--directors", "2"], { timeoutMs: 600_000 });
  env = JSON.parse(await lab(["env", "--json"])) as LabEnv;
  hold.env = env;
});

test.afterAll(async ({ browser }) => {
  test.setTimeout(900_000);
  for (const s of streams) s.stop();
  try {
    await deleteCluster(browser, CLUSTER, clusterUrl);
    for (const d of ["director", "director2"]) await lab(["ssh", d, "systemctl stop keepalived; rm -f /etc/keepalived/keepalived.conf"]).catch(() => "");
    await lab(["up"], { timeoutMs: 600_000 }).catch(() => "");
  } finally {
    await releaseLab(hold);
  }
});

const state = (page: Page, director: string) => page.locator(`[data-director-state="${director}"]`);

test("two directors: HA on, apply to both (same table, VIP only on the MASTER), then a switchover from the panel loses no request", async ({ page }) => {
  const vip = env.vip.single;
  await login(page, ADMIN);
  await importSshKey(page, "ha-key", readFileSync(env.ssh.keyPath, "utf8"));
  let clusterId: string;
  ({ clusterUrl, clusterId } = await newCluster(page, CLUSTER));
  await addHosts(page, clusterId, "ha-key", [
    { name: "director", role: "director", address: env.hosts.director!.address, vrrpPriority: 150 },
    // director2 as the non-root sudo user: keepalived through the panel's helper
    { name: "director2", role: "director", address: env.hosts.director2!.address, sshUser: env.hosts.director2!.sudoUser ?? undefined, vrrpPriority: 100 },
    { name: "rs1", role: "real_server", address: env.hosts.rs1!.address },
    { name: "rs2", role: "real_server", address: env.hosts.rs2!.address },
  ]);
  await page.goto(clusterUrl);
  await trustHostKeys(page, ["director", "director2", "rs1", "rs2"].map((name) => ({ name, hostKeys: env.hosts[name]!.hostKeys })));

  await page.getByRole("link", { name: "Add virtual service" }).click();
  await page.getByLabel("VIP").fill(vip);
  await page.getByLabel("Port", { exact: true }).fill("80");
  await page.getByLabel("Scheduler", { exact: true }).selectOption("rr");
  await page.getByRole("button", { name: "Add virtual service" }).click();
  for (const rs of ["rs1", "rs2"]) {
    await page.getByLabel("Known host").selectOption({ label: `${rs} (${env.hosts[rs]!.address})` });
    await page.getByRole("button", { name: "Add real server" }).click();
    await expect(page.getByTestId("realservers-table")).toContainText(`${env.hosts[rs]!.address}:80`);
  }
  await page.goto(clusterUrl);
  await page.getByRole("button", { name: "Prepare real servers for DR" }).click();
  await expect(page.getByTestId("prepare-panel").getByRole("status")).toContainText("rs2: DR-ready", { timeout: 60_000 });

  // HA on, in the settings form
  await page.goto(`${clusterUrl}/ha`);
  await expect(page.getByTestId("ha-warning")).toContainText("keepalived, not the panel, binds the VIPs");
  await page.getByLabel("virtual_router_id").fill("300");
  await page.getByLabel("Director HA (keepalived VRRP between the directors)").check();
  await page.getByRole("button", { name: "Save HA settings" }).click();
  await expect(page.getByText("must be 1-255")).toBeVisible();
  await page.getByLabel("virtual_router_id").fill("78");
  await page.getByLabel("Preempt delay (seconds)").fill("5");
  await page.getByRole("button", { name: "Save HA settings" }).click();
  await expect(page.getByTestId("ha-state")).toHaveText("on");

  // the plan: steps per director, keepalived on both, no VIP bound by the panel
  await page.goto(`${clusterUrl}/plan`);
  for (const d of ["director", "director2"]) {
    const plan = page.locator(`[data-plan-host="${d}"]`);
    await expect(plan).toContainText("keepalived VRRP configuration");
    await expect(plan).toContainText(`ipvsadm -A -t ${vip}:80 -s rr`);
    await expect(plan).not.toContainText(`ip addr add ${vip}`);
  }
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/\/applies\/[a-z0-9]+$/);
  await expect(page.getByTestId("apply-outcome")).toHaveText("succeeded", { timeout: 180_000 });

  // both kernels, read independently: the same table; the VIP on the MASTER only
  const [s1, s2] = [await lab(["ssh", "director", "ipvsadm -S -n"]), await lab(["ssh", "director2", "ipvsadm -S -n"])];
  expect(s1).toContain(`-A -t ${vip}:80 -s rr`);
  expect(s2).toBe(s1);
  await expect.poll(async () => (await lab(["ssh", "director", "ip -4 -o addr show dev eth0"])).includes(` ${vip}/32 `), { timeout: 30_000 }).toBe(true);
  expect(await lab(["ssh", "director2", "ip -4 -o addr show dev eth0"])).not.toContain(` ${vip}/32 `);
  await page.goto(clusterUrl);
  await expect(state(page, "director")).toHaveAttribute("data-vrrp-state", "MASTER", { timeout: 30_000 });
  await expect(state(page, "director2")).toHaveAttribute("data-vrrp-state", "BACKUP");
  await expect(page.locator('[data-director="director"] [data-vips-held]')).toHaveAttribute("data-vips-held", vip);
  await expect(page.getByTestId("split-brain")).toHaveCount(0);
  const answers = (await lab(["curl", "4"])).trim().split("\n").map((l) => l.split(/\s/)[0]);
  expect(new Set(answers)).toEqual(new Set(["rs1", "rs2"]));

  // planned switchover from the panel, under a steady stream of requests
  const stream = new ClientStream(`http://${vip}/`, { maxTimeS: 5 });
  streams.push(stream);
  await stream.waitFor(10);
  const t0 = Date.now();
  await page.getByTestId("switch-over").getByRole("button", { name: "Switch over" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Switch over" }).click();
  await expect(page.getByTestId("failover-result")).toHaveAttribute("data-to", "director2", { timeout: 60_000 });
  await stream.waitFor(10);
  stream.stop();
  expect(stream.failures(t0)).toEqual([]);
  await page.reload();
  await expect(state(page, "director2")).toHaveAttribute("data-vrrp-state", "MASTER", { timeout: 30_000 });
  await expect(state(page, "director")).toHaveAttribute("data-vrrp-state", "BACKUP", { timeout: 30_000 });
  expect(await lab(["ssh", "director2", "ip -4 -o addr show dev eth0"])).toContain(` ${vip}/32 `);

  // VRRP blocked between the directors (each one's peer at a MAC nobody has): both take the VIP, and
  // the cluster page says SPLIT BRAIN loudly within a poll or two; unblocked, the banner goes away
  const peers = [["director", env.hosts.director2!.address], ["director2", env.hosts.director!.address]] as const;
  const block = (on: boolean) => Promise.all(peers.map(([d, peer]) =>
    lab(["ssh", d, on ? `ip neigh replace ${peer} lladdr 02:00:00:00:de:ad dev eth0 nud permanent` : `ip neigh del ${peer} dev eth0`])));
  await block(true);
  try {
    await expect(page.getByTestId("split-brain")).toContainText(vip, { timeout: 30_000 });
    await expect(page.getByTestId("split-brain")).toContainText("director2");
  } finally {
    await block(false);
  }
  await expect(page.getByTestId("split-brain")).toHaveCount(0, { timeout: 30_000 });
});
