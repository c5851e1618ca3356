import { PrismaClient } from "@/generated/prisma/client";

// DATABASE_URL set -> PostgreSQL through node-postgres; unset -> embedded PGlite in .data/pglite
// (one process only: the panel's server is then the only user of the database).
async function makeClient(): Promise<PrismaClient> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const { PrismaPg } = await import("@prisma/adapter-pg");
    return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
  const { dataDir } = await import("./secrets");
  const path = await import("node:path");
  const fs = await import("node:fs");
  fs.mkdirSync(dataDir(), { recursive: true });
  const pg = new PGlite(process.env.PGLITE_DIR ?? path.join(dataDir(), "pglite"));
  return new PrismaClient({ adapter: new PrismaPGlite(pg) });
}

const g = globalThis as unknown as { lvsPanelDb?: Promise<PrismaClient> };

/** The process-wide Prisma client (created lazily, reused across hot reloads). */
export function db(): Promise<PrismaClient> {
  g.lvsPanelDb ??= makeClient();
  return g.lvsPanelDb;
}

export type { PrismaClient };
