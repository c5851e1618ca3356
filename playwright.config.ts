import { defineConfig } from "@playwright/test";

// Real Chromium from Debian (never a CDN download), against production builds served the way
// `npm start` serves them: one panel on a fresh PostgreSQL database that scripts/test.sh creates, and
// one on the embedded PGlite (no DATABASE_URL, a fresh data directory), since that default must do
// everything PostgreSQL does. The servers start one after the other (the first builds, if needed).
const port = Number(process.env.E2E_PORT ?? 3100);
const pglitePort = Number(process.env.E2E_PGLITE_PORT ?? port + 100);
const baseURL = `http://127.0.0.1:${port}`;
const pgliteURL = `http://127.0.0.1:${pglitePort}`;
const databaseUrl = process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/lvs_test_e2e";
const pgliteDataDir = `.data/e2e-pglite-${pglitePort}`;
const pgMeta = { database: "postgres", dataDir: ".data/e2e" };
const pgliteMeta = { database: "pglite", dataDir: pgliteDataDir };
// The panels run on the node that runs Playwright (the pinned one under `npm test`), not PATH's first.
const node = JSON.stringify(process.execPath);
const secrets = { NEXTAUTH_SECRET: "e2e-nextauth-secret-not-for-production", LVS_PANEL_KEY_SECRET: "e2e-key-secret-not-for-production" };

export default defineConfig({
  testDir: "./e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  fullyParallel: false,
  reporter: "list",
  use: {
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  // foundation.spec.ts runs first on each database (it creates the admin and the viewer the other specs
  // sign in as, and its first test needs a panel nobody has set up): the other projects depend on it.
  projects: [
    { name: "postgres-foundation", use: { baseURL }, metadata: pgMeta, testMatch: ["foundation.spec.ts"] },
    { name: "postgres", use: { baseURL }, metadata: pgMeta, testIgnore: ["foundation.spec.ts"], dependencies: ["postgres-foundation"] },
    { name: "pglite-foundation", use: { baseURL: pgliteURL }, metadata: pgliteMeta, testMatch: ["foundation.spec.ts"] },
    { name: "pglite", use: { baseURL: pgliteURL }, metadata: pgliteMeta, testMatch: ["health.spec.ts", "seed-dr.spec.ts"], dependencies: ["pglite-foundation"] },
  ],
  webServer: [
    {
      command: `${node} --import tsx scripts/serve.ts`,
      url: `${baseURL}/api/health`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "pipe",
      env: { PORT: String(port), HOSTNAME: "127.0.0.1", DATABASE_URL: databaseUrl, NEXTAUTH_URL: baseURL, ...secrets, LVS_PANEL_DATA_DIR: ".data/e2e",
        // the specs' webhook receivers listen on 127.0.0.1; the rest of loopback stays denied (lib/egress)
        LVS_PANEL_ALLOW_EGRESS: "127.0.0.1/32" },
    },
    {
      command: `rm -rf ${pgliteDataDir} && ${node} --import tsx scripts/serve.ts`,
      url: `${pgliteURL}/api/health`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "pipe",
      // DATABASE_URL empty: the embedded PGlite in LVS_PANEL_DATA_DIR, whatever the caller's environment says
      env: { PORT: String(pglitePort), HOSTNAME: "127.0.0.1", DATABASE_URL: "", NEXTAUTH_URL: pgliteURL, ...secrets, LVS_PANEL_DATA_DIR: pgliteDataDir, LVS_PANEL_ALLOW_EGRESS: "127.0.0.1/32" },
    },
  ],
});
