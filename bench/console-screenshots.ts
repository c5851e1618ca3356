// `npx tsx bench/console-screenshots.ts`: PNGs of the main screens for the README, taken with
// Playwright + Debian's Chromium on the real lab: public/screenshots/{clusters-overview,cluster-live,
// plan,health}.png. A fresh PostgreSQL database, the production build (scripts/serve.ts with its
// worker), the lab registered (`lab register`), then the tutorial through the browser: VIP:80 rr with
// rs1/rs2 and a sorry server, an HTTP health check, prepare, apply, some traffic; a pending change
// so the plan has commands. Holds the lab lock. LVS_API_TEST_TREE may name a checkout to serve.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { chromium, type Page } from "@playwright/test";
import { acquireLab, assertLabRoute, lab, labEnv } from "../lab/env";
import { prismaFor, startPanel } from "../lib/api/testing/panel";
import { hashPassword } from "../lib/passwords";
import { freshDatabase } from "../test/support/database";
// @ts-ignore plain ESM module without type declarations
import { deploy } from "../scripts/migrate.mjs";

const PORT = Number(process.env.BENCH_PORT ?? 3342);
const repo = path.resolve(import.meta.dirname, "..");
const outDir = path.join(repo, "public/screenshots");
const EMAIL = "ada@example.test", PASSWORD = "screenshots-password-1";

