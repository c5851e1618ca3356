import { describe, expect, it } from "vitest";
import { parseSave } from "@/lib/ipvs/parse-save";
import { effectiveCheck, parseExpectStatus, judgeHttp } from "./config";
import { acceptedRealServer, acceptedSorryServer, healthCore } from "./reconcile";
import { healthSteps, type HealthDesired, type HealthService } from "@/lib/ipvs/health-plan";
import { judgeLine, parseRound } from "./script";
import { isNews, nextStreak, type Streak } from "./state";
import { healthDesired, healthManagedPrefixes } from "./runner";
import { desiredCore, desiredTable } from "@/lib/desired/desired";
import { destKey, serviceKey } from "@/lib/ipvs/model";

const svcRow = { enabled: true, kind: "http" as const, port: null, path: "/health", hostHeader: null, expectStatus: "200-399", bodyContains: null, intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3, runFrom: "director" as const, onFail: "quiesce" as const, quorum: 1 };
const spec = effectiveCheck(svcRow, { id: "rs1", address: "10.78.0.11", port: 80 })!;

describe("rise/fall", () => {
  const run = (start: Streak, results: boolean[], rise = 2, fall = 3) => {
    let s = start;
    const changes: string[] = [];
    for (const ok of results) {
      const o = nextStreak(s, ok, rise, fall);
      if (o.changed) changes.push(`${o.changed.from}->${o.changed.to}`);
      s = o.next;
    }
    return { s, changes };
  };
  it("goes down only after `fall` consecutive failures", () => {
    expect(run({ status: "up", successes: 5, failures: 0 }, [false, false, true, false, false]).s.status).toBe("up");
    expect(run({ status: "up", successes: 5, failures: 0 }, [false, false, false]).changes).toEqual(["up->down"]);
  });
  it("comes back only after `rise` consecutive successes", () => {
    expect(run({ status: "down", successes: 0, failures: 9 }, [true, false, true]).s.status).toBe("down");
    expect(run({ status: "down", successes: 0, failures: 9 }, [true, true]).changes).toEqual(["down->up"]);
  });
  it("unknown becomes up at the first success (not news) and down after fall failures (news)", () => {
    const a = nextStreak({ status: "unknown", successes: 0, failures: 0 }, true, 2, 3);
    expect(a.next.status).toBe("up");
    expect(isNews(a.changed)).toBe(false);
    expect(run({ status: "unknown", successes: 0, failures: 0 }, [false, false, false]).changes).toEqual(["unknown->down"]);
    expect(isNews({ from: "unknown", to: "down" })).toBe(true);
  });
});

describe("check config and judging", () => {
  it("parses expected status lists", () => {
    expect(parseExpectStatus("200-399")).toEqual([[200, 399]]);
    expect(parseExpectStatus("200, 301-302")).toEqual([[200, 200], [301, 302]]);
    expect(parseExpectStatus("2xx")).toBeNull();
    expect(parseExpectStatus("399-200")).toBeNull();
  });
  it("overrides take precedence over the service's check; disabled gives null", () => {
    const o = effectiveCheck(svcRow, { id: "x", address: "10.0.0.1", port: 80 }, { kind: "tcp", port: 8080, fall: 1 })!;
    expect([o.kind, o.port, o.fall, o.rise, o.path]).toEqual(["tcp", 8080, 1, 2, "/health"]);
    expect(effectiveCheck(svcRow, { id: "x", address: "10.0.0.1", port: 80 }, { enabled: false })).toBeNull();
  });
  it("refuses values that must not reach a shell", () => {
    expect(() => effectiveCheck({ ...svcRow, path: "/a b;rm" }, { id: "x", address: "10.0.0.1", port: 80 })).toThrow();
    expect(() => effectiveCheck(svcRow, { id: "x", address: "10.0.0.1;id", port: 80 })).toThrow();
    expect(() => effectiveCheck({ ...svcRow, hostHeader: "a'b" }, { id: "x", address: "10.0.0.1", port: 80 })).toThrow();
  });
  it("judges HTTP answers: status ranges and body substring", () => {
    expect(judgeHttp(spec, "HTTP/1.1 200 OK\r\n\r\nok").ok).toBe(true);
    expect(judgeHttp(spec, "HTTP/1.1 503 Busy\r\n\r\n")).toEqual({ ok: false, message: "HTTP 503 (expected 200-399)" });
    expect(judgeHttp({ ...spec, bodyContains: "ok" }, "HTTP/1.0 200 OK\r\nX: ok-in-header\r\n\r\nnope").ok).toBe(false);
    expect(judgeHttp(spec, "").ok).toBe(false);
  });
  it("never counts a missing line as a pass; timeouts and refusals are failures", () => {
    const r = parseRound("\n@@n checks\nr rs9 0 3 b \n\n@@n-rc 0\n\n@@n end\n", "n", [spec]);
    // no line at all: the probe never ran (a checker fault, never a pass nor a verdict on the server)
    expect(r.results).toEqual([{ id: "rs1", ok: false, latencyMs: null, message: "checker fault: the check did not run on the director", fault: "the check did not run on the director" }]);
    expect(judgeLine(spec, 143, 500, "").message).toMatch(/timeout/);
    expect(judgeLine({ ...spec, kind: "tcp" }, 1, 2, "").ok).toBe(false);
    // a program that is there but cannot be executed (126, from timeout or the shell): a checker fault
    expect(judgeLine({ ...spec, kind: "https" }, 126, 3, "").fault).toBe("a program the check needs cannot be run on the director (exit 126)");
    const ok = Buffer.from("HTTP/1.1 200 OK\r\n\r\nok").toString("base64");
    expect(parseRound(`\n@@n checks\nr rs1 0 7 b ${ok}\n\n@@n-rc 0\n\n@@n end\n`, "n", [spec]).results[0]).toEqual({ id: "rs1", ok: true, latencyMs: 7, message: "HTTP 200" });
  });
});

