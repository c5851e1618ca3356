// npm run bench:diff
// `lvs diff -f` of a 10,000-real-server YAML (1,000 services × 10): the CLI's read (readDocument) plus
// the panel's side without the director (previewDocument: the rows read back as the document, the file
// validated, the readable diff), against parsing the same YAML with the YAML library alone, in the same
// run (medians). Goal: under 1 s, within 3x of the YAML library. On the embedded PGlite (the default
// database); also the first store of that document (an import) and storing it again (a no-op), and the
// CLI's half as the operator runs it: a real `lvs diff -f` process (startup, read, validate, the request)
// against a stub panel that reads the body and answers "no change" at once, and `lvs --version` (startup).
import { execFile } from "node:child_process";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parse as yamlParse } from "yaml";
import { readDocument, writeDocument, type DocumentInput } from "../lib/declarative";
import { previewDocument, storeDocument } from "../lib/data/cluster-document";
import { migratedPglite } from "../test/support/database";

const SERVICES = 1_000, PER = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
async function time(fn: () => unknown, runs = RUNS): Promise<number> {
  await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); await fn(); t.push(performance.now() - t0); }
  return median(t);
}
const f = (ms: number) => `${ms.toFixed(0)} ms`;

const doc: DocumentInput = { version: 1, cluster: { name: "bench" }, services: [] };
for (let s = 0; s < SERVICES; s++) {
  doc.services.push({ protocol: "tcp", address: `10.${100 + (s >> 8)}.${s & 255}.1`, port: 80, scheduler: "wrr",
    realServers: Array.from({ length: PER }, (_, r) => ({ address: `10.${200 + (s >> 8)}.${s & 255}.${10 + r}`, weight: 1 + (r % 5) })) });
}
const read = readDocument(JSON.stringify(doc), "json");
if (!read.ok) throw new Error("the bench document is invalid");
const yaml = writeDocument(read.document, "yaml");
const changed = structuredClone(read.document);
changed.services[500]!.realServers[3]!.weight = 9;
const yamlChanged = writeDocument(changed, "yaml");

const ctx = await migratedPglite("lvs-bench-diff");
try {
  const c = await ctx.prisma.cluster.create({ data: { name: "bench" } });
  const t0 = performance.now();
  await storeDocument(ctx.prisma, c.id, read.document, "bench", "import");
  const storeMs = performance.now() - t0;
  const againMs = await time(() => storeDocument(ctx.prisma, c.id, read.document, "bench", "cli"), 3);
  const yamlLibMs = await time(() => yamlParse(yamlChanged));
  const diffMs = await time(async () => {
    const r = readDocument(yamlChanged, "yaml");
    if (!r.ok) throw new Error("invalid");
    const p = await previewDocument(ctx.prisma, c.id, r.document);
    if (p.changes.length !== 1) throw new Error(`expected one change, got ${p.changes.length}`);
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lvs-bench-diff-")), "cluster.yaml");
  fs.writeFileSync(file, yamlChanged);
  // the stub panel: the whole body read (the CLI's request is part of its half), then an empty diff
  const stub = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ cluster: "bench", changes: [], plan: null, planSteps: null })));
  });
  await new Promise<void>((ok) => stub.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(stub.address() as { port: number }).port}`;
  const lvs = (args: string[]) => () => new Promise<void>((ok, fail) => {
    execFile(process.execPath, [path.resolve(import.meta.dirname, "../bin/lvs.mjs"), ...args], { env: { ...process.env, LVS_URL: url, LVS_TOKEN: "x" } },
      (e, _out, err) => (e ? fail(new Error(`lvs ${args.join(" ")}: ${e.message} ${err}`)) : ok()));
  });
  const startupMs = await time(lvs(["--version"]));
  const cliMs = await time(lvs(["diff", "-f", file]));
  stub.close();
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  console.log(`cluster document: ${SERVICES} services, ${SERVICES * PER} real servers, YAML ${(yaml.length / 1e6).toFixed(1)} MB, embedded PGlite`);
  console.log(`  first store (import, one transaction)   ${f(storeMs)}`);
  console.log(`  store again (no-op)                     ${f(againMs)}`);
  console.log(`  yaml library alone                      ${f(yamlLibMs)}`);
  console.log(`  lvs --version (a process: startup)      ${f(startupMs)}`);
  console.log(`  lvs diff -f, the CLI's half (a process)  ${f(cliMs)}`);
  console.log(`  diff -f (read + rows + validate + diff) ${f(diffMs)}   goal < 1000 ms: ${diffMs < 1000 ? "ok" : "MISSED"}; ratio ${(diffMs / yamlLibMs).toFixed(2)}x, goal <= 3x: ${diffMs <= 3 * yamlLibMs ? "ok" : "MISSED"}`);
} finally {
  await ctx.close();
}
