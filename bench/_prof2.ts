import { performance } from "node:perf_hooks";
import { validateDocument, type DocumentInput } from "/work/wt/cac/lib/declarative";
import { storeDocument } from "/work/wt/cac/lib/data/cluster-document";
import { migratedPglite, migratedDatabase } from "/work/wt/cac/test/support/database";
const doc: DocumentInput = { version: 1, cluster: { name: "bench" }, services: [] };
for (let s = 0; s < 1000; s++) doc.services.push({ protocol: "tcp", address: `10.${100 + (s >> 8)}.${s & 255}.1`, port: 80, scheduler: "wrr",
  realServers: Array.from({ length: 10 }, (_, r) => ({ address: `10.${200 + (s >> 8)}.${s & 255}.${10 + r}`, weight: 1 + (r % 5) })) });
const v = validateDocument(doc); if (!v.ok) throw 1;
const ctx = process.argv.includes("--pg") ? await migratedDatabase("prof2") : await migratedPglite("prof");
const c = await ctx.prisma.cluster.create({ data: { name: "bench" } });
await storeDocument(ctx.prisma, c.id, v.document, "b", "import");
for (let i = 0; i < 3; i++) {
  let t = performance.now();
  await ctx.prisma.virtualService.findMany({ where: { clusterId: c.id }, include: { realServers: true, healthCheck: true } });
  const inc = performance.now() - t; t = performance.now();
  const vs = await ctx.prisma.virtualService.findMany({ where: { clusterId: c.id } });
  const vsT = performance.now() - t; t = performance.now();
  await ctx.prisma.realServer.findMany({ where: { virtualService: { clusterId: c.id } } });
  const rsT = performance.now() - t; t = performance.now();
  await ctx.prisma.realServer.findMany({ where: { virtualServiceId: { in: vs.map((x) => x.id) } }, select: { virtualServiceId: true, address: true, port: true, weight: true, upperThreshold: true, lowerThreshold: true, state: true, forwardingMethod: true } });
  const rsSel = performance.now() - t; t = performance.now();
  await ctx.prisma.$queryRaw`SELECT r."virtualServiceId", r.address, r.port, r.weight, r."upperThreshold", r."lowerThreshold", r.state::text, r."forwardingMethod"::text FROM "RealServer" r JOIN "VirtualService" v ON v.id = r."virtualServiceId" WHERE v."clusterId" = ${c.id}`;
  const raw = performance.now() - t;
  console.log(JSON.stringify({ inc, vsT, rsT, rsSel, raw }));
}
await ctx.close();
