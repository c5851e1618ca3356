import { describe, expect, it } from "vitest";
import { IpvsParseError } from "./errors";
import { isTemplate, parseConns } from "./parse-conns";
import { fx } from "./testing/fixtures";

describe("parseConns on real -Lnc output", () => {
  it("reads every entry of conns.txt", () => {
    const { connections } = parseConns(fx("conns.txt"));
    expect(connections).toHaveLength(fx("conns.txt").trim().split("\n").length - 2);
    expect(connections.every((c) => c.pe === null)).toBe(true);
    const c = connections.find((x) => x.virtual.port === 8080);
    expect(c).toMatchObject({ protocol: "tcp", state: "TIME_WAIT", source: { address: "10.77.0.50" }, virtual: { address: "10.77.0.101", port: 8080 }, destination: { address: "10.77.0.12", port: 80 } });
  });
  it("reads mm:ss as seconds", () => {
    const first = fx("conns.txt").split("\n")[2] as string;
    const [mm, ss] = (first.split(/\s+/)[1] as string).split(":").map(Number);
    expect(parseConns(fx("conns.txt")).connections[0]?.expire).toBe((mm as number) * 60 + (ss as number));
    const t = "IPVS connection entries\npro expire state       source             virtual            destination\nTCP 44640:00 NONE 1.1.1.1:0 2.2.2.2:80 3.3.3.3:80\n";
    expect(parseConns(t).connections[0]?.expire).toBe(2678400);
  });
  it("finds persistence templates (source port 0) and UDP entries", () => {
    const { connections } = parseConns(fx("conns.txt"));
    const templates = connections.filter(isTemplate);
    expect(templates.length).toBeGreaterThan(0);
    expect(templates.every((t) => t.virtual.address === "10.77.0.103" || t.virtual.port === 5070)).toBe(true);
    expect(connections.some((c) => c.protocol === "udp" && c.state === "UDP")).toBe(true);
  });
  it("reads --persistent-conn with the sip persistence engine data", () => {
    const { connections } = parseConns(fx("conns-persistent.txt"));
    const sip = connections.find((c) => c.pe === "sip");
    expect(sip).toMatchObject({ protocol: "udp", state: "NONE", source: { address: "10.77.0.0", port: 0 }, virtual: { port: 5070 }, peData: "fixture-call-1@10.77.0.50" });
    expect(connections.filter((c) => c.pe !== null)).toHaveLength(1);
  });
  it("reads connections that outlive a cleared table", () => {
    expect(parseConns(fx("conns-after-clear.txt")).connections.length).toBeGreaterThan(0);
  });
  it("reads IPv6 endpoints", () => {
    const t = "IPVS connection entries\npro expire state       source             virtual            destination\nTCP 00:10  ESTABLISHED [2001:DB8::50]:40000 [2001:db8::100]:443 [2001:db8::11]:443\n";
    expect(parseConns(t).connections[0]).toMatchObject({ source: { address: "2001:db8::50", port: 40000 }, expire: 10, state: "ESTABLISHED" });
  });
  it("an empty connection table", () => {
    expect(parseConns("IPVS connection entries\npro expire state       source             virtual            destination\n")).toEqual({ connections: [] });
  });
});

describe("parseConns errors name the line", () => {
  const H = "IPVS connection entries\npro expire state       source             virtual            destination\n";
  const cases: Array<[string, string, number, RegExp]> = [
    ["empty", "", 1, /headers are missing/],
    ["not -Lnc", "IP Virtual Server version 1.2.1\n", 1, /expected "IPVS connection entries"/],
    ["bad header", "IPVS connection entries\npro state\n", 2, /column header/],
    ["columns", H + "TCP 00:10 NONE 1.1.1.1:0 2.2.2.2:80\n", 3, /expected 6 columns, got 5/],
    ["protocol", H + "tcp 00:10 NONE 1.1.1.1:0 2.2.2.2:80 3.3.3.3:80\n", 3, /unknown protocol "tcp"/],
    ["expire", H + "TCP 0:70 NONE 1.1.1.1:0 2.2.2.2:80 3.3.3.3:80\n", 3, /expire "0:70" is not mm:ss/],
    ["state", H + "TCP 00:10 none 1.1.1.1:0 2.2.2.2:80 3.3.3.3:80\n", 3, /unknown state "none"/],
    ["source", H + "TCP 00:10 NONE 1.1.1.1 2.2.2.2:80 3.3.3.3:80\n", 3, /source "1.1.1.1" is not ADDR:PORT/],
    ["virtual", H + "TCP 00:10 NONE 1.1.1.1:0 2.2.2.256:80 3.3.3.3:80\n", 3, /virtual address "2.2.2.256"/],
    ["destination", H + "TCP 00:10 NONE 1.1.1.1:0 2.2.2.2:80 [3::x]:80\n", 3, /destination address "3::x"/],
  ];
  it.each(cases)("%s", (_n, text, line, reason) => {
    let err: unknown;
    try { parseConns(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(IpvsParseError);
    expect((err as IpvsParseError).line).toBe(line);
    expect((err as IpvsParseError).reason).toMatch(reason);
  });
});
