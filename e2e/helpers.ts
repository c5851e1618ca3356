import crypto from "node:crypto";
import { expect, type Page } from "@playwright/test";

export const ADMIN = { name: "Ada Admin", email: "admin@example.test", password: "correct-horse-battery" };
export const VIEWER = { name: "Vic Viewer", email: "viewer@example.test", password: "viewer-password-1" };
export const OPERATOR = { name: "Olga Operator", email: "operator@example.test", password: "operator-password-1" };

export async function login(page: Page, who: { email: string; password: string }) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/clusters$/);
}

/** Error text rendered by <Field> under the named input. */
export function fieldError(page: Page, name: string) {
  return page.locator(`[data-field-error="${name}"]`);
}

/** Alerts the page itself renders (Next's route announcer also has role=alert, and is empty). */
export function alerts(page: Page) {
  return page.locator('[role="alert"]:not(#__next-route-announcer__)');
}

/** Imports a private key file through the SSH keys page (as an admin would). */
export async function importSshKey(page: Page, name: string, privateKey: string) {
  await page.goto("/ssh-keys");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Import a private key").check();
  await page.getByLabel("Private key", { exact: true }).fill(privateKey);
  await page.getByRole("button", { name: "Import key" }).click();
  await expect(page.getByRole("status").first()).toBeVisible();
}

/** Adds hosts to a cluster through the Hosts page, each with the named SSH key. */
export async function addHosts(page: Page, clusterId: string, keyName: string, hosts: ReadonlyArray<{ name: string; role: "director" | "real_server"; address: string }>) {
  for (const h of hosts) {
    await page.goto(`/hosts?cluster=${clusterId}`);
    await page.getByLabel("Role").selectOption(h.role);
    await page.getByLabel("Name").fill(h.name);
    await page.getByLabel("Address").fill(h.address);
    await page.getByLabel("SSH key", { exact: true }).selectOption({ label: keyName });
    await page.getByRole("button", { name: "Add host" }).click();
    await expect(page.getByRole("status").first()).toContainText(`Added host ${h.name}`);
  }
}

/**
 * The SHA256 fingerprint of a public key line ("ssh-ed25519 AAAA..."), as OpenSSH prints it. Computed
 * here on purpose, not with lib/ssh: the tests check the panel's fingerprint against their own.
 */
export const fp = (line: string) => "SHA256:" + crypto.createHash("sha256").update(Buffer.from(line.split(" ")[1]!, "base64")).digest("base64").replace(/=+$/, "");

/**
 * On the cluster page: for each host, fetches its key, checks that the fingerprint the panel shows is
 * one of the keys the host publishes (its known_hosts lines, through fp), and trusts it.
 */
export async function trustHostKeys(page: Page, hosts: ReadonlyArray<{ name: string; hostKeys: readonly string[] }>) {
  for (const { name, hostKeys } of hosts) {
    const cell = page.getByTestId(`hostkey-${name}`);
    await cell.getByRole("button", { name: "Fetch key" }).click();
    const shown = (await cell.getByTestId("presented-fingerprint").textContent())!.split(" ")[1]!;
    expect(hostKeys.map(fp)).toContain(shown);
    await cell.getByRole("button", { name: "Trust this key" }).click();
    await expect(cell.getByRole("status").last()).toContainText("Trusted");
  }
}

/** With E2E_SHOTS_DIR set, a full-page screenshot of what the test sees now (to look at changed screens); else nothing. */
export async function snap(page: Page, name: string) {
  const dir = process.env.E2E_SHOTS_DIR;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

/** With E2E_SHOTS_DIR set, a screenshot of one element (a dialog, a panel). */
export async function snapOf(locator: import("@playwright/test").Locator, name: string) {
  const dir = process.env.E2E_SHOTS_DIR;
  if (dir) await locator.screenshot({ path: `${dir}/${name}.png` });
}
