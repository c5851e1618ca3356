// npm run bench:diff-e2e
// `lvs diff -f cluster.yaml` end to end as an operator runs it, 10,000 real servers (1,000 services × 10):
// the real `lvs` process (startup, read, validate, the request) against the panel's /api/v1 router served
// over HTTP by this process on the embedded PGlite (validate, the rows read as the document, the diff;
// the cluster has no director, so the plan part only says so), against the YAML library parsing the
// same file in the same run (medians). Goal: under 1 s, within 3x of the YAML library.
// Runs with `--conditions=react-server` (the API's modules are server-only).
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parse as yamlParse } from "yaml";
import { readDocument, writeDocument, type DocumentInput } from "../lib/declarative";
// @ts-ignore plain ESM module without type declarations
import { deploy } from "../scripts/migrate.mjs";

const SERVICES = 1_000, PER = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
async function time(fn: () => unknown, runs = RUNS): Promise<number> {
  await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); await fn(); t.push(performance.now() - t0); }
  return median(t);
}

const doc: DocumentInput = { version: 1, cluster: { name: "bench" }, services: [] };
for (let s = 0; s < SERVICES; s++) {
  doc.services.push({ protocol: "tcp", address: `10.${100 + (s >> 8)}.${s & 255}.1`, port: 80, scheduler: "wrr",
    realServers: Array.from({ length: PER }, (_, r) => ({ address: `10.${200 + (s >> 8)}.${s & 255}.${10 + r}`, weight: 1 + (r % 5) })) });
}
const read = readDocument(JSON.stringify(doc), "json");
if (!read.ok) throw new Error("the bench document is invalid");
const changed = structuredClone(read.document);
changed.services[500]!.realServers[3]!.weight = 9;
const yaml = writeDocument(changed, "yaml");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-bench-e2e-"));
process.env.PGLITE_DIR = path.join(dir, "pglite");
delete process.env.DATABASE_URL;
await deploy({ databaseUrl: null, pgliteDir: process.env.PGLITE_DIR });
const { db } = await import("../lib/db");
const { storeDocument } = await import("../lib/data/cluster-document");
const { userWithToken } = await import("../lib/api/testing/panel");
const { handleApi } = await import("../lib/api/routes");
const prisma = await db();
const server = http.createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const r = await handleApi(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>,
    body: chunks.length ? Buffer.concat(chunks) : undefined }));
  res.writeHead(r.status, Object.fromEntries(r.headers)).end(Buffer.from(await r.arrayBuffer()));
});
try {
  const c = await prisma.cluster.create({ data: { name: "bench" } });
  await storeDocument(prisma, c.id, read.document, "bench", "import");
  const { token } = await userWithToken(prisma, "op@example.test", "operator", { name: "bench" });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const file = path.join(dir, "cluster.yaml");
  fs.writeFileSync(file, yaml);
  let out = "";
  const lvs = () => new Promise<void>((ok, fail) => {
    execFile(process.execPath, [path.resolve(import.meta.dirname, "../bin/lvs.mjs"), "diff", "-f", file], { env: { ...process.env, LVS_URL: url, LVS_TOKEN: token } },
      (e, stdout, stderr) => {
        out = stdout;
        // 3: a change (exit 1 when the plan names a problem: this cluster has no director)
        if (e && e.code !== 3 && e.code !== 1) fail(new Error(`lvs diff: ${e.message} ${stderr}`)); else ok();
      });
  });
  const yamlLibMs = await time(() => yamlParse(fs.readFileSync(file, "utf8")));
  const e2eMs = await time(lvs);
  // the panel's half alone: the same request from this process (what the CLI sends: the validated document)
  const body = JSON.stringify(changed);
  const panelMs = await time(async () => {
    const r = await fetch(`${url}/api/v1/clusters/bench/document/diff`, { method: "POST", body, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
    if (r.status !== 200) throw new Error(`diff: HTTP ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  });
  if (!out.includes("weight 4 → 9")) throw new Error(`lvs diff did not name the change:\n${out.slice(0, 500)}`);
  console.log(`lvs diff -f end to end: ${SERVICES * PER} real servers, YAML ${(yaml.length / 1e6).toFixed(1)} MB, the router over HTTP on embedded PGlite`);
  console.log(`  yaml library alone     ${yamlLibMs.toFixed(0)} ms`);
  console.log(`  the panel's half       ${panelMs.toFixed(0)} ms   (POST …/document/diff from this process)`);
  console.log(`  lvs diff -f            ${e2eMs.toFixed(0)} ms   goal < 1000 ms: ${e2eMs < 1000 ? "ok" : "MISSED"}; ratio ${(e2eMs / yamlLibMs).toFixed(2)}x, goal <= 3x: ${e2eMs <= 3 * yamlLibMs ? "ok" : "MISSED"}`);
} finally {
  server.close();
  await prisma.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
}
