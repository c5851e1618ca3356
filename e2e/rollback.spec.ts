import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { holdLab, lab, type LabEnv, type LabHold, releaseLab } from "../lab/env";
import { ADMIN, addHosts, deleteCluster, importSshKey, login, trustHostKeys, newCluster } from "./helpers";

// Import, versions and rollback through the browser, on the real lab: the seed's DR keepalived.conf
// pasted into the Import page (preview with lines, Confirm = one version), Prepare, Plan, Apply (verified),
// `lab curl` alternates; then a bad change (a YAML document pointing the VIP at real servers that do not
// exist), applied: the VIP answers no more; Versions: roll back to the last verified version, the plan
// page, Apply, and `lab curl` alternates between rs1 and rs2 again.
test.describe.configure({ mode: "serial" });
test.setTimeout(300_000);

let env: LabEnv;
let hold: LabHold | null = null;
const CLUSTER = "lab-rollback";
let clusterUrl = "";
const SEED = readFileSync(path.resolve(import.meta.dirname, "../test/fixtures/keepalived/dr-seed.conf"), "utf8");

async function curl(n: number, vip: string): Promise<string[]> {
  const r = await lab(["curl", String(n), "--vip", vip]).catch((e: Error) => e.message);
  return r.trim().split("\n").filter((l) => /^(rs\d|sorry|ERROR)/.test(l));
}
const alternates = (answers: string[]) => answers.length > 1 && new Set(answers).size === 2 && answers.every((a, i) => i === 0 || a !== answers[i - 1]) && answers.every((a) => /^rs[12]$/.test(a));

test.beforeAll(async () => {
  test.setTimeout(600_000);
  hold = await holdLab("e2e/rollback.spec.ts", ["director", "rs1", "rs2"]);
  env = hold.env;
});

test.afterAll(async ({ browser }) => {
  test.setTimeout(180_000);
  try {
    // its imported health checks keep running while the cluster exists, on the VIP the next specs use
    await deleteCluster(browser, CLUSTER, clusterUrl);
  } finally {
    await releaseLab(hold);
  }
});

/** Apply from the plan page; a plan that removes real servers asks first (the dialog names the steps), and is confirmed. */
async function applyFromPlan(page: import("@playwright/test").Page, disruptive: string[] = []) {
  await page.getByRole("button", { name: "Apply" }).click();
  if (disruptive.length) {
    const dialog = page.getByRole("dialog", { name: "Apply disruptive changes?" });
    for (const d of disruptive) await expect(dialog.getByTestId("disruptive-list")).toContainText(d);
    await dialog.getByRole("button", { name: "Apply and cut these connections" }).click();
  }
  await expect(page).toHaveURL(/\/applies\/[a-z0-9]+$/);
  await expect(page.getByTestId("apply-outcome")).toHaveText(/succeeded|failed|verify_failed/, { timeout: 120_000 });
  return page.getByTestId("apply-outcome").textContent();
}

