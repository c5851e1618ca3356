// Health series carry the same service/real_server labels as the counter series (the sampler's keys
// from the kernel's table), whatever the rows' spelling. A fake client: renderMetrics only reads.
import { describe, expect, it } from "vitest";
import type { PrismaClient } from "@/generated/prisma/client";
import { renderMetrics } from "./index";

describe("metrics labels", () => {
  it("an IPv6 service written long-form and a DR real server on another port match the kernel's keys", async () => {
    const now = Date.now();
    const fake = {
      $queryRawUnsafe: async () => [{
        clusterId: "c", cluster: "prod", service: "TCP [2001:db8::100]:80", destination: "[2001:db8::11]:80", at: new Date(now), weight: 3,
        activeConns: 0n, inactConns: 0n, conns: 5n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0, inPps: 0, outPps: 0, inBps: 0, outBps: 0,
      }],
      virtualService: { findMany: async () => [{
        protocol: "tcp", family: "inet6", address: "2001:DB8:0:0:0:0:0:100", port: 80, fwmark: null, cluster: { name: "prod" }, healthCheck: { enabled: true },
        realServers: [{ address: "2001:0db8::0011", port: 8080, weight: 3, forwardingMethod: "route", state: "active", upperThreshold: 0, lowerThreshold: 0, healthState: { status: "up", lastLatencyMs: 4, lastCheckedAt: new Date(now) } }],
      }, {
        protocol: "fwmark", family: "inet6", address: null, port: null, fwmark: 3, cluster: { name: "prod" }, healthCheck: { enabled: true },
        realServers: [{ address: "2001:db8:0:0::12", port: 80, weight: 1, forwardingMethod: "masq", state: "active", upperThreshold: 0, lowerThreshold: 0, healthState: null }],
      }] },
      host: { findMany: async () => [] },
      hostStatus: { findMany: async () => [] },
    } as unknown as PrismaClient;
    const { body } = await renderMetrics(fake, now);
    const L = 'cluster="prod",service="TCP [2001:db8::100]:80",real_server="[2001:db8::11]:80"';
    expect(body).toContain(`lvs_connections_total{${L}} 5`);
    expect(body).toContain(`lvs_real_server_health{${L},state="up"} 1`);
    expect(body).toContain(`lvs_health_check_latency_seconds{${L}} 0.004`);
    expect(body).toContain('lvs_real_server_health{cluster="prod",service="FWM 3 IPv6",real_server="[2001:db8::12]:80",state="unknown"} 1');
  });
});
