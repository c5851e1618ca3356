import { describe, expect, it } from "vitest";
import type { PrismaClient } from "@/generated/prisma/client";
import { loadDesired, type ServiceRow } from "./desired";
import { desiredOf } from "./overlay";

// loadDesiredAndCluster builds the desired state from lib/health's loadCluster rows with desiredOf
// (one read of the services for the table and the overlay): it must be what loadDesired makes of the
// same rows and the same last apply.

const vs = {
  protocol: "tcp", address: "10.0.0.100", port: 80, fwmark: null, family: "inet", scheduler: "wlc", schedulerFlags: [],
  persistenceTimeout: null, persistenceNetmask: null, onePacket: false, persistenceEngine: null, sorryAddress: null, sorryPort: null,
};
const rows: ServiceRow[] = [
  { ...vs, sorryAddress: "10.0.0.9", sorryPort: 80, realServers: [
    { address: "10.0.0.11", port: 80, weight: 3, forwardingMethod: "route", state: "active", upperThreshold: 1000, lowerThreshold: 800 },
    { address: "10.0.0.12", port: 80, weight: 1, forwardingMethod: "route", state: "draining" },
    { address: "10.0.0.13", port: 80, weight: 1, forwardingMethod: "route", state: "disabled" },
  ] },
  { ...vs, protocol: "udp", address: "10.0.0.100", port: 53, scheduler: "rr", persistenceTimeout: 300, realServers: [{ address: "10.0.0.21", port: 5353, weight: 2, forwardingMethod: "masq", state: "active" }] },
  { ...vs, protocol: "fwmark", address: null, port: null, fwmark: 3, family: "inet6", scheduler: "sh", schedulerFlags: ["sh-port"], realServers: [] },
  { ...vs, address: "2001:db8::100", family: "inet6", port: 443, realServers: [{ address: "2001:db8::11", port: 443, weight: 1, forwardingMethod: "tunnel", state: "active" }] },
];

/** A client with just the two reads loadDesired makes. */
function fakePrisma(services: ServiceRow[], plan: unknown): PrismaClient {
  return { virtualService: { findMany: async () => services }, applyRun: { findFirst: async () => (plan === undefined ? null : { plan }) } } as unknown as PrismaClient;
}

describe("desiredOf: loadDesired's state from rows already read", () => {
  it.each([
    ["a last apply that managed more", { managed: ["-t 10.0.0.100:80", "-t 10.0.0.200:443", 7] }],
    ["no last apply", undefined],
    ["a plan without managed", { lines: "" }],
  ])("%s", async (_, plan) => {
    const previous = ((plan as { managed?: unknown[] } | undefined)?.managed ?? []).filter((k): k is string => typeof k === "string");
    expect(desiredOf(rows, previous)).toStrictEqual(await loadDesired(fakePrisma(rows, plan), "c1"));
  });
  it("no services", async () => {
    expect(desiredOf([], ["-t 10.0.0.100:80"])).toStrictEqual(await loadDesired(fakePrisma([], { managed: ["-t 10.0.0.100:80"] }), "c1"));
    expect(desiredOf([], [])).toMatchObject({ lines: "", managed: [], remove: [], vips: [] });
  });
  it("what to delete and the VIPs", () => {
    const d = desiredOf(rows, ["-t 10.0.0.100:80", "-t 10.0.0.200:443"]);
    expect(d.remove).toEqual(["-t 10.0.0.200:443"]);
    expect(d.vips).toEqual(["10.0.0.100", "2001:db8::100"]);
  });
});