test("import the seed's keepalived.conf, apply, break it, roll back to the last verified version, apply: curl alternates again", async ({ page }) => {
  const vip = env.vip.single;
  expect(vip).toBe("10.78.0.100"); // the seed's keepalived.conf is written for the lab's single-subnet VIP
  await login(page, ADMIN);
  await importSshKey(page, "rollback-key", readFileSync(env.ssh.keyPath, "utf8"));
  let clusterId: string;
  ({ clusterUrl, clusterId } = await newCluster(page, CLUSTER));
  const sshUser = (name: string) => (name === "director" && env.hosts.director.sudoUser ? env.hosts.director.sudoUser : undefined);
  await addHosts(page, clusterId, "rollback-key", ([["director", "director"], ["rs1", "real_server"], ["rs2", "real_server"]] as const)
    .map(([name, role]) => ({ name, role, address: env.hosts[name]!.address, sshUser: sshUser(name) })));
  await page.goto(clusterUrl);
  await trustHostKeys(page, ["director", "rs1", "rs2"].map((name) => ({ name, hostKeys: env.hosts[name]!.hostKeys })));

  // Import: paste, preview (each directive with its line), nothing stored yet, Confirm
  await page.goto(`${clusterUrl}/import`);
  await page.getByTestId("import-text").fill(SEED);
  await page.getByRole("button", { name: "Preview" }).click();
  const items = page.getByTestId("import-items");
  // lb_algo is on line 8 of the seed's file
  await expect(items.locator("tr", { hasText: "lb_algo" }).locator("td").first()).toHaveText("8");
  await expect(page.getByTestId("import-changes")).toContainText(`+ add TCP ${vip}:80 (rr, route, 2 real servers)`);
  await expect(page.getByTestId("import-items").locator('tr[data-kind="refused"]')).toHaveCount(0);
  await page.getByRole("button", { name: "Confirm: store as a new version" }).click();
  await expect(page).toHaveURL(/\/plan\?imported=\d+$/);
  await expect(page.getByTestId("import-notice")).toContainText("Imported as version");

  // Prepare DR, apply, traffic alternates
  await page.goto(clusterUrl);
  await page.getByRole("button", { name: "Prepare real servers for DR" }).click();
  await expect(page.getByTestId("prepare-panel").getByRole("status")).toContainText("rs1: DR-ready", { timeout: 60_000 });
  await page.goto(`${clusterUrl}/plan`);
  await expect(page.locator('[data-plan-host="director"]')).toContainText(`ipvsadm -A -t ${vip}:80 -s rr`);
  expect(await applyFromPlan(page)).toBe("succeeded");
  await expect.poll(() => curl(6, vip).then(alternates), { timeout: 30_000 }).toBe(true);

  // the bad change: a YAML document sending the VIP to real servers that do not exist; applied
  await page.goto(`${clusterUrl}/import`);
  await page.getByLabel("From").selectOption("yaml");
  await page.getByTestId("import-text").fill(`version: 1\nservices:\n  - protocol: tcp\n    address: ${vip}\n    port: 80\n    scheduler: rr\n    realServers:\n      - address: 10.78.0.201\n      - address: 10.78.0.202\n`);
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByTestId("import-changes")).toContainText(`- TCP ${vip}:80: remove real server ${env.hosts.rs1!.address}:80`);
  await page.getByRole("button", { name: "Confirm: store as a new version" }).click();
  await expect(page).toHaveURL(/\/plan\?imported=\d+$/);
  expect(await applyFromPlan(page, [`ipvsadm -d -t ${vip}:80 -r ${env.hosts.rs1!.address}:80`, `ipvsadm -d -t ${vip}:80 -r ${env.hosts.rs2!.address}:80`])).toBe("succeeded");
  const broken = await curl(4, vip);
  expect(broken.some((a) => /^rs[12]$/.test(a))).toBe(false);

  // Versions: the two applies, each on its version; roll back to the last verified one before the bad change
  await page.goto(`${clusterUrl}/versions`);
  const table = page.getByTestId("versions-table");
  const rows = table.locator("tbody tr");
  const current = Number(await rows.first().getAttribute("data-version"));
  await expect(rows.first()).toContainText("verified");
  await expect(rows.first().locator("td").nth(3)).toHaveText("import");
  // the version the first apply pushed: the newest verified one below the current
  const verified = table.locator("tbody tr", { has: page.getByTestId("apply-outcome").getByText("verified") });
  const good = Number(await verified.nth(1).getAttribute("data-version"));
  expect(good).toBeLessThan(current);
  await page.getByRole("link", { name: "diff" }).first().click();
  await expect(page.getByTestId("version-diff")).toContainText(`- TCP ${vip}:80: remove real server ${env.hosts.rs1!.address}:80`);
  await page.goto(`${clusterUrl}/versions`);
  await page.getByTestId(`rollback-${good}`).click();
  await expect(page).toHaveURL(/\/plan\?rolledBack=\d+&as=\d+$/);
  await expect(page.getByTestId("rollback-notice")).toContainText(`the desired state of version ${good} is now version ${current + 1}`);
  await expect(page.locator('[data-plan-host="director"]')).toContainText(`-r ${env.hosts.rs1!.address}:80`);
  expect(await applyFromPlan(page, [`ipvsadm -d -t ${vip}:80 -r 10.78.0.201:80`])).toBe("succeeded");
  await expect.poll(() => curl(6, vip).then(alternates), { timeout: 30_000 }).toBe(true);
  await page.goto(`${clusterUrl}/versions`);
  await expect(table.locator("tbody tr").first().locator("td").nth(3)).toHaveText("rollback");
  await expect(table.locator("tbody tr").first()).toContainText("verified");

  // the Export menu on the cluster page: the document (YAML) and keepalived.conf of the rolled-back state
  await page.goto(clusterUrl);
  await page.getByTestId("export-menu").locator("summary").click();
  const yamlLink = page.getByRole("link", { name: "YAML document (for git, lvs apply -f)" });
  await expect(yamlLink).toBeVisible();
  const yaml = await page.request.get(new URL(await yamlLink.getAttribute("href") ?? "", page.url()).toString());
  expect(yaml.status()).toBe(200);
  expect(await yaml.text()).toContain(`address: ${vip}`);
  const conf = await page.request.get(new URL(`/api/clusters/${clusterId}/export?format=keepalived`, page.url()).toString());
  expect(await conf.text()).toMatch(new RegExp(`virtual_server ${vip.replace(/\./g, "\\.")} 80 \\{[\\s\\S]*real_server ${env.hosts.rs1!.address.replace(/\./g, "\\.")} 80`));
});