async function shot(page: Page, name: string, fullPage = true) {
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  const kb = Math.round(fs.statSync(file).size / 1024);
  console.log(`${path.relative(repo, file)}: ${kb} KB`);
  if (kb >= 300) console.warn(`  ${name}.png is ${kb} KB (>= 300 KB)`);
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const db = await freshDatabase("lvs_screens");
  const release = await acquireLab({ owner: "bench/console-screenshots.ts", timeoutMs: 1_800_000 });
  let panel: Awaited<ReturnType<typeof startPanel>> | null = null;
  let current: Page | null = null;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-quic"] });
  try {
    const env = await labEnv();
    if (!env.up) throw new Error("the lab is down: npm run lab -- up");
    for (const h of ["director", "rs1", "rs2", "sorry"]) await assertLabRoute(env.hosts[h]!.address, env.managementInterface);
    await lab(["layout", "single"]);
    await lab(["reset"]);
    await deploy({ databaseUrl: db.url, pgliteDir: null });
    const prisma = prismaFor(db.url);
    await prisma.user.create({ data: { email: EMAIL, name: "Ada Admin", role: "admin", passwordHash: await hashPassword(PASSWORD) } });
    await new Promise<void>((resolve, reject) => execFile(process.execPath, ["--import", "tsx", "lab/register.ts"], { cwd: repo, env: { ...process.env, DATABASE_URL: db.url, LVS_PANEL_KEY_SECRET: "api-test-key-secret" } },
      (e, _o, stderr) => (e ? reject(new Error(stderr)) : resolve())));
    // the sorry host is a real-server host of the cluster too, so "Prepare" binds the VIP on its lo
    const cluster = await prisma.cluster.findUniqueOrThrow({ where: { name: "lab" }, include: { hosts: true } });
    const sorry = env.hosts.sorry!;
    if (!cluster.hosts.some((h) => h.address === sorry.address)) {
      const key = cluster.hosts.find((h) => h.sshKeyId)!;
      const line = sorry.hostKeys.find((k) => k.startsWith("ssh-ed25519 ")) ?? sorry.hostKeys[0]!;
      const { fingerprintOf, algorithmOf } = await import("../lib/ssh");
      const raw = Buffer.from(line.split(/\s+/)[1] ?? "", "base64");
      await prisma.host.create({ data: { clusterId: cluster.id, name: "sorry", address: sorry.address, role: "real_server", sshKeyId: key.sshKeyId, sshUser: key.sshUser, hostKeyFingerprint: fingerprintOf(raw), hostKeyAlgorithm: algorithmOf(raw) } });
    }
    await prisma.$disconnect();
    panel = await startPanel({ databaseUrl: db.url, port: PORT });
    const ctx = await browser.newContext({ baseURL: panel.url, viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1, colorScheme: "light" });
    const page = await ctx.newPage();
    current = page;
    page.setDefaultTimeout(60_000);
    await page.goto("/login");
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/clusters$/);
    await page.getByRole("link", { name: "lab", exact: true }).click();
    await page.getByTestId("cluster-name").waitFor();
    const clusterUrl = page.url().replace(/\?.*$/, "");
    const vip = env.vip.single;

    await page.getByRole("link", { name: "Add virtual service" }).click();
    await page.getByLabel("VIP").fill(vip);
    await page.getByLabel("Port", { exact: true }).fill("80");
    await page.getByLabel("Scheduler", { exact: true }).selectOption("rr");
    await page.getByLabel("Sorry server address").fill(sorry.address);
    await page.getByLabel("Sorry server port").fill("80");
    await page.getByRole("button", { name: "Add virtual service" }).click();
    await page.getByTestId("service-name").waitFor();
    const serviceUrl = page.url().replace(/\?.*$/, "");
    for (const rs of ["rs1", "rs2"]) {
      await page.getByLabel("Real server address (RIP)").fill(env.hosts[rs]!.address);
      await page.getByRole("button", { name: "Add real server" }).click();
      await page.getByTestId("realserver-form").getByRole("status").filter({ hasText: env.hosts[rs]!.address }).waitFor();
    }
    await page.goto(`${serviceUrl}/health`);
    const form = page.getByTestId("health-check-form");
    await form.getByLabel("Check", { exact: true }).selectOption("http");
    await form.getByLabel("Interval (ms)").fill("2000");
    await form.getByLabel("Timeout (ms)").fill("1000");
    await form.getByRole("button", { name: "Save health check" }).click();
    await form.getByRole("status").waitFor();

    await page.goto(clusterUrl);
    await page.getByRole("button", { name: "Prepare real servers for DR" }).click();
    // the lab registers rs1..rsN; only rs1, rs2 and the sorry host serve the VIP (the others are reported as not serving one)
    await page.getByTestId("prepare-panel").getByText(/rs1: DR-ready/).first().waitFor();
    await page.goto(`${clusterUrl}/plan`);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByTestId("apply-outcome").filter({ hasText: "succeeded" }).waitFor();

    // traffic for the counters and the charts (the worker samples every 10 s)
    for (let i = 0; i < 8; i++) {
      await lab(["curl", "25", "--vip", vip]).catch(() => "");
      await new Promise((r) => setTimeout(r, 5000));
    }
    // a pending change, so the plan shows commands (not applied)
    await page.goto(serviceUrl);
    await page.getByRole("button", { name: `Drain ${env.hosts.rs2!.address}:80` }).click();
    await page.locator(`[data-rs="${env.hosts.rs2!.address}:80"] [data-state]`).filter({ hasText: "draining" }).waitFor();

    await page.goto("/clusters");
    await page.locator("[data-health]").first().waitFor();
    await shot(page, "clusters-overview", false);

    await page.goto(clusterUrl);
    await page.getByTestId("live-table").locator("[data-health]").first().waitFor();
    await page.getByRole("button", { name: "Stats" }).click();
    await page.getByTestId("rate-chart").waitFor();
    await page.waitForTimeout(1500);
    await page.setViewportSize({ width: 1280, height: 1100 });
    await shot(page, "cluster-live", false);
    await page.setViewportSize({ width: 1280, height: 860 });

    await page.goto(`${clusterUrl}/plan`);
    await page.locator('[data-plan-host="director"]').waitFor();
    await shot(page, "plan", false);

    await page.goto(`${clusterUrl}/health`);
    await page.getByTestId("health-realservers").waitFor();
    await shot(page, "health", false);
  } catch (e) {
    // what the page showed when a step failed, for the log
    await current?.screenshot({ path: "/tmp/console-screenshots-failure.png", fullPage: true }).catch(() => undefined);
    throw e;
  } finally {
    await browser.close();
    await panel?.stop();
    await lab(["reset"]).catch(() => "");
    release();
    await db.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
