import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { readDocument, writeDocument, type DocumentInput } from "/work/wt/cac/lib/declarative";
import { previewDocument, storeDocument } from "/work/wt/cac/lib/data/cluster-document";
import { migratedPglite } from "/work/wt/cac/test/support/database";
const doc: DocumentInput = { version: 1, cluster: { name: "bench" }, services: [] };
for (let s = 0; s < 1000; s++) doc.services.push({ protocol: "tcp", address: `10.${100 + (s >> 8)}.${s & 255}.1`, port: 80, scheduler: "wrr",
  realServers: Array.from({ length: 10 }, (_, r) => ({ address: `10.${200 + (s >> 8)}.${s & 255}.${10 + r}`, weight: 1 + (r % 5) })) });
const read = readDocument(JSON.stringify(doc), "json"); if (!read.ok) throw 1;
const changed = structuredClone(read.document); changed.services[500]!.realServers[3]!.weight = 9;
const yaml = writeDocument(changed, "yaml");
const ctx = await migratedPglite("prof");
const c = await ctx.prisma.cluster.create({ data: { name: "bench" } });
await storeDocument(ctx.prisma, c.id, read.document, "b", "import");
const s = new Session(); s.connect();
await s.post("Profiler.enable"); await s.post("Profiler.start");
const parts: Record<string, number[]> = { read: [], preview: [] };
for (let i = 0; i < 6; i++) {
  let t = performance.now();
  const r = readDocument(yaml, "yaml"); if (!r.ok) throw 2;
  parts.read!.push(performance.now() - t); t = performance.now();
  await previewDocument(ctx.prisma, c.id, r.document);
  parts.preview!.push(performance.now() - t);
}
const { profile } = await s.post("Profiler.stop");
writeFileSync("/tmp/cac-diff.cpuprofile", JSON.stringify(profile));
console.log(JSON.stringify(parts));
await ctx.close();
