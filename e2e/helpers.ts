import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import pg from "pg";

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

/**
 * The first-run setup token the panel printed at start, read where it keeps it: the data directory
 * playwright.config.ts gives the project's server (its metadata.dataDir), as an operator would.
 */
export function setupToken(): string {
  const dir = (test.info().project.metadata as { dataDir?: string }).dataDir ?? ".data/e2e";
  return fs.readFileSync(path.resolve(dir, "setup-token"), "utf8").trim();
}

/** For a spec run on its own: creates ADMIN through the setup page when the database has no user yet. */
export async function ensureAdmin(page: Page) {
  const res = await page.goto("/setup");
  if (res?.status() === 404) return;
  await page.getByLabel("Setup token").fill(setupToken());
  await page.getByLabel("Name").fill(ADMIN.name);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Confirm password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create admin" }).click();
  await expect(page).toHaveURL(/\/login\?setup=done/);
}

/** Creates a user through the Users page as ADMIN, unless that email exists already. */
export async function ensureUser(page: Page, u: { name: string; email: string; password: string }, role: "viewer" | "operator") {
  await login(page, ADMIN);
  await page.goto("/users");
  if (await page.getByTestId("users-table").getByText(u.email).count()) return;
  await page.getByLabel("Name").fill(u.name);
  await page.getByLabel("Email").fill(u.email);
  await page.getByLabel("Password").fill(u.password);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("status").first()).toContainText(`Created ${role} ${u.email}`);
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
export async function addHosts(page: Page, clusterId: string, keyName: string,
  hosts: ReadonlyArray<{ name: string; role: "director" | "real_server"; address: string; sshUser?: string; vrrpPriority?: number }>) {
  for (const h of hosts) {
    await page.goto(`/hosts?cluster=${clusterId}`);
    await page.getByLabel("Role").selectOption(h.role);
    await page.getByLabel("Name").fill(h.name);
    await page.getByLabel("Address").fill(h.address);
    if (h.sshUser) await page.getByLabel("SSH user").fill(h.sshUser);
    if (h.vrrpPriority) await page.getByLabel("VRRP priority (directors)").fill(String(h.vrrpPriority));
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

/**
 * Removes a cluster (its worker checks stop): straight in the PostgreSQL database, or through the
 * cluster page's delete form on the embedded PGlite (only the panel's process can open that database).
 */
export async function deleteCluster(browser: Browser, name: string, clusterUrl: string) {
  if (test.info().project.metadata.database !== "pglite") {
    const c = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/lvs_test_e2e" });
    await c.connect();
    await c.query(`DELETE FROM "Cluster" WHERE name = $1`, [name]);
    await c.end();
    return;
  }
  if (!clusterUrl) return;
  const page = await browser.newPage({ baseURL: test.info().project.use.baseURL });
  try {
    await login(page, ADMIN);
    await page.goto(clusterUrl);
    await page.getByLabel("Type the cluster's name to confirm").fill(name);
    await page.getByRole("button", { name: "Delete cluster" }).click();
    // while the director still runs the cluster's services the form asks what to do with them: leave
    // them (the caller resets the lab after) and delete as chosen
    const plan = page.getByTestId("teardown-plan");
    const quiet = () => undefined;
    await Promise.race([page.waitForURL(/\/clusters$/, { timeout: 30_000 }).catch(quiet), plan.waitFor({ timeout: 30_000 }).catch(quiet)]);
    if (await plan.isVisible()) {
      await plan.getByLabel(/leave the director as it is/).check();
      await page.getByLabel("Type the cluster's name to confirm").fill(name);
      await page.getByRole("button", { name: "Delete cluster as chosen" }).click();
    }
    await expect(page).toHaveURL(/\/clusters$/, { timeout: 30_000 });
  } finally {
    await page.close();
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

/** Creates a cluster through the form; its page's URL (no query) and id. */
export async function newCluster(page: Page, name: string): Promise<{ clusterUrl: string; clusterId: string }> {
  await page.goto("/clusters/new");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create cluster" }).click();
  await expect(page.getByTestId("cluster-name")).toHaveText(name);
  const clusterUrl = page.url().replace(/\?.*$/, "");
  return { clusterUrl, clusterId: clusterUrl.split("/").pop()! };
}
