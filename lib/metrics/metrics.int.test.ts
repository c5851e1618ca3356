// /api/metrics content from real PostgreSQL rows (what the worker writes), and its token check.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedDatabase } from "@/test/support/database";
import { metricsAuthorized, renderMetrics } from "./index";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
beforeAll(async () => {
  ctx = await migratedDatabase("lvs_metrics");
  const p = ctx.prisma;
  const c = await p.cluster.create({ data: { name: "prod" } });
  const h = await p.host.create({ data: { clusterId: c.id, name: "lvs1", address: "10.0.0.2", role: "director" } });
  await p.hostStatus.create({ data: { hostId: h.id, reachable: false, error: "timeout" } });
  const vs = await p.virtualService.create({ data: { clusterId: c.id, protocol: "tcp", address: "10.0.0.100", port: 80 } });
  await p.healthCheck.create({ data: { virtualServiceId: vs.id } });
  const rs = await p.realServer.create({ data: { virtualServiceId: vs.id, address: "10.0.0.11", port: 80, weight: 5 } });
  await p.healthState.create({ data: { realServerId: rs.id, status: "down", lastLatencyMs: 12, lastCheckedAt: new Date() } });
  const old = new Date(Date.now() - 60_000);
  await p.counterSample.createMany({ data: [
    { clusterId: c.id, at: old, service: "TCP 10.0.0.100:80", destination: "10.0.0.11:80", weight: 5, conns: 1n, inBytes: 10n },
    { clusterId: c.id, service: "TCP 10.0.0.100:80", destination: "10.0.0.11:80", weight: 0, conns: 12345678901n, inBytes: 99n, activeConns: 3n, cps: 2.5 },
    { clusterId: c.id, service: "TCP 10.0.0.100:80", destination: "", conns: 12345678901n },
  ] });
});
afterAll(async () => ctx?.close());

describe("metrics", () => {
  it("exposes the latest sample per service/real server, weight, health and SSH reachability", async () => {
    const { body, contentType } = await renderMetrics(ctx.prisma);
    expect(contentType).toMatch(/^text\/plain/);
    const L = 'cluster="prod",service="TCP 10.0.0.100:80",real_server="10.0.0.11:80"';
    expect(body).toContain(`lvs_connections_total{${L}} 12345678901`);
    expect(body).toContain(`lvs_bytes_in_total{${L}} 99`);
    expect(body).toContain(`lvs_active_connections{${L}} 3`);
    expect(body).toContain(`lvs_connections_per_second{${L}} 2.5`);
    expect(body).toContain(`lvs_real_server_weight{${L}} 0`);
    expect(body).toContain(`lvs_connections_total{cluster="prod",service="TCP 10.0.0.100:80",real_server=""} 12345678901`);
    expect(body).toContain(`lvs_real_server_health{${L},state="down"} 1`);
    expect(body).toContain(`lvs_real_server_health{${L},state="up"} 0`);
    expect(body).toContain(`lvs_health_check_latency_seconds{${L}} 0.012`);
    expect(body).toContain(`lvs_host_ssh_reachable{cluster="prod",host="lvs1",role="director"} 0`);
    expect(body).toContain("# TYPE lvs_connections_total counter");
  });

  it("health series carry the kernel's keys whatever the rows' spelling (IPv6 written long-form, a DR real server on another port)", async () => {
    const p = ctx.prisma;
    const c = await p.cluster.create({ data: { name: "v6" } });
    const vs = await p.virtualService.create({ data: { clusterId: c.id, protocol: "tcp", family: "inet6", address: "2001:DB8:0:0:0:0:0:100", port: 80 } });
    await p.healthCheck.create({ data: { virtualServiceId: vs.id } });
    const rs = await p.realServer.create({ data: { virtualServiceId: vs.id, address: "2001:0db8::0011", port: 8080, weight: 3 } });
    await p.healthState.create({ data: { realServerId: rs.id, status: "up", lastLatencyMs: 4, lastCheckedAt: new Date() } });
    const fw = await p.virtualService.create({ data: { clusterId: c.id, protocol: "fwmark", family: "inet6", address: null, port: null, fwmark: 3 } });
    await p.healthCheck.create({ data: { virtualServiceId: fw.id } });
    await p.realServer.create({ data: { virtualServiceId: fw.id, address: "2001:db8:0:0::12", port: 80, weight: 1, forwardingMethod: "masq" } });
    // the sampler's keys: serviceKey/destKey of the kernel's table
    await p.counterSample.create({ data: { clusterId: c.id, service: "TCP [2001:db8::100]:80", destination: "[2001:db8::11]:80", weight: 3, conns: 5n } });
    const { body } = await renderMetrics(p);
    const L = 'cluster="v6",service="TCP [2001:db8::100]:80",real_server="[2001:db8::11]:80"';
    expect(body).toContain(`lvs_connections_total{${L}} 5`);
    expect(body).toContain(`lvs_real_server_health{${L},state="up"} 1`);
    expect(body).toContain(`lvs_health_check_latency_seconds{${L}} 0.004`);
    expect(body).toContain('lvs_real_server_health{cluster="v6",service="FWM 3 IPv6",real_server="[2001:db8::12]:80",state="unknown"} 1');
  });

  it("director HA: each director's VRRP state (a stale reading is unknown), VIPs held, split brain", async () => {
    const p = ctx.prisma;
    const c = await p.cluster.create({ data: { name: "pair", haEnabled: true } });
    const [d1, d2, d3] = await Promise.all(["d1", "d2", "d3"].map((name, i) =>
      p.host.create({ data: { clusterId: c.id, name, address: `10.9.0.${i + 1}`, role: "director" } })));
    const master = { vrrpState: "MASTER", vipsHeld: ["10.9.0.100"], syncDaemon: "master" };
    await p.directorState.create({ data: { hostId: d1!.id, ...master } });
    await p.directorState.create({ data: { hostId: d2!.id, ...master } });
    await p.directorState.create({ data: { hostId: d3!.id, ...master, readAt: new Date(Date.now() - 60_000) } });
    const { body } = await renderMetrics(p);
    expect(body).toContain('lvs_director_vrrp_state{cluster="pair",director="d1",state="MASTER"} 1');
    expect(body).toContain('lvs_director_vrrp_state{cluster="pair",director="d1",state="BACKUP"} 0');
    expect(body).toContain('lvs_director_vrrp_state{cluster="pair",director="d3",state="unknown"} 1');
    expect(body).toContain('lvs_director_vrrp_state{cluster="pair",director="d3",state="MASTER"} 0');
    expect(body).toContain('lvs_director_vips_held{cluster="pair",director="d2"} 1');
    expect(body).toContain('lvs_director_vips_held{cluster="pair",director="d3"} 0');
    expect(body).toContain('lvs_split_brain{cluster="pair"} 1');
    await p.directorState.update({ where: { hostId: d2!.id }, data: { vrrpState: "BACKUP", vipsHeld: [] } });
    expect((await renderMetrics(p)).body).toContain('lvs_split_brain{cluster="pair"} 0');
  });

  it("needs the bearer token; off without METRICS_TOKEN", () => {
    expect(metricsAuthorized(null, undefined)).toBe("disabled");
    expect(metricsAuthorized(null, "s3cret")).toBe("denied");
    expect(metricsAuthorized("Bearer nope", "s3cret")).toBe("denied");
    expect(metricsAuthorized("Basic s3cret", "s3cret")).toBe("denied");
    expect(metricsAuthorized("Bearer s3cret", "s3cret")).toBe("ok");
  });
});
