import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { holdLab, lab, type LabEnv } from "../lab/env";
import { ADMIN, fieldError, login, importSshKey, addHosts, trustHostKeys, deleteCluster, newCluster } from "./helpers";

// Issue 7 through the browser, on the real lab, with the worker the panel runs (scripts/serve.ts):
// a health check configured on VIP:80 (HTTP, 1 s interval, fall 2) → stop rs1's HTTP server → the
// health view and live table show it down with weight 0 (and the kernel has weight 0, lab curl reaches
// only rs2); an operator's Apply meanwhile keeps it at 0; start it → restored; both down → the sorry
// server answers; one back → the sorry server is gone. Webhooks: the test button, and the transitions.
test.describe.configure({ mode: "serial" });
test.setTimeout(240_000);

const CLUSTER = "lab-health";
let env: LabEnv;
let release: (() => void) | null = null;
let clusterUrl = "";
let vip = "";
const received: Array<{ event: string; summary: string; body: Record<string, unknown> }> = [];
let receiver: http.Server;
let receiverUrl = "";

async function curl(n: number): Promise<string[]> {
  const r = await lab(["curl", String(n), "--vip", vip]).catch((e: Error) => e.message);
  return r.trim().split("\n").filter((l) => /^(rs\d|sorry|ERROR)/.test(l));
}
const kernel = () => lab(["ssh", "director", "ipvsadm -S -n"]);

