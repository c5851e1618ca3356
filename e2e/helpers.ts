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
