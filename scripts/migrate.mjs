// Prisma migrations without the native schema engine (it cannot be downloaded here): Prisma's own
// engine compiled to WASM, driven through a driver adapter. Writes the standard `_prisma_migrations`
// table, so `prisma migrate deploy` elsewhere sees the same history.
//   node scripts/migrate.mjs deploy          apply pending migrations (DATABASE_URL, else PGlite in .data/)
//   node scripts/migrate.mjs status          migration history diagnosis as JSON
//   node scripts/migrate.mjs dev NAME        create prisma/migrations/<ts>_NAME from the schema diff
import fs from "node:fs/promises";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const schemaPath = path.join(root, "prisma/schema.prisma");
const migrationsDir = path.join(root, "prisma/migrations");
const filters = { externalTables: [], externalEnums: [] };

let enginePromise = null;
async function wasmEngineModule() {
  enginePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const bgPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bg = await import(pathToFileURL(bgPath).href);
    globalThis.PRISMA_WASM_PANIC_REGISTRY ??= { message: "", set_message(m) { this.message = m; } };
    const bytes = await fs.readFile(path.join(path.dirname(bgPath), "schema_engine_bg.wasm"));
    const wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), { "./schema_engine_bg.js": bg });
    bg.__wbg_set_wasm(wasm.exports);
    wasm.exports.__wbindgen_start();
    return bg;
  })();
  return enginePromise;
}

