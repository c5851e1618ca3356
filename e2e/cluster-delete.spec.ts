import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { holdLab, lab, type LabEnv, type LabHold, releaseLab } from "../lab/env";
import { ADMIN, addHosts, alerts, ensureAdmin, importSshKey, login, trustHostKeys, newCluster } from "./helpers";

// On the real lab, through the browser: a cluster applied to the director (a VIP and a virtual
// service in its kernel). Two tabs opened on the same real server: the second tab's change is refused
// ("changed by someone else"), not applied over the first. Deleting the cluster is refused while the
// director runs its service, with the exact commands shown; "remove from the director too" takes the
// service and the VIP off the director for real; the cluster's applies stay in the history.
test.describe.configure({ mode: "serial" });
test.setTimeout(300_000);

const CLUSTER = "lab-delete";
const VIP = "10.78.0.214";
const PORT = 8085;
let env: LabEnv;
let hold: LabHold | null = null;
let clusterUrl = "";

const kernel = () => lab(["ssh", "director", "ipvsadm -S -n"]);
const addrs = () => lab(["ssh", "director", "ip -o addr show"]);

/** Signs in as the admin, creating it on the setup page (with its token) when this database is new. */
async function signIn(page: Page) {
  await ensureAdmin(page);
  await login(page, ADMIN);
}

test.beforeAll(async () => {
  test.setTimeout(900_000); // the lab may be held by other tests for a while (acquireLab waits)
  hold = await holdLab("e2e/cluster-delete.spec.ts", ["director"], { waitMs: 840_000 });
  env = hold.env;
});

test.afterAll(async () => {
  test.setTimeout(180_000);
  await releaseLab(hold);
});

test("a cluster applied to the lab director: its service and VIP are in the kernel", async ({ page }) => {
  await signIn(page);
  await importSshKey(page, "lab-key-delete", readFileSync(env.ssh.keyPath, "utf8"));
  ({ clusterUrl } = await newCluster(page, CLUSTER));
  await addHosts(page, clusterUrl.split("/").pop()!, "lab-key-delete", [{ name: "director", role: "director", address: env.hosts.director!.address }]);
  await page.goto(clusterUrl);
  await trustHostKeys(page, [{ name: "director", hostKeys: env.hosts.director!.hostKeys }]);

  await page.goto(clusterUrl);
  await page.getByRole("link", { name: "Add virtual service" }).click();
  await page.getByLabel("VIP").fill(VIP);
  await page.getByLabel("Port", { exact: true }).fill(String(PORT));
  await page.getByLabel("Scheduler", { exact: true }).selectOption("rr");
  await page.getByRole("button", { name: "Add virtual service" }).click();
  await expect(page.getByTestId("service-name")).toHaveText(`TCP ${VIP}:${PORT}`);
  await page.getByTestId("realserver-form").getByLabel("Real server address (RIP)").fill(env.hosts.rs1!.address);
  await page.getByRole("button", { name: "Add real server" }).click();
  await expect(page.getByTestId("realservers-table")).toContainText(`${env.hosts.rs1!.address}:${PORT}`);

  await page.goto(`${clusterUrl}/plan`);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("apply-outcome")).toHaveText("succeeded", { timeout: 90_000 });
  expect(await kernel()).toContain(`-A -t ${VIP}:${PORT} -s rr`);
  expect(await addrs()).toContain(`inet ${VIP}/32`);
});

test("two tabs on one real server: the second tab's change is refused, the first one's stays", async ({ page, context }) => {
  await signIn(page);
  await page.goto(clusterUrl);
  await page.getByRole("link", { name: `TCP ${VIP}:${PORT}` }).click();
  await expect(page.getByTestId("service-name")).toHaveText(`TCP ${VIP}:${PORT}`);
  const serviceUrl = page.url();
  const other = await context.newPage();
  await other.goto(serviceUrl);
  await expect(other.getByTestId("service-name")).toHaveText(`TCP ${VIP}:${PORT}`);
  const rip = `${env.hosts.rs1!.address}:${PORT}`;
  await page.getByRole("button", { name: `Drain ${rip}` }).click();
  await expect(page.getByTestId("realservers-table").getByRole("status")).toContainText("set to drain");
  // the other tab still shows the server as it was when it opened
  await other.getByRole("button", { name: `Disable ${rip}` }).click();
  await expect(alerts(other)).toContainText(`Real server ${rip} was changed by someone else since you opened it. Reload`);
  await other.reload();
  await expect(other.getByTestId("realservers-table")).toContainText("draining");
  await other.close();
});

test("deleting it is refused while the director runs it; 'remove from the director too' takes them off for real; the history stays", async ({ page }) => {
  await signIn(page);
  await page.goto(clusterUrl);
  const form = page.getByTestId("cluster-delete-form");
  await form.getByLabel("Type the cluster's name to confirm").fill(CLUSTER);
  await form.getByRole("button", { name: "Delete cluster" }).click();
  await expect(form.getByRole("alert")).toContainText(`Not deleted. The director director still runs this cluster's 1 virtual service (-t ${VIP}:${PORT}) and VIP ${VIP} on`);
  const commands = form.getByTestId("teardown-commands");
  await expect(commands).toContainText(`ipvsadm -D -t ${VIP}:${PORT}`);
  await expect(commands).toContainText(new RegExp(`ip addr del ${VIP.replace(/\./g, "\\.")}/32 dev \\S+`));
  // the other way says what keeps running
  await expect(form.getByTestId("teardown-plan")).toContainText(`Delete the cluster and leave the director as it is: 1 virtual service (-t ${VIP}:${PORT}) and VIP ${VIP} on`);
  await expect(form.getByTestId("teardown-plan")).toContainText("keep running, and the panel no longer manages them");
  // nothing was deleted or changed
  await page.reload();
  await expect(page.getByTestId("cluster-name")).toHaveText(CLUSTER);
  expect(await kernel()).toContain(`-A -t ${VIP}:${PORT}`);

  await form.getByLabel("Type the cluster's name to confirm").fill(CLUSTER);
  await form.getByRole("button", { name: "Delete cluster" }).click();
  await expect(form.getByTestId("teardown-plan")).toBeVisible();
  await form.getByLabel(/Remove them from the director too/).check();
  await form.getByLabel("Type the cluster's name to confirm").fill(CLUSTER);
  await form.getByRole("button", { name: "Delete cluster as chosen" }).click();
  await expect(page).toHaveURL(/\/clusters$/, { timeout: 90_000 });
  await expect(page.getByText(CLUSTER)).toHaveCount(0);
  expect(await kernel()).not.toContain(`${VIP}:${PORT}`);
  expect(await addrs()).not.toContain(`inet ${VIP}/32`);

  // the applies (the operator's and the removal) stay, shown under the deleted cluster's name
  await page.goto("/audit");
  const runs = page.getByTestId("orphan-applies");
  await expect(runs.locator("tr", { hasText: CLUSTER })).toHaveCount(2);
  await expect(runs).toContainText(`ipvsadm -D -t ${VIP}:${PORT}`);
  await expect(runs).toContainText(`ipvsadm -A -t ${VIP}:${PORT} -s rr`);
  await expect(page.getByTestId("audit-table")).toContainText(`cluster:${CLUSTER}`);
});
