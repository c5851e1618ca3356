import { describe, expect, it } from "vitest";
import type { RealServerReport } from "@/lib/realserver";
import { liveRealServer, probeDue, rowHealth, type HealthRows } from "@/lib/live/live-tick";

describe("probeDue: when a live tick probes the real servers", () => {
  const stored = new Map([["h1", {}], ["h2", {}]]);
  it("every 10th tick from the first", () => {
    expect([0, 1, 9, 10, 11, 20].map((t) => probeDue(t, ["h1", "h2"], stored))).toEqual([true, false, false, true, false, true]);
  });
  it("at once when a host has no stored probe", () => {
    expect(probeDue(3, ["h1", "h3"], stored)).toBe(true);
  });
  it("never for want of hosts when there are none", () => {
    expect(probeDue(3, [], new Map())).toBe(false);
  });
});

const h = { host: { id: "h1", name: "rs1", address: "10.0.0.11" }, vips: ["10.0.0.100", "10.0.0.200"] };
const report = (listening: RealServerReport["facts"]["listening"] | undefined): RealServerReport => ({
  events: [], ready: true, durationMs: 12,
  verdicts: [{ vip: "10.0.0.100", ready: true, problems: [], warnings: [], iface: "lo" }],
  facts: {
    conf: { all: { arp_ignore: 1, arp_announce: 2 } },
    interfaces: [
      { ifname: "lo", up: true, addrs: [{ family: "inet", local: "127.0.0.1", prefixlen: 8 }, { family: "inet", local: "10.0.0.100", prefixlen: 32 }] },
      { ifname: "eth0", up: true, addrs: [{ family: "inet", local: "10.0.0.200", prefixlen: 24 }] },
    ],
    defaultGateway: "10.0.0.1", defaultDev: "eth0", files: { sysctl: true, unit: true, systemd: true },
    ...(listening === undefined ? {} : { listening }),
  } as RealServerReport["facts"],
});

describe("liveRealServer: a host's entry in the ARP panel", () => {
  it("from its last probe, keys in the stream's order", () => {
    const e = liveRealServer(h, { at: "2026-01-01T00:00:00.000Z", error: null, report: report([{ addr: "0.0.0.0", port: 80 }]) });
    expect(Object.keys(e)).toEqual(["hostId", "host", "address", "vips", "inUse", "at", "error", "ready", "verdicts", "conf", "gateway", "vipOnLo", "listening"]);
    expect(e).toEqual({
      hostId: "h1", host: "rs1", address: "10.0.0.11", vips: ["10.0.0.100", "10.0.0.200"], inUse: true, at: "2026-01-01T00:00:00.000Z", error: null,
      ready: true, verdicts: report(null).verdicts, conf: { all: { arp_ignore: 1, arp_announce: 2 } }, gateway: "10.0.0.1",
      vipOnLo: ["10.0.0.100"], // 10.0.0.200 is on eth0, not lo
      listening: ["0.0.0.0:80"],
    });
  });
  it("never probed: nulls and empty lists", () => {
    expect(liveRealServer(h, undefined)).toEqual({ hostId: "h1", host: "rs1", address: "10.0.0.11", vips: h.vips, inUse: true, at: null, error: null, ready: null, verdicts: [], conf: null, gateway: null, vipOnLo: [], listening: null });
  });
  it("a host no virtual service uses any more (ownVips empty) is not in use, whatever it is probed for", () => {
    expect(liveRealServer({ ...h, ownVips: [] }, { at: "x", error: null, report: report(null) }).inUse).toBe(false);
    expect(liveRealServer({ ...h, ownVips: ["10.0.0.100"] }, undefined).inUse).toBe(true);
  });
  it("a failed probe keeps its error and time", () => {
    expect(liveRealServer(h, { at: "2026-01-01T00:00:00.000Z", error: "host key not trusted yet", report: null })).toMatchObject({ at: "2026-01-01T00:00:00.000Z", error: "host key not trusted yet", ready: null, vipOnLo: [] });
  });
  it("no `ss` on the host (null), or a report stored before `listening` existed: listening unknown", () => {
    expect(liveRealServer(h, { at: "x", error: null, report: report(null) }).listening).toBeNull();
    expect(liveRealServer(h, { at: "x", error: null, report: report(undefined) }).listening).toBeNull();
  });
});

describe("rowHealth: the checker's state on the live rows", () => {
  const state = (status: string) => ({ status, lastMessage: `${status} msg`, lastLatencyMs: 3, lastCheckedAt: new Date("2026-01-01T00:00:05Z") });
  const svc = { protocol: "tcp", family: "inet", address: "10.0.0.100", port: 80, fwmark: null };
  const rows: HealthRows = [
    { ...svc, healthCheck: { enabled: true }, realServers: [
      { address: "10.0.0.11", port: 80, state: "active", healthOverride: null, healthState: state("down") },
      { address: "10.0.0.12", port: 80, state: "active", healthOverride: { enabled: null }, healthState: null },
      { address: "10.0.0.13", port: 80, state: "active", healthOverride: { enabled: false }, healthState: state("up") },
      { address: "10.0.0.14", port: 80, state: "draining", healthOverride: null, healthState: state("up") },
    ] },
    { ...svc, port: 443, healthCheck: { enabled: false }, realServers: [{ address: "10.0.0.11", port: 443, state: "active", healthOverride: null, healthState: state("up") }] },
    { ...svc, port: 8080, healthCheck: null, realServers: [{ address: "10.0.0.11", port: 8080, state: "active", healthOverride: null, healthState: state("up") }] },
    { protocol: "fwmark", family: "inet6", address: null, port: null, fwmark: 7, healthCheck: { enabled: true }, realServers: [{ address: "2001:db8::11", port: 0, state: "active", healthOverride: null, healthState: state("up") }] },
  ];
  it("keyed like the live rows; only active real servers of checked services, not overridden off", () => {
    expect(rowHealth(rows)).toEqual({
      "TCP 10.0.0.100:80 -> 10.0.0.11:80": { status: "down", message: "down msg", latencyMs: 3, checkedAt: "2026-01-01T00:00:05.000Z" },
      "TCP 10.0.0.100:80 -> 10.0.0.12:80": { status: "unknown", message: "", latencyMs: null, checkedAt: null },
      "FWM 7 IPv6 -> [2001:db8::11]:0": { status: "up", message: "up msg", latencyMs: 3, checkedAt: "2026-01-01T00:00:05.000Z" },
    });
  });
});
