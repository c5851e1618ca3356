import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { holdLab, type LabEnv } from "../lab/env";
import { ADMIN, fieldError, login, snap, trustHostKeys } from "./helpers";

// What a new operator meets in the first hour besides the tutorial itself: the favicon, SSH keys with
// their fingerprints, the Hosts list's test / edit / delete, the service form's scheduler flags, and a
// cluster without a director. Needs foundation.spec.ts's admin. The lab's director is only dialled (one
// SSH login, nothing changed), but under the lab lock: another test's `lab reset` would make it unreachable.
test.describe.configure({ mode: "serial" });

let env: LabEnv;
let release: (() => void) | null = null;

test.beforeAll(async () => {
  test.setTimeout(600_000); // acquireLab waits while another package's tests hold the lab
  ({ env, release } = await holdLab("e2e/operator-papercuts.spec.ts", ["director"], { reset: false }));
});

test.afterAll(() => release?.());

test("favicon.ico is no 404: it leads to the panel's SVG icon, which every page links", async ({ page, request }) => {
  const r = await request.get("/favicon.ico");
  expect(r.status()).toBe(200);
  expect(r.headers()["content-type"]).toContain("image/svg+xml");
  await page.goto("/login");
  await expect(page.locator('link[rel="icon"]')).toHaveAttribute("href", /\/favicon\.svg/);
});