test.beforeAll(async () => {
  test.setTimeout(600_000); // the lab may be held by another package's tests for a while (acquireLab waits)
  const hold = await holdLab("e2e/health.spec.ts", ["director", "rs1", "rs2", "sorry"]);
  ({ env, release } = hold);
  vip = env.vip.single;
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      try {
        const b = JSON.parse(body) as Record<string, unknown>;
        received.push({ event: String(b.event), summary: String(b.summary ?? ""), body: b });
      } catch {
        /* not JSON: not ours */
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

test.afterAll(async ({ browser }) => {
  test.setTimeout(180_000);
  try {
    // the panel's worker keeps checking this cluster's director while it exists: remove it, so the
    // specs after this one get the lab to themselves
    await deleteCluster(browser, CLUSTER, clusterUrl);
    await new Promise((r) => setTimeout(r, 1500));
    if (env?.up) {
      await lab(["http", "rs1", "start"]).catch(() => "");
      await lab(["http", "rs2", "start"]).catch(() => "");
      await lab(["reset"]);
    }
  } finally {
    receiver?.close();
    release?.();
  }
});

const liveRow = (page: Page, rs: string) => page.getByTestId("live-table").locator(`tr[data-row="TCP ${vip}:80 -> ${env.hosts[rs]!.address}:80"]`);

test("setup: cluster, hosts with trusted keys, VIP:80 with a sorry server, rs1 + rs2, an HTTP health check, prepare, apply", async ({ page }) => {
  await login(page, ADMIN);
  await importSshKey(page, "lab-key-health", readFileSync(env.ssh.keyPath, "utf8"));

  let clusterId: string;
  ({ clusterUrl, clusterId } = await newCluster(page, CLUSTER));
  await addHosts(page, clusterId, "lab-key-health", ([["director", "director"], ["rs1", "real_server"], ["rs2", "real_server"], ["sorry", "real_server"]] as const).map(([name, role]) => ({ name, role, address: env.hosts[name]!.address })));
  await page.goto(clusterUrl);
  await trustHostKeys(page, ["director", "rs1", "rs2", "sorry"].map((name) => ({ name, hostKeys: env.hosts[name]!.hostKeys })));

  await page.getByRole("link", { name: "Add virtual service" }).click();
  await page.getByLabel("VIP").fill(vip);
  await page.getByLabel("Port", { exact: true }).fill("80");
  await page.getByLabel("Scheduler", { exact: true }).selectOption("rr");
  await page.getByLabel("Sorry server address").fill(env.hosts.sorry!.address);
  await page.getByLabel("Sorry server port").fill("80");
  await page.getByRole("button", { name: "Add virtual service" }).click();
  await expect(page.getByTestId("service-name")).toHaveText(`TCP ${vip}:80`);
  const serviceUrl = page.url().replace(/\?.*$/, "");
  for (const rs of ["rs1", "rs2"]) {
    await page.getByLabel("Known host").selectOption({ label: `${rs} (${env.hosts[rs]!.address})` });
    await page.getByRole("button", { name: "Add real server" }).click();
    await expect(page.getByTestId("realserver-form").getByRole("status")).toContainText(`Added real server ${env.hosts[rs]!.address}:80`);
  }

  // the health check form: a bad value is refused at its field, then HTTP every second, fall 2
  await page.getByRole("link", { name: "Health check" }).click();
  const form = page.getByTestId("health-check-form");
  await form.getByLabel("Check", { exact: true }).selectOption("http");
  await form.getByLabel("Interval (ms)").fill("1000");
  await form.getByLabel("Timeout (ms)").fill("5000");
  await form.getByRole("button", { name: "Save health check" }).click();
  await expect(fieldError(page, "timeoutMs")).toContainText("interval");
  await form.getByLabel("Expected status").fill("2xx");
  await form.getByLabel("Timeout (ms)").fill("800");
  await form.getByRole("button", { name: "Save health check" }).click();
  await expect(fieldError(page, "expectStatus")).toContainText("status codes such as 200-399");
  await form.getByLabel("Expected status").fill("200-399");
  await form.getByLabel("Rise", { exact: true }).fill("2");
  await form.getByLabel("Fall", { exact: true }).fill("2");
  await form.getByRole("button", { name: "Save health check" }).click();
  await expect(form.getByRole("status")).toContainText("Saved the health check (HTTP, every 1000 ms, rise 2, fall 2)");
  // an override for rs2 (a longer timeout): blank fields inherit
  await page.getByRole("link", { name: `Override for ${env.hosts.rs2!.address}:80` }).click();
  const ov = page.getByTestId("health-override-form");
  await ov.getByLabel("Timeout (ms)").fill("900");
  await ov.getByRole("button", { name: "Save override" }).click();
  await expect(ov.getByRole("status")).toContainText("Saved the override");
  await expect(page.locator(`[data-testid="health-overrides"] tr[data-rs="${env.hosts.rs2!.address}:80"]`)).toContainText("timeoutMs=900");
  await page.goto(serviceUrl);

  await page.goto(clusterUrl);
  await page.getByRole("button", { name: "Prepare real servers for DR" }).click();
  for (const h of ["rs1", "rs2", "sorry"]) await expect(page.getByTestId("prepare-panel").getByRole("status")).toContainText(`${h}: DR-ready`, { timeout: 60_000 });
  await page.goto(`${clusterUrl}/plan`);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("apply-outcome")).toHaveText("succeeded", { timeout: 60_000 });

  // the worker checks both: up in the live table (state, last result, latency)
  await page.goto(clusterUrl);
  for (const rs of ["rs1", "rs2"]) {
    await expect(liveRow(page, rs).locator("[data-health]")).toHaveAttribute("data-health", "up", { timeout: 20_000 });
    await expect(liveRow(page, rs).locator("[data-health]")).toContainText(/HTTP 200 · \d+ ms/);
  }
  expect(new Set(await curl(4))).toEqual(new Set(["rs1", "rs2"]));
});

test("webhooks: the test button delivers a test event to a receiver on loopback", async ({ page }) => {
  test.skip(!clusterUrl, "needs the setup");
  await login(page, ADMIN);
  await page.goto(`${clusterUrl}/health`);
  const wf = page.getByTestId("webhook-form");
  await wf.getByLabel("Webhook name").fill("bad");
  await wf.getByLabel("URL").fill("ftp://example.test/x");
  await wf.getByRole("button", { name: "Add webhook" }).click();
  await expect(fieldError(page, "url")).toContainText("must be an http:// or https:// URL");
  await wf.getByLabel("Webhook name").fill("e2e-receiver");
  await wf.getByLabel("URL").fill(receiverUrl);
  await wf.getByRole("button", { name: "Add webhook" }).click();
  await expect(wf.getByRole("status")).toContainText("Added webhook e2e-receiver");
  await page.reload();
  await page.getByRole("button", { name: "Test webhook e2e-receiver" }).click();
  await expect(page.locator('[data-webhook="e2e-receiver"]').getByRole("status")).toContainText("Test delivery to e2e-receiver: delivered.");
  expect(received.filter((r) => r.event === "test")).toHaveLength(1);
});

test("rs1's HTTP stopped → down, weight 0 in the live table and the kernel, only rs2 answers; an operator's Apply keeps it; started → restored", async ({ page }) => {
  test.skip(!clusterUrl, "needs the setup");
  await login(page, ADMIN);
  await page.goto(clusterUrl);
  const rs1 = env.hosts.rs1!.address;
  const t0 = Date.now();
  await lab(["http", "rs1", "stop"]);
  await expect(liveRow(page, "rs1").locator("[data-health]")).toHaveAttribute("data-health", "down", { timeout: 20_000 });
  await expect(liveRow(page, "rs1").locator('[data-col="weight"]')).toHaveText("0", { timeout: 10_000 });
  const detected = Date.now() - t0;
  expect(await kernel()).toContain(`-a -t ${vip}:80 -r ${rs1}:80 -g -w 0`);
  await expect(page.getByTestId("drift-count")).toHaveCount(0); // health's weight 0 is not drift
  expect(await curl(4)).toEqual(["rs2", "rs2", "rs2", "rs2"]);
  test.info().annotations.push({ type: "detection", description: `fault → weight 0 shown in the live table: ${detected} ms (fall 2 × interval 1000 ms)` });

  // the health view: state, last result, latency
  await page.goto(`${clusterUrl}/health`);
  const check = page.locator(`[data-check-for="TCP ${vip}:80 -> ${rs1}:80"]`);
  await expect(check).toHaveAttribute("data-health-status", "down");
  await expect(check).toContainText(/refused|timeout|HTTP|connect/i);
  await expect(page.getByTestId("health-events").locator('[data-kind="real-server.down"]').first()).toContainText(`${rs1}:80`);
  await expect.poll(() => received.filter((r) => r.event === "health.transition" && r.summary.includes(`${rs1}:80 is DOWN`)).length, { timeout: 20_000 }).toBe(1);

  // the operator applies meanwhile: the plan keeps health's weight 0, and so does the kernel
  await page.goto(`${clusterUrl}/plan`);
  await expect(page.locator('[data-plan-host="director"]')).not.toContainText(`-r ${rs1}:80 -g -w 1`);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("apply-outcome")).toHaveText("succeeded", { timeout: 60_000 });
  expect(await kernel()).toContain(`-a -t ${vip}:80 -r ${rs1}:80 -g -w 0`);

  await lab(["http", "rs1", "start"]);
  await page.goto(clusterUrl);
  await expect(liveRow(page, "rs1").locator("[data-health]")).toHaveAttribute("data-health", "up", { timeout: 20_000 });
  await expect(liveRow(page, "rs1").locator('[data-col="weight"]')).toHaveText("1", { timeout: 10_000 });
  expect(new Set(await curl(4))).toEqual(new Set(["rs1", "rs2"]));
  // each automatic change is a run by the health checker in the history
  await page.goto(`${clusterUrl}/applies`);
  await expect(page.getByTestId("applies-table").locator("tr", { hasText: "health-checker" }).first()).toBeVisible();
});

test("both stopped → the sorry server answers; one started → the sorry server is gone", async ({ page }) => {
  test.skip(!clusterUrl, "needs the setup");
  await login(page, ADMIN);
  await page.goto(clusterUrl);
  const sorry = env.hosts.sorry!.address;
  await lab(["http", "rs1", "stop"]);
  await lab(["http", "rs2", "stop"]);
  const sorryRow = page.getByTestId("live-table").locator(`tr[data-row="TCP ${vip}:80 -> ${sorry}:80"]`);
  await expect(sorryRow).toBeVisible({ timeout: 25_000 });
  await expect(sorryRow.locator('[data-col="weight"]')).toHaveText("1");
  for (const rs of ["rs1", "rs2"]) await expect(liveRow(page, rs).locator('[data-col="weight"]')).toHaveText("0", { timeout: 10_000 });
  expect(await curl(3)).toEqual(["sorry", "sorry", "sorry"]);

  await lab(["http", "rs2", "start"]);
  await expect(sorryRow).toHaveCount(0, { timeout: 25_000 });
  await expect(liveRow(page, "rs2").locator('[data-col="weight"]')).toHaveText("1");
  expect(await curl(3)).toEqual(["rs2", "rs2", "rs2"]);
  await lab(["http", "rs1", "start"]);
  await expect(liveRow(page, "rs1").locator('[data-col="weight"]')).toHaveText("1", { timeout: 25_000 });
  await page.goto(`${clusterUrl}/health`);
  await expect(page.getByTestId("health-events").locator('[data-kind="sorry.in"]')).toHaveCount(1);
  await expect(page.getByTestId("health-events").locator('[data-kind="sorry.out"]')).toHaveCount(1);
});
