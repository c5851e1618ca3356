import { expect, test } from "@playwright/test";
import { ADMIN, fieldError, login, VIEWER } from "./helpers";

// Runs after foundation.spec.ts (alphabetical), which created the admin and the viewer.
test.describe.configure({ mode: "serial" });

test("a token is shown once, works as a bearer token, and stops working when revoked", async ({ page, request }) => {
  await login(page, ADMIN);
  await page.getByRole("link", { name: "API tokens" }).click();
  await page.getByLabel("Name").fill("deploy pipeline; rm");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(fieldError(page, "name")).toBeVisible();

  await page.getByLabel("Name").fill("deploy-pipeline");
  await page.getByLabel("Role").selectOption("operator");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = await page.getByTestId("new-token").inputValue();
  expect(token.length).toBeGreaterThan(20);

  const me = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect(JSON.stringify(await me.json())).toContain("operator");

  // Shown once: after a reload the page lists the token's prefix only.
  await page.reload();
  await expect(page.getByTestId("new-token")).toHaveCount(0);
  await expect(page.getByTestId("api-tokens")).not.toContainText(token);
  await expect(page.locator('[data-token="deploy-pipeline"] [data-status]')).toHaveText("active");

  await page.getByRole("button", { name: "Revoke deploy-pipeline" }).click();
  await expect(page.locator('[data-token="deploy-pipeline"] [data-status]')).toContainText("revoked");
  const after = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  expect(after.status()).toBe(401);
  expect(after.headers()["content-type"]).toContain("application/problem+json");
});

test("a viewer can only make viewer tokens, and they cannot change anything", async ({ page, request }) => {
  await login(page, VIEWER);
  await page.goto("/api-tokens");
  await expect(page.getByLabel("Role").locator("option")).toHaveCount(1);
  await page.getByLabel("Name").fill("viewer-script");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = await page.getByTestId("new-token").inputValue();
  const res = await request.post("/api/v1/clusters", {
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    data: { name: "from-a-viewer" },
  });
  expect(res.status()).toBe(403);
  const list = await request.get("/api/v1/clusters", { headers: { Authorization: `Bearer ${token}` } });
  expect(list.status()).toBe(200);
  expect(JSON.stringify(await list.json())).not.toContain("from-a-viewer");
});
