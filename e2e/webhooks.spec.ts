import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { ADMIN, VIEWER, fieldError, login } from "./helpers";

// Webhooks through the browser, no lab needed (runs after foundation.spec.ts, which made the admin,
// the viewer and the cluster web-prod): a URL toward cloud metadata or loopback outside
// LVS_PANEL_ALLOW_EGRESS (playwright.config.ts allows 127.0.0.1/32 only) is refused at the field; a
// receiver on 127.0.0.1 gets the test; edit, disable and delete; the secret-bearing part of the URL
// is on no page, the viewer's included.
test.describe.configure({ mode: "serial" });

const SECRET = "T0PSECRET-in-the-path";
let healthUrl = "";
let receiver: http.Server;
let other: http.Server;
let receiverUrl = "";
let otherUrl = "";
const got: string[] = [];
let otherHits = 0;

test.beforeAll(async () => {
  receiver = http.createServer((req, res) => { let b = ""; req.on("data", (c: Buffer) => (b += c.toString())); req.on("end", () => { got.push(b); res.writeHead(204).end(); }); });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/${SECRET}?token=${SECRET}`;
  other = http.createServer((req, res) => { otherHits++; req.resume(); res.writeHead(204).end(); });
  await new Promise<void>((r) => other.listen(0, "127.0.0.2", () => r()));
  otherUrl = `http://127.0.0.2:${(other.address() as AddressInfo).port}/x`;
  const c = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/lvs_test_e2e" });
  await c.connect();
  const r = await c.query<{ id: string }>(`SELECT id FROM "Cluster" WHERE name = 'web-prod'`);
  await c.end();
  expect(r.rows, "foundation.spec.ts makes the cluster web-prod").toHaveLength(1);
  healthUrl = `/clusters/${r.rows[0]!.id}/health`;
});
test.afterAll(() => {
  receiver?.close();
  other?.close();
});

test("a webhook toward cloud metadata or loopback outside the allowed range is refused at the URL field", async ({ page }) => {
  await login(page, ADMIN);
  await page.goto(healthUrl);
  const wf = page.getByTestId("webhook-form");
  await wf.getByLabel("Webhook name").fill("metadata");
  await wf.getByLabel("URL").fill("http://169.254.169.254/latest/meta-data/");
  await wf.getByRole("button", { name: "Add webhook" }).click();
  await expect(fieldError(page, "url")).toContainText("link-local address");
  await wf.getByLabel("URL").fill(otherUrl);
  await wf.getByRole("button", { name: "Add webhook" }).click();
  await expect(fieldError(page, "url")).toContainText("loopback address");
  // (health.spec.ts, earlier, leaves a webhook of its own: only this one must be missing)
  await page.reload();
  await expect(page.locator('[data-webhook-row="metadata"]')).toHaveCount(0);
  await expect(page.getByTestId("webhook-form")).toBeVisible();
  expect(otherHits).toBe(0);
});

test("add, test, edit, disable and delete a webhook; the audit log has each step, never the URL's secret", async ({ page }) => {
  await login(page, ADMIN);
  await page.goto(healthUrl);
  const wf = page.getByTestId("webhook-form");
  await wf.getByLabel("Webhook name").fill("e2e-hook");
  await wf.getByLabel("URL").fill(receiverUrl);
  await wf.getByRole("button", { name: "Add webhook" }).click();
  await expect(wf.getByRole("status")).toContainText("Added webhook e2e-hook");
  await page.reload();
  const row = page.locator('[data-webhook-row="e2e-hook"]');
  await expect(row).toContainText("127.0.0.1:");
  await expect(row).toContainText("/…");
  await row.getByRole("button", { name: "Test webhook e2e-hook" }).click();
  await expect(row.locator('[data-webhook="e2e-hook"]').getByRole("status")).toHaveText("Test delivery to e2e-hook: delivered.");
  expect(got.filter((b) => b.includes('"event":"test"'))).toHaveLength(1);

  await row.getByText("Edit").click();
  const form = row.locator('[data-webhook-edit="e2e-hook"]');
  await form.getByLabel("Name").fill("e2e-hook-2");
  await form.getByLabel("enabled (deliver events)").uncheck();
  await form.getByRole("button", { name: "Save webhook e2e-hook" }).click();
  await expect(page.getByText("Saved webhook e2e-hook-2 (disabled: nothing is sent).")).toBeVisible();
  await page.reload();
  const row2 = page.locator('[data-webhook-row="e2e-hook-2"]');
  await expect(row2.locator("[data-webhook-state]")).toHaveText("disabled");
  await expect(row2.getByRole("button", { name: "Test webhook e2e-hook-2" })).toBeDisabled();

  page.once("dialog", (d) => void d.accept());
  await row2.getByRole("button", { name: "Delete webhook e2e-hook-2" }).click();
  await expect(page.locator('[data-webhook-row="e2e-hook-2"]')).toHaveCount(0);
  await page.reload();
  await expect(page.locator('[data-webhook-row="e2e-hook-2"]')).toHaveCount(0);

  await page.goto("/audit");
  for (const a of ["webhook.create", "webhook.test", "webhook.update", "webhook.delete"]) await expect(page.getByText(a).first()).toBeVisible();
  expect(await page.content()).not.toContain(SECRET);
});

test("a viewer sees the webhook redacted and cannot edit or delete it", async ({ page }) => {
  await login(page, ADMIN);
  await page.goto(healthUrl);
  const wf = page.getByTestId("webhook-form");
  await wf.getByLabel("Webhook name").fill("viewer-sees");
  await wf.getByLabel("URL").fill(receiverUrl);
  await wf.getByRole("button", { name: "Add webhook" }).click();
  await expect(wf.getByRole("status")).toContainText("Added webhook viewer-sees");
  await page.context().clearCookies();
  await login(page, VIEWER);
  await page.goto(healthUrl);
  const row = page.locator('[data-webhook-row="viewer-sees"]');
  await expect(row).toContainText("/…");
  await expect(row.getByRole("button", { name: /Delete webhook/ })).toHaveCount(0);
  await expect(row.getByText("Edit")).toHaveCount(0);
  expect(await page.content()).not.toContain(SECRET);
  const html = await (await page.request.get(healthUrl)).text();
  expect(html).toContain("viewer-sees");
  expect(html).not.toContain(SECRET);
});
