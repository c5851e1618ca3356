import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
// @ts-ignore plain ESM module without type declarations
import { deploy } from "@/scripts/migrate.mjs";

/** A superuser URL for the test PostgreSQL (scripts/test.sh exports it; trust auth on CI). */
export const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432";

/** Creates an empty database with a unique name; returns its URL and a function that drops it. */
export async function freshDatabase(prefix: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: `${adminUrl}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `${adminUrl}/${name}`,
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: `${adminUrl}/postgres` });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A migrated database and a Prisma client on it, for tests of lib code against real PostgreSQL. */
export async function migratedDatabase(prefix: string) {
  const database = await freshDatabase(prefix);
  await deploy({ databaseUrl: database.url, pgliteDir: null });
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
  return {
    prisma,
    url: database.url,
    close: async () => {
      await prisma.$disconnect();
      await database.drop();
    },
  };
}

/** The embedded database as the panel opens it without DATABASE_URL (PGlite, one connection), migrated, in a temp dir. */
export async function migratedPglite(prefix: string) {
  const fs = await import("node:fs/promises");
  const os = await import("node:os");
  const path = await import("node:path");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
  const pgliteDir = path.join(dir, "pglite");
  await deploy({ databaseUrl: null, pgliteDir });
  const { PGlite } = await import("@electric-sql/pglite");
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
  const pg = new PGlite(pgliteDir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pg) });
  return {
    prisma,
    url: null,
    close: async () => {
      await prisma.$disconnect();
      await pg.close().catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