test("SSH keys: after an import the form stays on Import, and the list shows the fingerprint ssh-keygen prints", async ({ page }) => {
  await login(page, ADMIN);
  await page.goto("/ssh-keys");
  await page.getByLabel("Name").fill("ops-key");
  await page.getByLabel("Import a private key").check();
  await page.getByLabel("Private key", { exact: true }).fill(readFileSync(env.ssh.keyPath, "utf8"));
  await page.getByRole("button", { name: "Import key" }).click();
  await expect(page.getByRole("status").first()).toContainText("ops-key");
  await expect(page.getByLabel("Import a private key")).toBeChecked();
  await expect(page.getByLabel("Generate an Ed25519 key here")).not.toBeChecked();
  await expect(page.getByLabel("Private key", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Import key" })).toBeVisible();
  const printed = execFileSync("ssh-keygen", ["-lf", env.ssh.publicKeyPath], { encoding: "utf8" }).split(" ")[1]!;
  await expect(page.locator('[data-key="ops-key"] [data-testid="key-fingerprint"]')).toHaveText(printed);
  await snap(page, "ssh-keys");
});

test("Hosts list: test connection says what it found, edit saves (a new port drops the pinned key), delete asks first", async ({ page }) => {
  await login(page, ADMIN);
  await page.goto("/clusters/new");
  await page.getByLabel("Name").fill("papercuts");
  await page.getByRole("button", { name: "Create cluster" }).click();
  await expect(page.getByTestId("cluster-name")).toHaveText("papercuts");
  const clusterUrl = page.url().replace(/\?.*$/, "");

  // no director yet: the live view says so instead of "read … in 0 ms"
  await expect(page.getByTestId("live-status")).toContainText("no director to read");
  await expect(page.getByTestId("live-status")).not.toContainText(" ms");

  await page.goto(`/hosts?cluster=${clusterUrl.split("/").pop()}`);
  await expect(page.getByLabel("SSH key", { exact: true }).locator("option").first()).toHaveText("No key (choose one before connecting)");
  await page.getByLabel("Role").selectOption("director");
  await page.getByLabel("Name").fill("pc-director");
  await page.getByLabel("Address").fill(env.hosts.director.address);
  await page.getByLabel("SSH key", { exact: true }).selectOption({ label: "ops-key" });
  await page.getByRole("button", { name: "Add host" }).click();
  await expect(page.getByRole("status").first()).toContainText("Added host pc-director");
  const row = page.locator('[data-host="pc-director"]');

  // not trusted yet: reachable, the key it presents, and no login before the key is trusted
  await row.getByRole("button", { name: "Test connection to pc-director" }).click();
  await expect(row.getByTestId("host-test")).toContainText(`pc-director answers on ${env.hosts.director.address}:22`, { timeout: 30_000 });
  await expect(row.getByTestId("host-test")).toContainText("which is not trusted yet");
  await trustHostKeys(page, [{ name: "pc-director", hostKeys: env.hosts.director.hostKeys }]);
  await page.reload();
  await row.getByRole("button", { name: "Test connection to pc-director" }).click();
  await expect(row.getByTestId("host-test")).toContainText("its host key matches the pinned SHA256:", { timeout: 30_000 });
  await expect(row.getByTestId("host-test")).toContainText("the panel logged in as root");
  await snap(page, "hosts-test-connection");

  // edit: a spaced port is refused at the field; a new name saves; a new port drops the pin
  await row.getByRole("button", { name: "Edit pc-director" }).click();
  const form = page.locator('[data-testid^="host-edit-"]'); // (its name changes with the host's)
  await form.getByLabel("SSH port").fill(" 22");
  await form.getByRole("button", { name: "Save host" }).click();
  await expect(form.locator('[data-field-error="sshPort"]')).toContainText('must be digits only, without spaces (got " 22")');
  await form.getByLabel("SSH port").fill("22");
  await form.getByLabel("Name").fill("pc-lvs");
  await form.getByRole("button", { name: "Save host" }).click();
  await expect(form.getByRole("status")).toContainText("Saved host pc-lvs (root@");
  await page.reload();
  const renamed = page.locator('[data-host="pc-lvs"]');
  await expect(renamed.getByTestId("pinned-fingerprint")).toHaveText(/^SHA256:/);
  await renamed.getByRole("button", { name: "Edit pc-lvs" }).click();
  const form2 = page.getByTestId("host-edit-pc-lvs");
  await form2.getByLabel("SSH port").fill("2222");
  await form2.getByRole("button", { name: "Save host" }).click();
  await expect(form2.getByRole("status")).toContainText("fetch and trust its host key again");
  await page.reload();
  await expect(renamed).toContainText(":2222");
  await expect(renamed.getByTestId("pinned-fingerprint")).toHaveCount(0);

  // delete: asked first (it is a director), Cancel keeps it, confirming removes it
  await renamed.getByRole("button", { name: "Delete pc-lvs" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete host pc-lvs?" });
  await expect(dialog).toContainText("It is a director");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await page.reload();
  await expect(renamed).toBeVisible();
  await renamed.getByRole("button", { name: "Delete pc-lvs" }).click();
  await dialog.getByRole("button", { name: "Yes, delete pc-lvs" }).click();
  await expect(page.locator('[data-host="pc-lvs"]')).toHaveCount(0);
});

test("the service form: scheduler flags only for sh and mh, and no empty cell in its grid", async ({ page }) => {
  await login(page, ADMIN);
  await page.goto("/clusters");
  await page.getByRole("link", { name: "papercuts" }).click();
  await page.getByRole("link", { name: "Add virtual service" }).click();
  const form = page.getByTestId("service-form");
  await form.getByLabel("Scheduler", { exact: true }).selectOption("rr");
  await expect(form.getByTestId("no-sched-flags")).toContainText("None for rr: only sh and mh take flags");
  await expect(form.getByRole("checkbox", { name: /flag-|fallback|port/ })).toHaveCount(0);
  await expect(form.locator("fieldset > div:empty")).toHaveCount(0);
  await snap(page, "service-form-rr");
  await form.getByLabel("Scheduler", { exact: true }).selectOption("sh");
  await expect(form.getByRole("checkbox", { name: "sh-fallback" })).toBeVisible();
  await expect(form.getByRole("checkbox", { name: "sh-port" })).toBeVisible();
  await expect(form.getByRole("checkbox", { name: "flag-3" })).toHaveCount(0);
  // sh with its flags saves as such
  await form.getByLabel("VIP").fill("10.78.0.170");
  await form.getByLabel("Port", { exact: true }).fill("80");
  await form.getByRole("checkbox", { name: "sh-port" }).check();
  await form.getByRole("button", { name: "Add virtual service" }).click();
  await expect(page.getByTestId("service-name")).toHaveText("TCP 10.78.0.170:80");
  await page.goto("/clusters");
  await page.getByRole("link", { name: "papercuts" }).click();
  await expect(page.getByTestId("services-table")).toContainText("sh");
  await expect(fieldError(page, "flag1")).toHaveCount(0);
});
