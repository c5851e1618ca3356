// Checker faults: a round's results split into verdicts on real servers and faults of the checker.
// The fixtures are real outputs of checkScript's text run by dash (Debian's /bin/sh).
import { describe, expect, it } from "vitest";
import { effectiveCheck } from "./config";
import { classifyRound, unfinishedRound } from "./fault";
import { isLocalError, judgeError, parseRound } from "./script";

const row = { enabled: true, kind: "http" as const, port: null, path: "/health", hostHeader: null, expectStatus: "200-399", bodyContains: null, intervalMs: 1000, timeoutMs: 800, rise: 2, fall: 3, runFrom: "director" as const, onFail: "quiesce" as const, quorum: 1 };
const rs1 = effectiveCheck(row, { id: "rs1", address: "10.78.0.11", port: 80 })!;
const rs2 = effectiveCheck({ ...row, kind: "tcp" }, { id: "rs2", address: "10.78.0.12", port: 80 })!;
const specs = [rs1, rs2];
const due = [{ spec: rs1, vsId: "web" }, { spec: rs2, vsId: "web" }];

const section = (n: string, name: string, body: string, rc = 0) => `\n@@${n} ${name}\n${body}\n@@${n}-rc ${rc}\n`;
const round = (checks: string, fault = "", stderr = "") => `${section("f1x", "fault", fault)}${section("f1x", "stderr", stderr)}${section("f1x", "checks", checks)}\n@@f1x end\n`;

// `unshare -n dash` (a namespace without routes): connect() fails on the director itself
const UNREACHABLE = round("p rs1 124 0 x timeout\np rs2 124 0 x timeout\nr rs1 111 0 x Network is unreachable\nr rs2 111 0 x Network is unreachable\n");
// PATH without bash
const NO_BASH = round("", "bash not found on the director: director-side checks need it (its /dev/tcp); install bash, or run the checks from the panel\n");
// the servers answered: rs1 200, rs2 refused
const SERVERS = round("p rs1 124 0 x timeout\np rs2 124 0 x timeout\nr rs1 0 19 s 0 HTTP/1.0 200 OK\nr rs2 111 0 x Connection refused\n");
// the watchdog ended both probes (servers not answering): only the placeholders are left
const WATCHDOG = round("p rs1 124 0 x timeout\np rs2 124 0 x timeout\n");
// the code before this fix under dash: every probe died on `${EPOCHREALTIME/./}` ("Bad substitution") and printed nothing
const OLD_UNDER_DASH = "\n@@f1x checks\n\n@@f1x-rc 0\n\n@@f1x end\n";

describe("parseRound: faults vs verdicts", () => {
  it("a local errno is a fault for every check, not a failure of the server", () => {
    const r = parseRound(UNREACHABLE, "f1x", specs);
    expect(r.results.map((x) => x.local)).toEqual(["the director cannot connect: Network is unreachable", "the director cannot connect: Network is unreachable"]);
    expect(classifyRound(due, r.results)).toMatchObject({ usable: [], faults: [{ vsId: "web", reason: "the director cannot connect: Network is unreachable", checks: 2 }], working: [] });
  });
  it("bash missing: the round's fault is every check's fault, named", () => {
    const r = parseRound(NO_BASH, "f1x", specs);
    expect(r.fault).toMatch(/^bash not found on the director/);
    expect(r.results.every((x) => !x.ok && x.fault?.startsWith("bash not found"))).toBe(true);
    expect(classifyRound(due, r.results).faults).toHaveLength(1);
  });
  it("today's failure under dash (no line from any probe) is a checker fault, not a timeout of every server", () => {
    const r = parseRound(OLD_UNDER_DASH, "f1x", specs);
    expect(r.results.map((x) => x.fault)).toEqual(["the check did not run on the director", "the check did not run on the director"]);
    expect(classifyRound(due, r.results).faults).toEqual([{ vsId: "web", reason: "the check did not run on the director", checks: 2 }]);
  });
  it("servers that answer (or refuse) are verdicts", () => {
    const r = parseRound(SERVERS, "f1x", specs);
    expect(r.results).toEqual([
      { id: "rs1", ok: true, latencyMs: 19, message: "HTTP 200" },
      { id: "rs2", ok: false, latencyMs: null, message: "connection refused" },
    ]);
    expect(classifyRound(due, r.results)).toMatchObject({ faults: [], working: ["web"] });
  });
  it("every server refusing is still a verdict (the servers are down): no fault", () => {
    const all = round("r rs1 111 1 x Connection refused\nr rs2 111 0 x Connection refused\n");
    const c = classifyRound(due, parseRound(all, "f1x", specs).results);
    expect(c.faults).toEqual([]);
    expect(c.usable.map((x) => x.ok)).toEqual([false, false]);
  });
  it("probes the watchdog ended are timeouts (the servers did not answer), not faults", () => {
    const r = parseRound(WATCHDOG, "f1x", specs);
    expect(r.results).toEqual([
      { id: "rs1", ok: false, latencyMs: null, message: "timeout after 800 ms" },
      { id: "rs2", ok: false, latencyMs: null, message: "timeout after 800 ms" },
    ]);
    expect(classifyRound(due, r.results).faults).toEqual([]);
  });
});

describe("classifyRound", () => {
  it("a fault in one service leaves the other's verdicts; a partly faulty service is not in fault, its faults count for nothing", () => {
    const d = [...due, { spec: { id: "rs3" }, vsId: "mail" }, { spec: { id: "rs4" }, vsId: "mail" }];
    const c = classifyRound(d, [
      { id: "rs1", ok: false, latencyMs: null, message: "x", fault: "HTTPS checks need curl or wget on the director: neither was found" },
      { id: "rs2", ok: false, latencyMs: null, message: "x", fault: "the check did not run on the director" },
      { id: "rs3", ok: false, latencyMs: null, message: "y", local: "the director cannot connect: Network is unreachable" },
      { id: "rs4", ok: true, latencyMs: 3, message: "connected" },
    ]);
    expect(c.faults).toEqual([{ vsId: "web", reason: "HTTPS checks need curl or wget on the director: neither was found; the check did not run on the director", checks: 2 }]);
    expect(c.working).toEqual(["mail"]);
    // one server's local errno beside a working one: a failure of that server (a router's ICMP reads the same)
    expect(c.usable.map((x) => x.id)).toEqual(["rs3", "rs4"]);
    expect(c.faulty.map((x) => x.id)).toEqual(["rs1", "rs2"]);
  });
  it("an unfinished round script faults every check with its first stderr line", () => {
    const r = unfinishedRound(["rs1", "rs2"], "sh: 12: Syntax error: \"(\" unexpected\n", 2);
    expect(r[0]!.fault).toBe('the round script did not finish on the director (sh: 12: Syntax error: "(" unexpected)');
    expect(classifyRound(due, r).faults).toHaveLength(1);
  });
  it("local errno texts vs the server's", () => {
    for (const e of ["Network is unreachable", "Cannot assign requested address", "lvsp-hc: connect: Too many open files", "Permission denied"]) expect(isLocalError(e)).toBe(true);
    for (const e of ["Connection refused", "No route to host", "Connection timed out", "Connection reset by peer"]) expect(isLocalError(e)).toBe(false);
    expect(judgeError(rs2, 127, "HTTPS checks need curl or wget on the director: neither was found").fault).toMatch(/curl or wget/);
    expect(judgeError(rs2, 111, "No route to host")).toEqual({ id: "rs2", ok: false, latencyMs: null, message: "no route to host" });
  });
});
