import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { holdLab, lab, labEnv, type LabEnv } from "../lab/env";
import { ADMIN, alerts, fieldError, login, VIEWER, importSshKey, addHosts, snap, snapOf, trustHostKeys } from "./helpers";

// The tutorial through the browser, on the real lab: a cluster, the director and rs1/rs2 with
// trusted host keys, VIP:80 rr, rs1:80 and rs2 (port locked to 80), prepare, plan, apply, live table,
// `lab curl` alternating, remove rs2 + apply, undo. Then the same in the multi-subnet layout.
test.describe.configure({ mode: "serial" });
test.setTimeout(240_000);

let env: LabEnv;
let release: (() => void) | null = null;
let clusterUrl = "";

/** ActiveConn summed over every real server of an `ipvsadm -Ln` listing. */
function kernelTotal(list: string): number {
  return list.split("\n").filter((l) => l.trim().startsWith("-> ") && !l.includes("RemoteAddress")).reduce((n, l) => n + Number(l.trim().split(/\s+/)[4] ?? 0), 0);
}

/** ActiveConn of one real server in an `ipvsadm -Ln` listing (0 when absent). */
function kernelActive(list: string, dest: string): number {
  const line = list.split("\n").find((l) => l.trim().startsWith(`-> ${dest} `));
  return line ? Number(line.trim().split(/\s+/)[4]) : 0;
}

async function curl(n: number, vip: string): Promise<string[]> {
  const r = await lab(["curl", String(n), "--vip", vip]).catch((e: Error) => e.message);
  return r.trim().split("\n").filter((l) => /^(rs\d|sorry|ERROR)/.test(l));
}

test.beforeAll(async () => {
  test.setTimeout(600_000); // the lab may be held by another package's tests for a while (acquireLab waits)
  ({ env, release } = await holdLab("e2e/seed-dr.spec.ts", ["director", "rs1", "rs2"]));
});

test.afterAll(async () => {
  test.setTimeout(180_000);
  try {
    if (env?.up) {
      await lab(["reset"]);
      await lab(["layout", "single"]);
    }
  } finally {
    release?.();
  }
});

async function serviceRow(page: Page, text: string) {
  return page.getByTestId("live-table").locator("tr", { hasText: text });
}