async function migrationsList() {
  await fs.mkdir(migrationsDir, { recursive: true });
  const dirs = (await fs.readdir(migrationsDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const migrationDirectories = [];
  for (const d of dirs) {
    let content;
    try { content = { tag: "ok", value: await fs.readFile(path.join(migrationsDir, d, "migration.sql"), "utf8") }; }
    catch (e) { content = { tag: "error", value: String(e) }; }
    migrationDirectories.push({ path: d, migrationFile: { path: "migration.sql", content } });
  }
  let lock = null;
  try { lock = await fs.readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8"); } catch { /* first migration */ }
  return { baseDir: migrationsDir, lockfile: { path: "migration_lock.toml", content: lock }, shadowDbInitScript: "", migrationDirectories };
}

/**
 * Both adapters' executeScript get migration scripts wrong: adapter-pg splits them on every ";" (which
 * breaks a plpgsql body between $$), PGlite's does not wait for the script nor see its error. Run
 * each script whole (one simple-protocol query, itself atomic) and wait for it.
 * @template {{ connect(): Promise<any>, connectToShadowDb(): Promise<any> }} F @param {F} factory @returns {F}
 */
function wholeScripts(factory) {
  for (const m of /** @type {const} */ (["connect", "connectToShadowDb"])) {
    const open = factory[m].bind(factory);
    factory[m] = async () => {
      const conn = await open();
      const driver = conn.underlyingDriver?.() ?? conn.client;
      conn.executeScript = async (/** @type {string} */ script) => {
        try {
          await (typeof driver.exec === "function" ? driver.exec(script) : driver.query(script));
        } catch (e) {
          conn.onError(e);
        }
      };
      return conn;
    };
  }
  return factory;
}

// adapter-pg must get separate fields: with a connectionString its shadow-DB hook reuses the main DB.
/** @param {MigrationTarget} target */
async function targetAdapter({ databaseUrl, pgliteDir }) {
  if (databaseUrl) {
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const u = new URL(databaseUrl);
    return { adapter: wholeScripts(new PrismaPg({ host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password), database: u.pathname.slice(1) || "postgres", idleTimeoutMillis: 100 })), close: async () => {} };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
  const dir = pgliteDir ?? path.join(root, ".data/pglite");
  await fs.mkdir(path.dirname(path.resolve(dir)), { recursive: true });
  const pg = new PGlite(dir);
  return { adapter: wholeScripts(new PrismaPGlite(pg)), close: () => pg.close() };
}

// The shadow database for diffs is always a throw-away in-memory PGlite.
async function shadowAdapter() {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
  const pg = new PGlite();
  return { adapter: wholeScripts(new PrismaPGlite(pg)), close: () => pg.close() };
}

async function withEngine(target, fn) {
  const bg = await wasmEngineModule();
  const { bindMigrationAwareSqlAdapterFactory } = await import("@prisma/driver-adapter-utils");
  const schema = await fs.readFile(schemaPath, "utf8");
  const engine = await bg.SchemaEngine.new({ datamodels: [[schemaPath, schema]] },
    (msg) => process.env.DEBUG_SE && console.error(msg), bindMigrationAwareSqlAdapterFactory(target.adapter));
  try { return await fn(engine, schema); } finally { await target.close(); }
}

/** @typedef {{ databaseUrl: string | null, pgliteDir: string | null }} MigrationTarget */

/** @returns {MigrationTarget} */
export function defaultTarget() {
  // the same directory lib/db.ts opens (LVS_PANEL_DATA_DIR, relative to the working directory, as lib/secrets.ts)
  const dataDir = process.env.LVS_PANEL_DATA_DIR ? path.resolve(process.env.LVS_PANEL_DATA_DIR) : path.join(root, ".data");
  return { databaseUrl: process.env.DATABASE_URL || null, pgliteDir: process.env.PGLITE_DIR ?? path.join(dataDir, "pglite") };
}

/**
 * Applies pending migrations; returns the names applied (empty when up to date).
 * @param {MigrationTarget} [target]
 * @returns {Promise<string[]>}
 */
export async function deploy(target = defaultTarget()) {
  return withEngine(await targetAdapter(target), async (engine) => {
    const r = await engine.applyMigrations({ migrationsList: await migrationsList(), filters });
    return r.appliedMigrationNames;
  });
}

/** @param {MigrationTarget} [target] */
export async function status(target = defaultTarget()) {
  return withEngine(await targetAdapter(target), async (engine) =>
    engine.diagnoseMigrationHistory({ migrationsList: await migrationsList(), optInToShadowDatabase: false, filters }));
}

/** SQL that would bring the committed migrations up to the schema ("" when in sync). */
export async function pendingSchemaDiff() {
  return withEngine(await shadowAdapter(), async (engine, schema) => {
    const r = await engine.diff({ from: { tag: "migrations", ...(await migrationsList()) },
      to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] }, script: true, exitCode: true, filters });
    return r.exitCode === 2 ? r.stdout : "";
  });
}

async function createMigration(name) {
  const sql = await pendingSchemaDiff();
  if (!sql) return null;
  const ts = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(migrationsDir, `${ts}_${name}`);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, "migration.sql"), sql);
  await fs.writeFile(path.join(migrationsDir, "migration_lock.toml"), '# Please do not edit this file manually\nprovider = "postgresql"\n');
  return dir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [cmd, name] = process.argv.slice(2);
  const t0 = performance.now();
  try {
    if (cmd === "deploy") {
      const applied = await deploy();
      console.log(applied.length ? `migrations applied: ${applied.join(", ")}` : "database schema is up to date");
    } else if (cmd === "status") {
      console.log(JSON.stringify(await status(), null, 1));
    } else if (cmd === "dev") {
      if (!name || !/^[a-z0-9_]+$/.test(name)) throw new Error("usage: migrate.mjs dev NAME (lower-case letters, digits, _)");
      const dir = await createMigration(name);
      console.log(dir ? `created ${path.relative(root, dir)}` : "schema unchanged; no migration created");
    } else {
      throw new Error("usage: migrate.mjs deploy | status | dev NAME");
    }
  } catch (e) {
    console.error(`migrate ${cmd ?? ""} failed: ${e?.message ?? e}`);
    process.exit(1);
  }
  if (process.env.DEBUG_SE) console.error(`${cmd} took ${Math.round(performance.now() - t0)} ms`);
  process.exit(0);
}
