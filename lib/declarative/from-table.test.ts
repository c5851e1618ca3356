import { describe, expect, it } from "vitest";
import { parseSave } from "@/lib/ipvs/parse-save";
import { documentOfTable } from ".";

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
