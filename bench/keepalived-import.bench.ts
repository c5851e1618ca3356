// npm run bench:import
// 1. A keepalived.conf of 1,000 virtual servers with 10,000 real servers (HTTP_GET checks):
//    tokenize + parse, then the import preview. Goal: preview under 1 s.
// 2. A 10,000-real-server YAML document read into the validated document (readDocument), against
//    parsing the same YAML with the YAML library alone, in the same run (medians). Goal: within 3x.
import { performance } from "node:perf_hooks";
import { parse as yamlParse } from "yaml";
import { readDocument, writeDocument } from "../lib/declarative";
import { importKeepalived, memoryReader, parseText, renderKeepalived } from "../lib/keepalived";

const SERVICES = 1_000, PER = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
function time(fn: () => unknown, runs = RUNS): number {
  for (let i = 0; i < 2; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); fn(); t.push(performance.now() - t0); }
  return median(t);
}

const conf: string[] = ["global_defs {\n    router_id BENCH\n}\n"];
for (let s = 0; s < SERVICES; s++) {
  const vip = `10.${100 + (s >> 8)}.${s & 255}.1`;
  conf.push(`virtual_server ${vip} 80 {\n    delay_loop 5\n    lb_algo wrr\n    lb_kind DR\n    protocol TCP\n    quorum 1\n`);
  for (let r = 0; r < PER; r++) {
    conf.push(`    real_server 10.${200 + (s >> 8)}.${s & 255}.${10 + r} 80 {\n        weight ${1 + (r % 5)}\n        inhibit_on_failure\n` +
      `        HTTP_GET {\n            url {\n                path /healthz\n                status_code 200\n            }\n            connect_timeout 2\n            retry 2\n            delay_before_retry 5\n        }\n    }\n`);
  }
  conf.push("}\n");
}
const text = conf.join("");
const reader = memoryReader({});

const parseMs = time(() => parseText(text, "/bench.conf", reader));
const previewMs = time(() => importKeepalived(parseText(text, "/bench.conf", reader)));
const r = importKeepalived(parseText(text, "/bench.conf", reader));
if (!r.ok) throw new Error("the bench config did not import");
const rs = r.document.services.reduce((n, s) => n + s.realServers.length, 0);
const exportMs = time(() => renderKeepalived(r.document));

const f = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(`keepalived.conf: ${SERVICES} virtual servers, ${rs} real servers, ${(text.length / 1e6).toFixed(1)} MB, ${r.items.length} preview items`);
console.log(`  tokenize + parse          ${f(parseMs)}`);
console.log(`  parse + preview (import)  ${f(previewMs)}   goal < 1000 ms: ${previewMs < 1000 ? "ok" : "MISSED"}`);
console.log(`  export to keepalived.conf ${f(exportMs)}`);
for (const full of [false, true]) {
  const yaml = writeDocument(r.document, "yaml", { full });
  const yamlLibMs = time(() => yamlParse(yaml));
  const docMs = time(() => { const d = readDocument(yaml, "yaml"); if (!d.ok) throw new Error("invalid"); });
  console.log(`YAML document (${full ? "full" : "compact, as written"}): ${rs} real servers, ${(yaml.length / 1e6).toFixed(1)} MB`);
  console.log(`  yaml library alone        ${f(yamlLibMs)}`);
  console.log(`  readDocument (validated)  ${f(docMs)}   ratio ${(docMs / yamlLibMs).toFixed(2)}x   goal <= 3x: ${docMs <= 3 * yamlLibMs ? "ok" : "MISSED"}`);
}
