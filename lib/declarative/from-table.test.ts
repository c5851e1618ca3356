import { describe, expect, it } from "vitest";
import { parseSave } from "@/lib/ipvs/parse-save";
import { documentOfTable, validateDocument, withPanelSettings } from ".";

// `ipvsadm -S -n` as the lab's director prints it
const SAVE = `-A -t 10.0.0.100:80 -s rr
-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1
-a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 3
-A -u 10.0.0.100:53 -s wlc -p 60 -M 255.255.255.0
-a -u 10.0.0.100:53 -r 192.168.0.11:5353 -m -w 1
-A -f 7 -s sh -b sh-port
-a -f 7 -r 10.0.0.21:0 -g -w 1
`;

describe("documentOfTable", () => {
  it("the kernel's services as the document (forward per service, weights, persistence, fwmark)", () => {
    const { result, notes } = documentOfTable(parseSave(SAVE), { name: "lab" });
    expect(notes).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.document.services.map((s) => [s.protocol, s.address ?? s.fwmark, s.scheduler, s.forward, s.persistence, s.realServers.map((r) => `${r.address}:${r.port}/${r.weight}`)])).toEqual([
      ["tcp", "10.0.0.100", "rr", "route", null, ["10.0.0.11:80/1", "10.0.0.12:80/3"]],
      ["udp", "10.0.0.100", "wlc", "masq", { timeout: 60, netmask: "255.255.255.0" }, ["192.168.0.11:5353/1"]],
      ["fwmark", 7, "sh", "route", null, ["10.0.0.21:0/1"]],
    ]);
    expect(result.document.services[2]!.flags).toEqual(["sh-port"]);
  });
});

describe("withPanelSettings", () => {
  it("keeps the panel's check, sorry server and description of services the kernel has too; the kernel's real servers win", () => {
    const { result } = documentOfTable(parseSave(SAVE));
    const current = validateDocument({ version: 1, services: [
      { protocol: "tcp", address: "10.0.0.100", port: 80, description: "www", healthCheck: { kind: "http" }, sorryServer: { address: "10.0.0.9", port: 80 }, realServers: [{ address: "10.0.0.99" }] },
      { protocol: "tcp", address: "10.0.0.200", port: 80, description: "gone from the kernel" },
    ] });
    if (!result.ok || !current.ok) throw new Error("invalid");
    const merged = withPanelSettings(result.document, current.document);
    expect(merged.services.map((s) => [s.description, s.healthCheck?.kind ?? null, s.sorryServer?.address ?? null, s.realServers.map((r) => r.address)])).toEqual([
      ["www", "http", "10.0.0.9", ["10.0.0.11", "10.0.0.12"]],
      ["", null, null, ["192.168.0.11"]],
      ["", null, null, ["10.0.0.21"]],
    ]);
  });
  it("a service the kernel holds without real servers keeps the panel's forward; with real servers the kernel's wins", () => {
    const { result } = documentOfTable(parseSave("-A -t 10.0.0.100:80 -s rr\n-A -t 10.0.0.100:81 -s rr\n-a -t 10.0.0.100:81 -r 10.0.0.11:81 -g -w 1\n"));
    const current = validateDocument({ version: 1, services: [
      { protocol: "tcp", address: "10.0.0.100", port: 80, forward: "tunnel" }, { protocol: "tcp", address: "10.0.0.100", port: 81, forward: "masq" },
    ] });
    if (!result.ok || !current.ok) throw new Error("invalid");
    expect(withPanelSettings(result.document, current.document).services.map((s) => s.forward)).toEqual(["tunnel", "route"]);
  });
});