test("tutorial, single subnet: hosts with trusted keys, VIP:80 rr, rs1 + rs2, prepare, plan, apply, live, curl, remove, undo", async ({ page, request }) => {
  const vip = env.vip.single;
  await login(page, ADMIN);

  // the lab's SSH key, imported through the SSH keys page
  await importSshKey(page, "lab-key", readFileSync(env.ssh.keyPath, "utf8"));

  await page.goto("/clusters/new");
  await page.getByLabel("Name").fill("lab-dr");
  await page.getByRole("button", { name: "Create cluster" }).click();
  await expect(page.getByTestId("cluster-name")).toHaveText("lab-dr");
  clusterUrl = page.url().replace(/\?.*$/, "");
  const clusterId = clusterUrl.split("/").pop()!;

  // the Debian director as its non-root user (sudo through the panel's helper, the lab installs it)
  const sshUser = (name: string) => (name === "director" && env.hosts.director.sudoUser ? env.hosts.director.sudoUser : undefined);
  await addHosts(page, clusterId, "lab-key", ([["director", "director"], ["rs1", "real_server"], ["rs2", "real_server"]] as const).map(([name, role]) => ({ name, role, address: env.hosts[name]!.address, sshUser: sshUser(name) })));

  // Trust each key after comparing the fingerprint with the one the lab publishes
  await page.goto(clusterUrl);
  await trustHostKeys(page, ["director", "rs1", "rs2"].map((name) => ({ name, hostKeys: env.hosts[name]!.hostKeys })));
  await page.reload();
  for (const name of ["director", "rs1", "rs2"]) await expect(page.getByTestId(`hostkey-${name}`).getByTestId("pinned-fingerprint")).toHaveText(/^SHA256:/);

  // VIP:80 rr
  await page.getByRole("link", { name: "Add virtual service" }).click();
  await page.getByLabel("VIP").fill(vip);
  await page.getByLabel("Port", { exact: true }).fill("80");
  await page.getByLabel("Scheduler", { exact: true }).selectOption("rr");
  await expect(page.getByTestId("scheduler-help")).toContainText("Round robin");
  await page.getByRole("button", { name: "Add virtual service" }).click();
  await expect(page.getByTestId("service-name")).toHaveText(`TCP ${vip}:80`);

  // rs1:80 and rs2:999 — the form shows the port locked to 80 with the reason, and the server forces it
  await page.getByLabel("Known host").selectOption({ label: `rs1 (${env.hosts.rs1!.address})` });
  await expect(page.getByLabel("Port", { exact: true })).toHaveValue("80");
  await page.getByRole("button", { name: "Add real server" }).click();
  await expect(page.getByTestId("realserver-form").getByRole("status")).toContainText(`Added real server ${env.hosts.rs1!.address}:80`);
  await page.getByLabel("Known host").selectOption({ label: `rs2 (${env.hosts.rs2!.address})` });
  const port = page.getByTestId("realserver-form").getByLabel("Port", { exact: true });
  await expect(port).toHaveAttribute("readonly", "");
  await expect(page.getByTestId("port-lock-reason")).toContainText("Locked to the service port 80");
  await port.evaluate((el: HTMLInputElement) => { el.readOnly = false; el.value = "999"; });
  await page.getByRole("button", { name: "Add real server" }).click();
  await expect(page.getByTestId("realserver-form").getByRole("status")).toContainText("Port 999 became 80");
  await expect(page.getByTestId("realservers-table")).toContainText(`${env.hosts.rs2!.address}:80`);
  await expect(page.getByTestId("realservers-table")).not.toContainText(":999");

  // prepare the real servers
  await page.goto(clusterUrl);
  await page.getByRole("button", { name: "Prepare real servers for DR" }).click();
  await expect(page.getByTestId("prepare-panel").getByRole("status")).toContainText("rs1: DR-ready", { timeout: 60_000 });
  await expect(page.getByTestId("prepare-panel").getByRole("status")).toContainText("rs2: DR-ready");

  // plan: exact commands per host, nothing applied yet
  await page.goto(`${clusterUrl}/plan`);
  const dplan = page.locator('[data-plan-host="director"]');
  await expect(dplan).toContainText(`ip addr add ${vip}/32 dev eth0`);
  await expect(dplan).toContainText(`ipvsadm -A -t ${vip}:80 -s rr`);
  await expect(dplan).toContainText(`ipvsadm -a -t ${vip}:80 -r ${env.hosts.rs1!.address}:80 -g -w 1`);
  await expect(dplan).toContainText(`ipvsadm -a -t ${vip}:80 -r ${env.hosts.rs2!.address}:80 -g -w 1`);
  expect(await lab(["ssh", "director", "ipvsadm -S -n"])).not.toContain(vip);

  // apply: progress page, then succeeded with verification; it survives a reload
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/\/applies\/[a-z0-9]+$/);
  await expect(page.getByTestId("apply-outcome")).toHaveText("succeeded", { timeout: 60_000 });
  await page.reload();
  await expect(page.getByTestId("apply-outcome")).toHaveText("succeeded");
  await expect(page.getByTestId("verification")).toContainText("matches the desired state");
  expect(await lab(["ssh", "director", "ipvsadm -S -n"])).toContain(`-a -t ${vip}:80 -r ${env.hosts.rs2!.address}:80 -g -w 1`);
  // ... and persisted for a reboot, the distribution's way (the reboot itself: lab/test/reboot.int.test.ts)
  const persist = page.getByTestId("apply-run").locator("tr", { hasText: "persist for a reboot" });
  await expect(persist).toContainText("succeeded");
  if (env.directorKind === "debian") {
    await expect(persist).toContainText("debian: rules saved to /etc/ipvsadm.rules; VIPs bound at boot by lvs-panel-director-vip.service");
    expect(await lab(["ssh", "director", "cat /etc/ipvsadm.rules"])).toBe(await lab(["ssh", "director", "ipvsadm -S -n"]));
    expect(await lab(["ssh", "director", "systemctl is-enabled lvs-panel-director-vip.service"])).toBe("enabled\n");
  }

  // the live table shows both real servers Route 1, and no drift
  await page.goto(clusterUrl);
  for (const rs of ["rs1", "rs2"]) {
    const row = await serviceRow(page, `-> ${env.hosts[rs]!.address}:80`);
    await expect(row).toContainText("Route");
    await expect(row.locator('[data-col="weight"]')).toHaveText("1");
  }
  await expect(page.getByTestId("drift-count")).toHaveCount(0);

  // the client alternates rs1/rs2, and the counters rise (stats view)
  const answers = await curl(10, vip);
  expect(answers).toHaveLength(10);
  for (let i = 1; i < answers.length; i++) expect(answers[i]).not.toBe(answers[i - 1]);
  expect(new Set(answers)).toEqual(new Set(["rs1", "rs2"]));
  await page.getByRole("button", { name: "Stats" }).click();
  const svcStats = (await serviceRow(page, `TCP ${vip}:80`)).locator("td").nth(2);
  await expect(svcStats).toHaveAttribute("title", /^10$|^1\d$/, { timeout: 15_000 });

  // DR replies bypass the director: the stats view says why OutPkts stays 0
  await expect(page.getByTestId("dr-outpkts-note")).toContainText("bypass the director");
  await snap(page, "stats-view");

  // remove rs2: a dialog names what breaks (its active connections now, from the kernel); Cancel keeps it
  const rs1a = env.hosts.rs1!.address, rs2a = env.hosts.rs2!.address;
  await page.goto(`${clusterUrl}`);
  await page.getByRole("link", { name: `TCP ${vip}:80` }).click();
  const rs2Active = kernelActive(await lab(["ssh", "director", "ipvsadm -Ln"]), `${rs2a}:80`);
  await page.getByRole("button", { name: `Remove ${rs2a}:80` }).click();
  const removeDialog = page.getByRole("dialog", { name: `Remove ${rs2a}:80 from TCP ${vip}:80?` });
  await expect(removeDialog.getByTestId("remove-rs-conns")).toHaveText(rs2Active === 0
    ? "The director sends it new requests now (weight 1), with no active connection at this moment: after the next apply it gets none."
    : `The director sends it traffic now (weight 1) with ${rs2Active} active connection${rs2Active === 1 ? "" : "s"}: at the next apply they break.`);
  await snapOf(removeDialog, "remove-rs-dialog");
  await removeDialog.getByRole("button", { name: "Cancel" }).click();
  await expect(removeDialog).toBeHidden();
  await page.reload();
  await expect(page.getByTestId("realservers-table")).toContainText(`${rs2a}:80`);
  await page.getByRole("button", { name: `Remove ${rs2a}:80` }).click();
  await removeDialog.getByRole("button", { name: `Yes, remove ${rs2a}:80` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Removed ${rs2a}:80 from the desired state` })).toBeVisible();
  await expect(page.getByTestId("realservers-table")).not.toContainText(`${rs2a}:80`);

  // the plan's disruptive step: Apply asks first, naming the step and its active connections now
  await page.goto(`${clusterUrl}/plan`);
  await expect(page.locator('[data-disruptive="yes"]')).toContainText(`ipvsadm -d -t ${vip}:80 -r ${rs2a}:80`);
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  const applyDialog = page.getByRole("dialog", { name: "Apply disruptive changes?" });
  await expect(applyDialog.getByTestId("disruptive-list")).toContainText(new RegExp(`ipvsadm -d -t ${vip.replace(/\./g, "\\.")}:80 -r ${rs2a.replace(/\./g, "\\.")}:80: \\d+ active connections? now`));
  await snapOf(applyDialog, "apply-disruptive-dialog");
  await applyDialog.getByRole("button", { name: "Cancel" }).click();
  expect(await lab(["ssh", "director", "ipvsadm -S -n"])).toContain(`-a -t ${vip}:80 -r ${rs2a}:80`); // nothing applied
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await applyDialog.getByRole("button", { name: "Apply and cut these connections" }).click();
  await expect(page.getByTestId("apply-outcome")).toHaveText("succeeded", { timeout: 60_000 });
  expect(await curl(4, vip)).toEqual(["rs1", "rs1", "rs1", "rs1"]);

  // only what is current: rs2 serves no VIP now, so it is "not in use" (the plan, the ARP panel: no red)
  await page.goto(`${clusterUrl}/plan`);
  const rs2Plan = page.locator('[data-plan-host="rs2"]');
  await expect(rs2Plan).toContainText("real server, not in use");
  await snap(page, "plan-not-in-use");
  await expect(rs2Plan).toContainText("Not in use: no virtual service sends it traffic");
  await expect(rs2Plan).not.toContainText(`Real server for ${vip}`);
  await expect(page.locator('[data-plan-host="rs1"]')).toContainText(`Real server for ${vip} (route)`);
  await page.goto(clusterUrl);
  const arpRs2 = page.getByTestId("arp-panel").locator('[data-rs="rs2"]');
  await expect(arpRs2.locator('[data-in-use="no"]')).toContainText("not in use", { timeout: 15_000 });
  await expect(arpRs2.locator('[data-tone="bad"]')).toHaveCount(0);
  await snapOf(page.getByTestId("arp-panel"), "arp-not-in-use");
  await expect(arpRs2.locator('[role="alert"], .text-red-700')).toHaveCount(0);

  // undo on everything while rs1 still takes a share of the VIP: refused, nothing changed, the warning says why
  const lo = async (h: string) => lab(["exec", h, "ip", "-o", "addr", "show", "dev", "lo"]);
  // the API first: 409 and nothing changed, unless the confirmation names rs1 itself
  await page.goto("/api-tokens");
  await page.getByLabel("Name").fill("undo-check");
  await page.getByLabel("Role").selectOption("operator");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = await page.getByTestId("new-token").inputValue();
  const unprepare = (data: object) => request.post("/api/v1/clusters/lab-dr/unprepare", { headers: { Authorization: `Bearer ${token}` }, data });
  const apiRefusal = await unprepare({});
  expect(apiRefusal.status()).toBe(409);
  expect(JSON.stringify(await apiRefusal.json())).toContain(`rs1 still receives traffic (TCP ${vip}:80 → ${rs1a}:80 (weight 1,`);
  expect((await unprepare({ confirmDropTraffic: ["rs2"] })).status()).toBe(409);
  expect(await lo("rs1")).toContain(`${vip}/32`);
  await page.goto(clusterUrl);
  const panel = page.getByTestId("prepare-panel");
  await panel.getByRole("button", { name: "Undo DR preparation" }).first().click();
  const warning = panel.getByTestId("undo-warning");
  await expect(warning).toContainText("Nothing was changed: undoing now would drop live traffic", { timeout: 60_000 });
  await expect(warning).toContainText(`rs1 still receives requests: TCP ${vip}:80 → ${rs1a}:80 (weight 1,`);
  await expect(warning).not.toContainText("rs2 still receives");
  await expect(warning.getByRole("link", { name: `Drain and remove rs1 from TCP ${vip}:80 first` })).toHaveAttribute("href", /\/services\//);
  await snapOf(panel, "undo-warning");
  expect(await lo("rs1")).toContain(`${vip}/32`);
  expect(await lo("rs2")).toContain(`${vip}/32`); // the refusal is all or nothing: rs2 was not undone either
  expect(await curl(4, vip)).toEqual(["rs1", "rs1", "rs1", "rs1"]);
  // a confirmation that names another host does not cover rs1 (the server checks each live host)
  const anyway = warning.getByRole("button", { name: "Undo anyway and drop rs1's traffic" });
  await warning.locator('input[name="confirmDropTraffic"]').evaluate((el: HTMLInputElement) => { el.value = "rs2"; });
  await anyway.click();
  await expect(warning).toContainText("rs1 still receives requests", { timeout: 60_000 });
  expect(await lo("rs1")).toContain(`${vip}/32`);

  // undo anyway, confirmed: the result reads as the expected outcome, and the panel shows it first
  await warning.getByRole("button", { name: "Undo anyway and drop rs1's traffic" }).click();
  const done = panel.getByRole("status").filter({ hasText: "Undid the preparation on rs1, rs2" });
  await expect(done).toContainText("rs1: no longer DR-ready (VIP off lo, ARP sysctls back), as expected after an undo", { timeout: 60_000 });
  await expect(done).not.toContainText("not ready:");
  await snapOf(panel, "undo-done");
  const rs1 = page.getByTestId("arp-panel").locator('[data-rs="rs1"]');
  await expect(rs1.locator('[data-sysctl="all.arp_ignore"]')).toHaveText("all.arp_ignore=0");
  await expect(rs1.locator('[data-sysctl="all.arp_announce"]')).toHaveText("all.arp_announce=0");
  await expect(rs1).toContainText("not bound");
  expect(await lo("rs1")).not.toContain(`${vip}/32`);
  // what the warning said: the director still sends rs1 its share, and rs1 drops it
  expect((await curl(2, vip)).every((l) => l.startsWith("ERROR"))).toBe(true);
});

test("the same in the multi-subnet layout: VIP moved to the VIP network, old service removed by apply", async ({ page }) => {
  test.skip(!clusterUrl, "needs the single-subnet tutorial");
  await lab(["reset"]);
  await lab(["layout", "multi"]);
  env = await labEnv();
  const vip = env.vip.multi;
  await login(page, ADMIN);
  await page.goto(clusterUrl);
  await page.getByRole("link", { name: `TCP ${env.vip.single}:80` }).click();
  await expect(page.getByTestId("service-name")).toHaveText(`TCP ${env.vip.single}:80`);
  const serviceUrl = page.url().replace(/\?.*$/, "");
  // rs2 back, then move the service to the multi-subnet VIP
  await page.getByLabel("Known host").selectOption({ label: `rs2 (${env.hosts.rs2!.address})` });
  await page.getByRole("button", { name: "Add real server" }).click();
  await expect(page.getByTestId("realserver-form").getByRole("status")).toContainText("Added real server");
  await page.goto(`${serviceUrl}/edit`);
  const form = page.getByTestId("service-form");
  await form.getByLabel("VIP").fill(vip);
  await form.getByRole("button", { name: "Save service" }).click();
  await expect(form.getByRole("status")).toContainText(`Saved TCP ${vip}:80`);

  await page.goto(clusterUrl);
  await page.getByRole("button", { name: "Prepare real servers for DR" }).click();
  await expect(page.getByTestId("prepare-panel").getByRole("status")).toContainText("rs2: DR-ready", { timeout: 60_000 });
  await page.goto(`${clusterUrl}/plan`);
  await expect(page.locator('[data-plan-host="director"]')).toContainText(`ipvsadm -A -t ${vip}:80 -s rr`);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("apply-outcome")).toHaveText("succeeded", { timeout: 60_000 });
  const save = await lab(["ssh", "director", "ipvsadm -S -n"]);
  expect(save).toContain(`-A -t ${vip}:80 -s rr`);
  const answers = await curl(6, vip);
  for (let i = 1; i < answers.length; i++) expect(answers[i]).not.toBe(answers[i - 1]);
  expect(new Set(answers)).toEqual(new Set(["rs1", "rs2"]));
  await page.goto(clusterUrl);
  await expect((await serviceRow(page, `-> ${env.hosts.rs2!.address}:80`))).toContainText("Route");
});

test("deleting a virtual service with an active connection names it in the dialog; Cancel keeps it, confirming removes it", async ({ page }) => {
  test.skip(!clusterUrl, "needs the tutorial's cluster");
  const vip = env.vip.multi;
  await login(page, ADMIN);
  // the multi-subnet tutorial's service (applied, rs1 + rs2): removed here, then put back in the desired state
  await page.goto(clusterUrl);
  await page.getByRole("link", { name: `TCP ${vip}:80` }).click();
  await expect(page.getByTestId("service-name")).toHaveText(`TCP ${vip}:80`);
  const serviceUrl = page.url().replace(/\?.*$/, "");
  // one TCP connection from the client, held open: the director counts it in ActiveConn
  const [cmd, ...args] = env.clientExec;
  const holder = spawn(cmd!, [...args, "bash", "-c", `exec 3<>/dev/tcp/${vip}/80 && sleep 60`], { stdio: "ignore" });
  try {
    await expect.poll(async () => kernelTotal(await lab(["ssh", "director", `ipvsadm -Ln -t ${vip}:80`])), { timeout: 15_000 }).toBeGreaterThan(0);
    const active = kernelTotal(await lab(["ssh", "director", `ipvsadm -Ln -t ${vip}:80`]));
    await page.goto(`${serviceUrl}/edit`);
    await page.getByRole("button", { name: "Remove virtual service" }).click();
    const dialog = page.getByRole("dialog", { name: `Remove TCP ${vip}:80?` });
    await expect(dialog.getByTestId("delete-service-conns")).toHaveText(`The director holds ${active} active connection${active === 1 ? "" : "s"} for it now (over 2 real servers).`);
    await expect(dialog).toContainText("every connection through it breaks");
    await snapOf(dialog, "delete-service-dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await page.goto(clusterUrl);
    await expect(page.getByTestId("services-table")).toContainText(`TCP ${vip}:80`);
    await page.goto(`${serviceUrl}/edit`);
    await page.getByRole("button", { name: "Remove virtual service" }).click();
    await dialog.getByRole("button", { name: "Remove the virtual service" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Removed TCP ${vip}:80 from the desired state` })).toBeVisible();
    await expect(page.getByTestId("services-table")).toHaveCount(0);
  } finally {
    holder.kill();
  }
  // put the tutorial's service back for the tests that follow (rs1 + rs2, rr)
  await page.getByRole("link", { name: "Add virtual service" }).click();
  await page.getByLabel("VIP").fill(vip);
  await page.getByLabel("Port", { exact: true }).fill("80");
  await page.getByLabel("Scheduler", { exact: true }).selectOption("rr");
  await page.getByRole("button", { name: "Add virtual service" }).click();
  await expect(page.getByTestId("service-name")).toHaveText(`TCP ${vip}:80`);
  for (const rs of ["rs1", "rs2"]) {
    await page.getByLabel("Known host").selectOption({ label: `${rs} (${env.hosts[rs]!.address})` });
    await page.getByRole("button", { name: "Add real server" }).click();
    await expect(page.getByTestId("realserver-form").getByRole("status")).toContainText(`Added real server ${env.hosts[rs]!.address}:80`);
  }
});

