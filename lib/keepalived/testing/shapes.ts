// Cluster shapes the tests build: every kind of service keepalived can express. Round-trip tests
// check import(export(x)) == x on each; the integration test feeds each export to the real keepalived.
import type { DocumentInput } from "@/lib/declarative";

const tcp = (over: object = {}) => ({ enabled: true, kind: "tcp" as const, port: null, path: "/", hostHeader: null, expectStatus: "200-399", bodyContains: null, intervalMs: 5000, timeoutMs: 2000, rise: 1, fall: 2, runFrom: "director" as const, onFail: "remove" as const, quorum: 1, ...over });

export const SHAPES: Record<string, DocumentInput> = {
  "DR seed (10.78.0.100:80 rr, two real servers)": { version: 1, services: [
    { protocol: "tcp", address: "10.78.0.100", port: 80, scheduler: "rr", forward: "route", healthCheck: tcp(), realServers: [{ address: "10.78.0.11" }, { address: "10.78.0.12" }] },
  ] },
  "NAT with an HTTP check, thresholds and a NAT sorry server": { version: 1, cluster: { name: "web" }, services: [
    { protocol: "tcp", address: "192.0.2.10", port: 443, scheduler: "wlc", forward: "masq", sorryServer: { address: "10.0.0.99", port: 8080 },
      healthCheck: tcp({ kind: "http", path: "/healthz", expectStatus: "200,204", hostHeader: "www.example.org", intervalMs: 10_000, timeoutMs: 3000, fall: 3, onFail: "quiesce", quorum: 2 }),
      realServers: [{ address: "10.0.0.21", port: 8443, weight: 3, upperThreshold: 1000, lowerThreshold: 800 }, { address: "10.0.0.22", port: 8443, weight: 2 }] },
  ] },
  "TUN with an HTTPS check on the service port named explicitly, a body match": { version: 1, services: [
    { protocol: "tcp", address: "198.51.100.5", port: 443, scheduler: "wrr", forward: "tunnel",
      healthCheck: tcp({ kind: "https", port: 443, path: "/status", expectStatus: "200-299", bodyContains: "ok.ready (v1)", intervalMs: 3000, timeoutMs: 1500, fall: 4 }),
      realServers: [{ address: "203.0.113.11", weight: 10 }, { address: "203.0.113.12", weight: 20 }] },
  ] },
  "DR sorry server on the service port, quorum": { version: 1, services: [
    { protocol: "tcp", address: "10.78.0.100", port: 80, scheduler: "rr", forward: "route", sorryServer: { address: "10.78.0.9", port: 80 },
      healthCheck: tcp({ kind: "http", intervalMs: 2000, timeoutMs: 1000, fall: 3, onFail: "quiesce", quorum: 2 }),
      realServers: [{ address: "10.78.0.11" }, { address: "10.78.0.12" }] },
  ] },
  "fwmark inet and inet6, persistence with a netmask, a check on port 443": { version: 1, services: [
    { protocol: "fwmark", fwmark: 6, scheduler: "rr", forward: "route", healthCheck: tcp({ port: 443 }), realServers: [{ address: "10.10.1.11" }, { address: "10.10.1.12" }] },
    { protocol: "fwmark", fwmark: 7, scheduler: "rr", forward: "route", persistence: { timeout: 600, netmask: "255.255.255.0" }, realServers: [{ address: "10.10.1.21" }] },
    { protocol: "fwmark", fwmark: 8, family: "inet6", scheduler: "lc", forward: "route", realServers: [{ address: "fd00::21", weight: 5 }] },
    { protocol: "fwmark", fwmark: 9, scheduler: "wlc", forward: "masq", realServers: [{ address: "10.10.1.31", port: 8080 }] },
  ] },
  "UDP with ops, SIP persistence, an all-ports persistent service, sh flags": { version: 1, services: [
    { protocol: "udp", address: "10.20.0.53", port: 53, scheduler: "rr", forward: "masq", ops: true, realServers: [{ address: "10.20.1.1" }, { address: "10.20.1.2" }] },
    { protocol: "udp", address: "10.20.0.60", port: 5060, scheduler: "rr", forward: "route", persistence: { timeout: 120, engine: "sip" }, realServers: [{ address: "10.20.1.10" }] },
    { protocol: "tcp", address: "10.20.0.70", port: 0, scheduler: "wlc", forward: "route", persistence: { timeout: 360 }, realServers: [{ address: "10.20.1.20" }] },
    { protocol: "tcp", address: "10.20.0.80", port: 80, scheduler: "sh", flags: ["sh-fallback", "sh-port"], forward: "route", realServers: [{ address: "10.20.1.30" }] },
    { protocol: "sctp", address: "10.20.0.90", port: 3868, scheduler: "mh", flags: ["mh-port"], forward: "masq", realServers: [{ address: "10.20.1.40", port: 3869 }] },
  ] },
  "IPv6 service, per-real-server forwarding, weight 0": { version: 1, services: [
    { protocol: "tcp", address: "2001:db8::80", port: 80, scheduler: "wrr", forward: "route",
      persistence: { timeout: 300, netmask: "64" },
      healthCheck: tcp({ port: 8080, intervalMs: 1500, timeoutMs: 500, fall: 1 }),
      realServers: [{ address: "2001:db8::11" }, { address: "2001:db8::12", weight: 0 }, { address: "2001:db8::13", forward: "tunnel" }] },
  ] },
};
