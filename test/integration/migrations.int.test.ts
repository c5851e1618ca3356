import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
// @ts-ignore plain ESM module without type declarations
import { deploy, pendingSchemaDiff } from "@/scripts/migrate.mjs";
import { freshDatabase } from "../support/database";

const committed = fs.readdirSync(path.resolve("prisma/migrations"), { withFileTypes: true })
  .filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe("migrations", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => { for (const c of cleanups) await c(); });

  it("the committed migrations produce exactly prisma/schema.prisma", async () => {
    expect(await pendingSchemaDiff()).toBe("");
  });

  it("apply to an empty PostgreSQL database, and a second run is a no-op", async () => {
    const db = await freshDatabase("lvs_migtest");
    cleanups.push(db.drop);
    expect(await deploy({ databaseUrl: db.url, pgliteDir: null })).toEqual(committed);
    expect(await deploy({ databaseUrl: db.url, pgliteDir: null })).toEqual([]);

    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const tables = (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.tablename);
    const history = (await c.query("SELECT migration_name, finished_at IS NOT NULL AS done FROM _prisma_migrations ORDER BY 1")).rows;
    await c.end();
    for (const t of ["ApplyRun", "ApplyStep", "AuditEvent", "Cluster", "Host", "RealServer", "SshKey", "User", "VirtualService"]) expect(tables).toContain(t);
    expect(history).toEqual(committed.map((m) => ({ migration_name: m, done: true })));
  });

  it("apply to an empty embedded PGlite directory, and a second run is a no-op", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-pglite-"));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const target = { databaseUrl: null, pgliteDir: path.join(dir, "pglite") };
    expect(await deploy(target)).toEqual(committed);
    expect(await deploy(target)).toEqual([]);
  });
});