test("a viewer sees everything and can change nothing: every form and button is refused by the server", async ({ page }) => {
  test.skip(!clusterUrl, "needs the tutorial's cluster");
  const rs2 = env.hosts.rs2!.address;
  const arpIgnore = async () => (await lab(["exec", "rs2", "sysctl", "-n", "net.ipv4.conf.all.arp_ignore"])).trim();
  const arpBefore = await arpIgnore();
  await login(page, VIEWER);
  // Bypass the UI: re-enable a disabled control and submit it to its server action anyway.
  const force = async (button: ReturnType<Page["getByRole"]>) => {
    await button.evaluate((el) => {
      el.closest("fieldset")?.removeAttribute("disabled");
      el.removeAttribute("disabled");
    });
    await button.click();
  };
  // A button that asks first (ConfirmSubmit) opens its dialog from React's onClick, which React never
  // runs for a button whose props say disabled: submit its form straight away, as a forged post would.
  const forceSubmit = async (button: ReturnType<Page["getByRole"]>) => {
    await button.evaluate((el) => {
      el.closest("fieldset")?.removeAttribute("disabled");
      el.closest("form")!.requestSubmit();
    });
  };
  const refused = async (text: RegExp = /Your role \(viewer\) cannot/) => expect(alerts(page).filter({ hasText: text }).first()).toBeVisible();

  await page.goto(clusterUrl);
  await expect(page.getByTestId("live-table")).toBeVisible();
  await expect(page.locator("[data-role-notice]").first()).toContainText("cannot change");
  await expect(page.getByRole("link", { name: "Add virtual service" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Fetch key" })).toHaveCount(0);
  const prepare = page.getByRole("button", { name: "Prepare real servers for DR" });
  await expect(prepare).toBeDisabled();
  await force(page.getByTestId("prepare-panel").getByRole("button", { name: "Undo DR preparation" }).first());
  await refused();
  expect(await arpIgnore()).toBe(arpBefore);

  // the service page: add, drain, remove a real server
  await page.getByRole("link", { name: /^TCP / }).first().click();
  await expect(page.getByTestId("service-name")).toBeVisible();
  const serviceUrl = page.url().replace(/\?.*$/, "");
  await expect(page.getByRole("button", { name: "Add real server" })).toBeDisabled();
  await expect(page.getByRole("button", { name: /^Remove / }).first()).toBeDisabled();
  await page.getByLabel("Real server address (RIP)").evaluate((el) => el.closest("fieldset")?.removeAttribute("disabled"));
  await page.getByLabel("Real server address (RIP)").fill("10.78.0.13");
  await force(page.getByRole("button", { name: "Add real server" }));
  await refused();
  await force(page.getByRole("button", { name: `Drain ${rs2}:80` }));
  await refused();
  await forceSubmit(page.getByRole("button", { name: `Remove ${rs2}:80` }));
  await refused();
  await page.reload();
  await expect(page.getByTestId("realservers-table")).toContainText(`${rs2}:80`);
  await expect(page.locator(`[data-rs="${rs2}:80"] [data-state]`)).toHaveText("active");
  await expect(page.getByTestId("realservers-table")).not.toContainText("10.78.0.13");

  // edit and remove the service
  await page.goto(`${serviceUrl}/edit`);
  const form = page.getByTestId("service-form");
  await form.locator("fieldset").evaluate((el) => el.removeAttribute("disabled"));
  await form.getByLabel("Port", { exact: true }).fill("8081");
  await force(form.getByRole("button", { name: "Save service" }));
  await refused();
  await forceSubmit(page.getByRole("button", { name: "Remove virtual service" }));
  await refused();

  // a new service
  await page.goto(`${clusterUrl}/services/new`);
  await page.locator("fieldset").first().evaluate((el) => el.removeAttribute("disabled"));
  await page.getByLabel("VIP").fill("10.78.0.160");
  await page.getByLabel("Port", { exact: true }).fill("80");
  await force(page.getByRole("button", { name: "Add virtual service" }));
  await refused();

  // apply from the plan page
  await page.goto(`${clusterUrl}/applies`);
  const runs = await page.getByTestId("applies-table").locator("tbody tr").count();
  await page.goto(`${clusterUrl}/plan`);
  await expect(page.locator("[data-role-notice]")).toContainText("cannot apply");
  await expect(page.getByRole("button", { name: "Apply", exact: true })).toBeDisabled();
  await forceSubmit(page.getByRole("button", { name: "Apply", exact: true })); // asks first when the plan is disruptive
  await refused(/Your role \(viewer\) cannot apply/);

  // nothing changed
  await page.goto(`${clusterUrl}/applies`);
  await expect(page.getByTestId("applies-table").locator("tbody tr")).toHaveCount(runs);
  await page.goto(clusterUrl);
  await expect(page.getByTestId("services-table")).not.toContainText("10.78.0.160");
  await expect(page.getByTestId("services-table")).not.toContainText(":8081");
  await expect(page.getByTestId("services-table")).toContainText(`${rs2}:80 w1`);
});

test("a bad value in each form field shows its error at the field and saves nothing", async ({ page }) => {
  test.skip(!clusterUrl, "needs the tutorial's cluster");
  await login(page, ADMIN);
  /** a <select> given a value none of its options has (what a hand-made POST could send) */
  const badOption = (label: string, value: string) => async () => {
    await page.getByLabel(label, { exact: true }).evaluate((el: HTMLSelectElement, v) => {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = v;
      el.appendChild(o);
      el.value = v;
    }, value);
  };
  const fill = (label: string, value: string) => () => page.getByLabel(label, { exact: true }).fill(value);
  const serviceCases: Array<[string, () => Promise<void>, string]> = [
    ["address", fill("VIP", "10.0.0.300"), "must be an IPv4 or IPv6 address"],
    ["address", fill("VIP", "::ffff:10.0.0.1"), "must not be an IPv4-mapped IPv6 address (::ffff:a.b.c.d): use the IPv4 address"],
    ["port", fill("Port", " 80"), 'must be digits only, without spaces (got " 80")'],
    ["port", fill("Port", "70000"), "must be a whole number 0..65535"],
    ["scheduler", badOption("Scheduler", "fastest"), "must be one of rr, wrr"],
    ["persistenceTimeout", fill("Persistence timeout (s)", "0"), "must be a whole number 1..2678400"],
    ["persistenceNetmask", fill("Persistence netmask", "255.255.255.0"), "only applies to a persistent service"],
    ["onePacket", () => page.getByLabel("enabled").check(), "is only for UDP services"],
    ["sorryAddress", async () => { await fill("Sorry server address", "10.78.0.300")(); await fill("Sorry server port", "80")(); }, "must be an IPv4 or IPv6 address"],
    ["sorryPort", async () => { await fill("Sorry server address", "10.78.0.9")(); await fill("Sorry server port", "x")(); }, "must be a port 1..65535"],
    ["description", fill("Description", "d".repeat(501)), "must be at most 500 characters"],
    ["protocol", badOption("Protocol", "icmp"), "must be TCP, UDP, SCTP or a firewall mark"],
  ];
  for (const [name, set, error] of serviceCases) {
    await page.goto(`${clusterUrl}/services/new`);
    await page.getByLabel("VIP").fill("10.78.0.150");
    await page.getByLabel("Port", { exact: true }).fill("8080");
    await set();
    await page.getByRole("button", { name: "Add virtual service" }).click();
    await expect(fieldError(page, name)).toContainText(error);
  }
  // a firewall mark out of range
  await page.goto(`${clusterUrl}/services/new`);
  await page.getByLabel("Protocol").selectOption("fwmark");
  await page.getByLabel("Firewall mark").fill("0");
  await page.getByRole("button", { name: "Add virtual service" }).click();
  await expect(fieldError(page, "fwmark")).toContainText("must be a whole number 1..2147483647");
  await page.goto(clusterUrl);
  await expect(page.getByTestId("services-table")).not.toContainText("10.78.0.150");
  await expect(page.getByTestId("services-table")).not.toContainText("FWM");

  // real-server fields
  await page.getByRole("link", { name: /^TCP / }).first().click();
  await expect(page.getByTestId("service-name")).toBeVisible();
  const rsCases: Array<[string, () => Promise<void>, string]> = [
    ["weight", fill("Weight", "-1"), "must be a whole number 0..2147483647"],
    ["weight", fill("Weight", " 1"), 'must be digits only, without spaces (got " 1")'],
    ["address", fill("Real server address (RIP)", "::ffff:10.78.0.13"), "must not be an IPv4-mapped IPv6 address (::ffff:a.b.c.d): use the IPv4 address"],
    ["address", fill("Real server address (RIP)", "rs9"), "must be an IPv4 or IPv6 address"],
    ["upperThreshold", fill("Upper threshold (-x)", "abc"), "must be a whole number 0.."],
    ["lowerThreshold", fill("Lower threshold (-y)", "5"), "must not exceed upperThreshold"],
    ["forwardingMethod", badOption("Method", "direct"), "must be route (DR), masq (NAT) or tunnel (TUN)"],
    ["address", async () => { await fill("Real server address (RIP)", "fd78::13")(); }, "must be IPv4 like the service"],
  ];
  for (const [name, set, error] of rsCases) {
    await page.reload();
    await page.getByLabel("Real server address (RIP)").fill("10.78.0.13");
    await set();
    await page.getByRole("button", { name: "Add real server" }).click();
    await expect(fieldError(page, name)).toContainText(error);
  }
  await page.reload();
  await expect(page.getByTestId("realservers-table")).not.toContainText("10.78.0.13");
  await expect(page.getByTestId("realservers-table")).not.toContainText("fd78::13");
});
