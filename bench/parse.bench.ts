// npm run bench:parse
// 1. parseList on `ipvsadm -Ln --stats --exact` text of 10,000 services x 10 real servers, against
//    JSON.parse of the same data as JSON, in the same run (medians). Goal: within 2x of JSON.parse.
// 2. plan() on 10,000 services (10 real servers each) with 1% drift. Goal: under 50 ms.
import { performance } from "node:perf_hooks";
import { parseList } from "../lib/ipvs/parse-list";
import { plan } from "../lib/ipvs/plan";
import { gen } from "../lib/ipvs/testing/generate";
import type { Destination, Service, Table } from "../lib/ipvs/model";

const SERVICES = 10_000;
const DESTS = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 21);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

function time(fn: () => unknown, runs = RUNS): number {
  for (let i = 0; i < 3; i++) fn(); // warm up
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

// ------------------------------------------------------------------ the -Ln --stats --exact text
// Same layout as ipvsadm 1.31: "%-33s" for the name, then " %8llu" per counter (wider values push right).
const g = gen(42);
const num = (big: boolean) => (big ? g.int(0, 2 ** 40) : g.int(0, 99_999));
const col = (v: number) => " " + String(v).padStart(8);
const lines = [
  "IP Virtual Server version 1.2.1 (size=4096)",
  "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes",
  "  -> RemoteAddress:Port",
];
for (let i = 0; i < SERVICES; i++) {
  const proto = (["TCP ", "UDP ", "SCTP"] as const)[i % 3];
  const vip = i % 10 === 9 ? `[2001:db8:${(i >> 8).toString(16)}::${(i & 255).toString(16)}]` : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const port = 1 + (i % 65000);
  let line = `${proto} ${vip}:${port}`.padEnd(33);
  for (let c = 0; c < 5; c++) line += col(num(c >= 3));
  lines.push(line);
  for (let j = 0; j < DESTS; j++) {
    const rip = i % 10 === 9 ? `[2001:db8:ffff:${i.toString(16)}::${(j + 1).toString(16)}]` : `172.${16 + (j & 15)}.${(i >> 8) & 255}.${i & 255}`;
    let d = `  -> ${rip}:${port}`.padEnd(33);
    for (let c = 0; c < 5; c++) d += col(num(c >= 3));
    lines.push(d);
  }
}
const text = lines.join("\n") + "\n";
const parsed = parseList(text, ["stats"]);
const json = JSON.stringify(parsed);
if (parsed.services.length !== SERVICES || parsed.services.some((s) => s.destinations.length !== DESTS)) throw new Error("bench table is wrong");
if (JSON.stringify(JSON.parse(json)) !== JSON.stringify(parsed)) throw new Error("JSON is not equivalent");

const tParse = time(() => parseList(text, ["stats"]));
const tJson = time(() => JSON.parse(json));

// ------------------------------------------------------------------ plan, 1% drift
const route = (address: string, port: number, weight: number): Destination => ({
  address, port, forward: "route", weight, upperThreshold: 0, lowerThreshold: 0, tunnelType: null, tunnelPort: null, tunnelCsum: null,
});
const desired: Table = { services: [] };
for (let i = 0; i < SERVICES; i++) {
  const port = 1 + (i % 65000);
  const s: Service = {
    protocol: "tcp", family: "inet", address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port, fwmark: null,
    scheduler: "wrr", persistent: i % 4 === 0 ? 300 : null, netmask: i % 4 === 0 ? "255.255.255.255" : null, ops: false, pe: null, flags: [],
    destinations: Array.from({ length: DESTS }, (_, j) => route(`172.${16 + j}.${(i >> 8) & 255}.${i & 255}`, port, 1 + (j % 5))),
  };
  desired.services.push(s);
}
const actual: Table = structuredClone(desired);
let drifted = 0;
for (let i = 0; i < SERVICES; i += 100) {
  const s = actual.services[i] as Service;
  drifted++;
  switch ((i / 100) % 4) {
    case 0: s.scheduler = "rr"; break; // edit service
    case 1: (s.destinations[3] as Destination).weight = 99; break; // edit real server
    case 2: s.destinations.pop(); break; // add real server
    case 3: s.destinations.push(route("192.0.2.1", s.port as number, 1)); break; // remove real server
  }
}
actual.services.reverse(); // the kernel's order means nothing
const steps = plan(desired, actual);
if (steps.length !== drifted) throw new Error(`expected ${drifted} steps, got ${steps.length}`);
const tPlan = time(() => plan(desired, actual));
const tSync = time(() => plan(desired, desired));
// worst case for the positional fast path: every service lists its real servers in another order
const shuffled: Table = { services: actual.services.map((x) => ({ ...x, destinations: [...x.destinations].reverse() })) };
if (plan(desired, shuffled).length !== drifted) throw new Error("shuffled plan differs");
const tShuffled = time(() => plan(desired, shuffled));

const mb = (n: number) => (n / 1e6).toFixed(1);
const ms = (n: number) => n.toFixed(1).padStart(7);
console.log(`node ${process.version}, ${RUNS} runs each, medians`);
console.log(`-Ln --stats --exact: ${SERVICES} services x ${DESTS} real servers, ${lines.length} lines, ${mb(text.length)} MB text; JSON ${mb(json.length)} MB`);
console.log(`  parseList          ${ms(tParse)} ms`);
console.log(`  JSON.parse         ${ms(tJson)} ms`);
console.log(`  ratio              ${(tParse / tJson).toFixed(2)}x   (goal <= 2x: ${tParse <= 2 * tJson ? "met" : "NOT met"})`);
console.log(`plan: ${SERVICES} services x ${DESTS} real servers, ${drifted} drifted (1%) → ${steps.length} steps`);
console.log(`  plan (1% drift)    ${ms(tPlan)} ms   (goal < 50 ms: ${tPlan < 50 ? "met" : "NOT met"})`);
console.log(`  plan (1% drift, every real-server list in another order) ${ms(tShuffled)} ms`);
console.log(`  plan (in sync)     ${ms(tSync)} ms`);
