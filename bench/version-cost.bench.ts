// npm run bench:versions
// What versions cost a form save on a 10,000-real-server cluster (1,000 services × 10), on the embedded
// PGlite (the default database) or DATABASE_URL's PostgreSQL: one real server's weight saved through
// lib/data (lock, row, audit, recordVersion), against recordVersion's own parts in the same run —
// reading the rows back as the document, and recording when nothing changed (what a no-op costs).
import { performance } from "node:perf_hooks";
import type { PrismaClient } from "@/generated/prisma/client";
import { validateDocument, type DocumentInput } from "../lib/declarative";
import { documentOf, storeDocument } from "../lib/data/cluster-document";
import { recordVersion } from "../lib/data/cluster-versions";
import { updateRealServer } from "../lib/data/virtual-services";
import { migratedDatabase, migratedPglite } from "../test/support/database";

const SERVICES = 1_000, PER = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
async function time(fn: (i: number) => unknown, runs = RUNS): Promise<number> {
  await fn(-1);
  const t: number[] = [];
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); await fn(i); t.push(performance.now() - t0); }
  return median(t);
}
const f = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;

const doc: DocumentInput = { version: 1, cluster: { name: "bench" }, services: [] };
for (let s = 0; s < SERVICES; s++) {
  doc.services.push({ protocol: "tcp", address: `10.${100 + (s >> 8)}.${s & 255}.1`, port: 80, scheduler: "wrr",
    realServers: Array.from({ length: PER }, (_, r) => ({ address: `10.${200 + (s >> 8)}.${s & 255}.${10 + r}`, weight: 1 + (r % 5) })) });
}
const v = validateDocument(doc);
if (!v.ok) throw new Error("the bench document is invalid");

const pg = process.argv.includes("--postgres");
const ctx = pg ? await migratedDatabase("lvs_bench_versions") : await migratedPglite("lvs-bench-versions");
try {
  const prisma = ctx.prisma as PrismaClient;
  const c = await prisma.cluster.create({ data: { name: "bench" } });
  const t0 = performance.now();
  await storeDocument(prisma, c.id, v.document, "bench", "import");
  const storeMs = performance.now() - t0;
  const rs = await prisma.realServer.findFirstOrThrow({ where: { address: "10.201.244.13" } });
  const save = await time(async (i) => {
    const r = await prisma.realServer.findUniqueOrThrow({ where: { id: rs.id } });
    await updateRealServer(prisma, { actor: "bench", source: "ui" }, {
      virtualServiceId: r.virtualServiceId, id: r.id, version: r.version, hostId: null, address: r.address, port: r.port,
      weight: 10 + (i & 1), forwardingMethod: r.forwardingMethod, upperThreshold: 0, lowerThreshold: 0,
    });
  });
  const read = await time(() => documentOf(prisma, c.id));
  const noop = await time(() => prisma.$transaction((tx) => recordVersion(tx, c.id, "bench", "ui"), { timeout: 60_000 }));
  const versions = await prisma.clusterVersion.count({ where: { clusterId: c.id } });
  console.log(`versions of a ${SERVICES * PER}-real-server cluster, ${pg ? "PostgreSQL" : "embedded PGlite"} (medians of ${RUNS}; ${versions} versions stored)`);
  console.log(`  first store (import)                         ${f(storeMs)}`);
  console.log(`  one form save (weight), with its version     ${f(save)}`);
  console.log(`  documentOf (the rows read as the document)   ${f(read)}`);
  console.log(`  recordVersion, nothing changed               ${f(noop)}`);
} finally {
  await ctx.close();
}
