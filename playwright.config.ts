import { defineConfig } from "@playwright/test";

// Real Chromium from Debian (never a CDN download), against a production build served the way
// `npm start` serves it, on a fresh PostgreSQL database that scripts/test.sh creates.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const databaseUrl = process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/lvs_test_e2e";

export default defineConfig({
  testDir: "./e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  fullyParallel: false,
  reporter: "list",
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: {
    command: "node --import tsx scripts/serve.ts",
    url: `${baseURL}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      PORT: String(port), HOSTNAME: "127.0.0.1", DATABASE_URL: databaseUrl, NEXTAUTH_URL: baseURL,
      NEXTAUTH_SECRET: "e2e-nextauth-secret-not-for-production", LVS_PANEL_KEY_SECRET: "e2e-key-secret-not-for-production",
      LVS_PANEL_DATA_DIR: ".data/e2e",
      // the specs' webhook receivers listen on 127.0.0.1; the rest of loopback stays denied (lib/egress)
      LVS_PANEL_ALLOW_EGRESS: "127.0.0.1/32",
    },
  },
});