describe("health core", () => {
  const vs = { protocol: "tcp", address: "10.78.0.100", port: 80, fwmark: null, family: "inet", scheduler: "rr", schedulerFlags: [], persistenceTimeout: null, persistenceNetmask: null, onePacket: false, persistenceEngine: null, sorryAddress: "10.78.0.9", sorryPort: 80, realServers: [] };
  const rs = (a: string, weight = 3) => ({ address: a, port: 80, weight, forwardingMethod: "route" as const, state: "active" });
  const svc = (s1: "up" | "down" | "unknown", s2: "up" | "down" | "unknown", extra: Partial<HealthService> = {}): HealthDesired => ({
    services: [{
      id: "vs", sid: { protocol: "tcp", family: "inet", address: "10.78.0.100", port: 80, fwmark: null }, onFail: "quiesce", quorum: 1,
      realServers: [
        { id: "a", realServer: acceptedRealServer(vs, rs("10.78.0.11"))!, status: s1 },
        { id: "b", realServer: acceptedRealServer(vs, rs("10.78.0.12"))!, status: s2 },
      ],
      sorry: acceptedSorryServer(vs), ...extra,
    }],
  });
  const table = (w1: number, w2: number, sorry = false) => ({
    save: ["-A -t 10.78.0.100:80 -s rr", `-a -t 10.78.0.100:80 -r 10.78.0.11:80 -g -w ${w1}`, `-a -t 10.78.0.100:80 -r 10.78.0.12:80 -g -w ${w2}`, ...(sorry ? ["-a -t 10.78.0.100:80 -r 10.78.0.9:80 -g -w 1"] : [])].join("\n") + "\n",
    thresholds: "",
  });
  const plan = (d: HealthDesired, t: { save: string; thresholds: string }) => healthCore.plan(d, t).map((s) => s.text);

  it("quiesces a down server, restores it when up, and leaves a converged table alone", () => {
    expect(plan(svc("down", "up"), table(3, 3))).toEqual(["ipvsadm -e -t 10.78.0.100:80 -r 10.78.0.11:80 -g -w 0"]);
    expect(plan(svc("down", "up"), table(0, 3))).toEqual([]);
    expect(plan(svc("up", "up"), table(0, 3))).toEqual(["ipvsadm -e -t 10.78.0.100:80 -r 10.78.0.11:80 -g -w 3"]);
    expect(plan(svc("unknown", "up"), table(0, 3))).toEqual([]);
  });
  it("keeps thresholds when editing the weight (-e restates everything)", () => {
    const t = { save: table(3, 3).save, thresholds: "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n  -> RemoteAddress:Port\nTCP  10.78.0.100:80 rr\n  -> 10.78.0.11:80                100        10         0          0\n  -> 10.78.0.12:80                0          0          0          0\n" };
    expect(plan(svc("down", "up"), t)).toEqual(["ipvsadm -e -t 10.78.0.100:80 -r 10.78.0.11:80 -g -w 0 -x 100 -y 10"]);
  });
  it("the two reads disagree (a real server added between them): plans on -S alone", () => {
    const t = { save: table(3, 3).save, thresholds: "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n  -> RemoteAddress:Port\nTCP  10.78.0.100:80 rr\n  -> 10.78.0.11:80                100        10         0          0\n" };
    expect(plan(svc("down", "up"), t)).toEqual(["ipvsadm -e -t 10.78.0.100:80 -r 10.78.0.11:80 -g -w 0"]);
  });
  it("sorry server in (first) when all are down, out (last) when one is back", () => {
    expect(plan(svc("down", "down"), table(3, 3))).toEqual([
      "ipvsadm -a -t 10.78.0.100:80 -r 10.78.0.9:80 -g -w 1",
      "ipvsadm -e -t 10.78.0.100:80 -r 10.78.0.11:80 -g -w 0",
      "ipvsadm -e -t 10.78.0.100:80 -r 10.78.0.12:80 -g -w 0",
    ]);
    expect(plan(svc("up", "down"), table(0, 0, true))).toEqual([
      "ipvsadm -e -t 10.78.0.100:80 -r 10.78.0.11:80 -g -w 3",
      "ipvsadm -d -t 10.78.0.100:80 -r 10.78.0.9:80",
    ]);
  });
  it("quorum 2: one healthy server is not enough, the sorry server serves alone", () => {
    const d = svc("up", "down");
    d.services[0]!.quorum = 2;
    expect(plan(d, table(3, 0))).toEqual(["ipvsadm -a -t 10.78.0.100:80 -r 10.78.0.9:80 -g -w 1", "ipvsadm -e -t 10.78.0.100:80 -r 10.78.0.11:80 -g -w 0"]);
  });
  it("remove mode deletes and re-adds; a service absent from the kernel is not created", () => {
    expect(plan(svc("down", "up", { onFail: "remove" }), table(3, 3))).toEqual(["ipvsadm -d -t 10.78.0.100:80 -r 10.78.0.11:80"]);
    const only2 = { save: "-A -t 10.78.0.100:80 -s rr\n-a -t 10.78.0.100:80 -r 10.78.0.12:80 -g -w 3\n", thresholds: "" };
    expect(plan(svc("up", "up", { onFail: "remove" }), only2)).toEqual(["ipvsadm -a -t 10.78.0.100:80 -r 10.78.0.11:80 -g -w 3"]);
    expect(plan(svc("down", "down"), { save: "", thresholds: "" })).toEqual([]);
  });
  it("each planned step carries its reason (the runner records these, it does not plan again)", () => {
    expect(healthCore.plan(svc("down", "down"), table(3, 3)).map((s) => s.reason)).toEqual([
      "no real server up: sorry server 10.78.0.9:80 in",
      "10.78.0.11:80 is down: weight 0",
      "10.78.0.12:80 is down: weight 0",
    ]);
  });
  it("verify lists what is left", () => {
    expect(healthCore.verify(svc("down", "up"), table(3, 3))).toHaveLength(1);
    expect(healthSteps(svc("down", "up"), parseSave(table(0, 3).save))).toEqual([]);
  });
});

