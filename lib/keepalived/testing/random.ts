// Seeded random cluster documents within what keepalived.conf can hold (rise 1, checks from the
// director, active real servers), for round-trip property tests and the keepalived --config-test run.
import { gen, type Gen } from "@/lib/ipvs/testing/generate";
import { SCHEDULERS } from "@/lib/ipvs/model";
import type { DocumentInput } from "@/lib/declarative";

type Svc = DocumentInput["services"][number];
const SCHED = SCHEDULERS.filter((s) => s !== "twos");

function check(g: Gen, needsPort: boolean) {
  const kind = g.pick(["tcp", "http", "https"] as const);
  const intervalMs = g.pick([1000, 1500, 2000, 5000, 60_000]);
  const http = kind !== "tcp";
  return {
    kind, port: needsPort || g.chance(0.3) ? g.int(1, 65535) : null, intervalMs, timeoutMs: g.pick([500, 1000, intervalMs]),
    fall: g.int(1, 5), rise: 1, onFail: g.pick(["quiesce", "remove"] as const), quorum: g.int(1, 3),
    ...(http ? { path: g.pick(["/", "/healthz", "/a/b?c=d"]), expectStatus: g.pick(["200", "200-299", "200,301-302", "200-399"]),
      hostHeader: g.chance(0.5) ? g.pick(["www.example.org", "api.example.org:8443"]) : null, bodyContains: g.chance(0.3) ? g.pick(["ok", "status: up", "a.b(c)"]) : null } : {}),
  };
}

export function randomDocument(seed: number, services = 6): DocumentInput {
  const g = gen(seed);
  const out: Svc[] = [];
  for (let i = 0; i < services; i++) {
    const fw = g.chance(0.2), v6 = g.chance(0.25), udp = !fw && g.chance(0.2);
    const forward = g.pick(["route", "masq", "tunnel"] as const);
    const rsAddr = (j: number) => (v6 ? `2001:db8:${i.toString(16)}::${(j + 16).toString(16)}` : `10.${100 + i}.1.${j + 10}`);
    const scheduler = g.pick(SCHED);
    const flags = scheduler === "sh" || scheduler === "mh" ? (g.chance(0.5) ? [`${scheduler}-port` as const] : []) : g.chance(0.2) ? ["flag-1" as const] : [];
    const persistent = g.chance(0.3);
    const port = fw ? undefined : persistent && g.chance(0.2) ? 0 : g.pick([53, 80, 443, 8080]);
    const realServers = Array.from({ length: g.int(1, 4) }, (_, j) => ({
      address: rsAddr(j), ...(forward === "masq" ? { port: g.int(1, 65535) } : fw ? { port: 0 } : {}),
      weight: g.pick([0, 1, 1, 5, 100]), ...(g.chance(0.2) ? { upperThreshold: 1000, lowerThreshold: g.int(0, 1000) } : {}),
    }));
    if (realServers.every((r) => r.weight === 0)) realServers[0]!.weight = 1; // keepalived warns on a total weight of 0
    const total = realServers.reduce((n, r) => n + r.weight, 0);
    const s: Svc = {
      ...(fw ? { protocol: "fwmark" as const, fwmark: g.int(1, 100_000) + i * 100_000, family: v6 ? ("inet6" as const) : ("inet" as const) } : { protocol: udp ? ("udp" as const) : ("tcp" as const), address: v6 ? `2001:db8:ffff::${i + 1}` : `192.0.2.${i + 1}`, port }),
      scheduler, flags, forward, ops: udp && g.chance(0.5),
      persistence: persistent || port === 0 ? { timeout: g.int(1, 3600), ...(g.chance(0.5) ? { netmask: v6 ? "64" : "255.255.255.0" } : {}) } : null,
      healthCheck: g.chance(0.6) ? { ...check(g, fw || port === 0), quorum: g.int(1, Math.min(3, total)) } : null,
      realServers,
    };
    if (!udp && g.chance(0.2)) s.sorryServer = { address: v6 ? "2001:db8:ffff::99" : "10.99.0.9", port: forward === "route" && !fw ? (port as number) : g.int(1, 65535) };
    out.push(s);
  }
  return { version: 1, services: out };
}