describe("keys from rows (uncanonical addresses match the kernel's keys)", () => {
  // an IPv6 VIP and real server written long-form, a DR real server on another port than the service
  const vs = {
    id: "vs", protocol: "tcp", address: "2001:DB8:0:0:0:0:0:100", port: 80, fwmark: null, family: "inet6", scheduler: "rr", schedulerFlags: [], persistenceTimeout: null, persistenceNetmask: null, onePacket: false, persistenceEngine: null,
    sorryAddress: "2001:db8:0::9", sorryPort: 8080, healthCheck: { ...svcRow },
    realServers: [{ id: "a", address: "2001:0db8::0011", port: 8080, weight: 3, forwardingMethod: "route" as const, state: "active", upperThreshold: 0, lowerThreshold: 0, healthOverride: null, healthState: null }],
  };
  const cluster = { virtualServices: [vs] } as unknown as Parameters<typeof healthDesired>[0];
  const kernel = parseSave("-A -t [2001:db8::100]:80 -s rr\n-a -t [2001:db8::100]:80 -r [2001:db8::11]:80 -g -w 3\n");

  it("health's service and member keys are the kernel's, so a down server is quiesced", () => {
    const d = healthDesired(cluster, () => "down");
    expect(serviceKey(d.services[0]!.sid)).toBe(serviceKey(kernel.services[0]!));
    expect(destKey(d.services[0]!.realServers[0]!.realServer)).toBe(destKey(kernel.services[0]!.destinations[0]!));
    expect(healthSteps(d, kernel).map((s) => s.op)).toEqual(["add-destination", "edit-destination"]); // sorry in, member weight 0
  });
  it("the drift check's prefixes are the differences' keys", () => {
    const diffs = desiredCore.verify(desiredCore.validate({ table: desiredTable([vs]) }), { save: "-A -t [2001:db8::100]:80 -s rr\n-a -t [2001:db8::100]:80 -r [2001:db8::11]:80 -g -w 7\n", thresholds: "" });
    expect(diffs).toEqual(["service TCP [2001:db8::100]:80: real server [2001:db8::11]:80: weight differ"]);
    const prefixes = healthManagedPrefixes([vs]);
    expect(prefixes).toEqual(["service TCP [2001:db8::100]:80: real server [2001:db8::11]:80", "service TCP [2001:db8::100]:80: real server [2001:db8::9]:8080"]);
    expect(diffs.every((x) => prefixes.some((p) => x.startsWith(`${p}:`)))).toBe(true);
  });
});
