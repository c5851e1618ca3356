import { describe, expect, it } from "vitest";
import { mergeThresholds } from "./merge";
import type { Destination, Service } from "./model";
import { parseList } from "./parse-list";
import { parseSave } from "./parse-save";
import { plan } from "./plan";
import { renderRestore, serviceArgs, stepArgv, stepCommand } from "./render";
import type { Step } from "./steps";
import { fx } from "./testing/fixtures";

const d = (over: Partial<Destination> = {}): Destination => ({
  address: "10.0.1.1", port: 80, forward: "route", weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: null, tunnelPort: null, tunnelCsum: null, ...over,
});
const s = (over: Partial<Service> = {}): Service => ({
  protocol: "tcp", family: "inet", address: "10.0.0.1", port: 80, fwmark: null, scheduler: "wlc", persistent: null, netmask: null, ops: false, pe: null, flags: [], destinations: [], ...over,
});
const base = { reason: "", disruptive: false };

describe("stepArgv: exact argv, no quoting", () => {
  it("service selectors", () => {
    expect(serviceArgs(s())).toEqual(["-t", "10.0.0.1:80"]);
    expect(serviceArgs(s({ protocol: "udp", family: "inet6", address: "2001:db8::1", port: 53 }))).toEqual(["-u", "[2001:db8::1]:53"]);
    expect(serviceArgs(s({ protocol: "sctp" }))).toEqual(["--sctp-service", "10.0.0.1:80"]);
    expect(serviceArgs(s({ protocol: "fwmark", address: null, port: null, fwmark: 4294967295 }))).toEqual(["-f", "4294967295"]);
    expect(serviceArgs(s({ protocol: "fwmark", family: "inet6", address: null, port: null, fwmark: 3 }))).toEqual(["-f", "3", "-6"]);
  });
  it("add-service with every option", () => {
    const step: Step = { ...base, op: "add-service", service: s({ protocol: "udp", scheduler: "sh", persistent: 90, netmask: "255.255.255.0", pe: "sip", ops: true, flags: ["sh-fallback", "sh-port"] }) };
    expect(stepArgv(step)).toEqual(["ipvsadm", "-A", "-u", "10.0.0.1:80", "-s", "sh", "-p", "90", "-M", "255.255.255.0", "--pe", "sip", "-o", "-b", "sh-fallback,sh-port"]);
  });
  it("the full mask is the default and is not repeated", () => {
    expect(stepCommand({ ...base, op: "add-service", service: s({ persistent: 360, netmask: "255.255.255.255" }) })).toBe("ipvsadm -A -t 10.0.0.1:80 -s wlc -p 360");
    expect(stepCommand({ ...base, op: "edit-service", fields: [], service: s({ family: "inet6", address: "::1", persistent: 5, netmask: "128" }) })).toBe("ipvsadm -E -t [::1]:80 -s wlc -p 5");
    expect(stepCommand({ ...base, op: "edit-service", fields: [], service: s({ family: "inet6", address: "::1", persistent: 5, netmask: "64" }) })).toBe("ipvsadm -E -t [::1]:80 -s wlc -p 5 -M 64");
  });
  it("real servers: methods, thresholds, tunnels", () => {
    const sv = s();
    const a = (x: Destination) => stepArgv({ ...base, op: "add-destination", service: sv, destination: x }).slice(1).join(" ");
    expect(a(d())).toBe("-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1");
    expect(a(d({ forward: "local" }))).toBe("-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1");
    expect(a(d({ forward: "masq", port: 8080, weight: 2147483647, upperThreshold: 10, lowerThreshold: 5 }))).toBe("-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 2147483647 -x 10 -y 5");
    expect(a(d({ forward: "tunnel", tunnelType: "ipip" }))).toBe("-a -t 10.0.0.1:80 -r 10.0.1.1:80 -i -w 1");
    expect(a(d({ forward: "tunnel", tunnelType: "gue", tunnelPort: 6080, tunnelCsum: "remcsum" }))).toBe("-a -t 10.0.0.1:80 -r 10.0.1.1:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-remcsum");
    expect(a(d({ forward: "tunnel", tunnelType: "gre", tunnelCsum: "nocsum" }))).toBe("-a -t 10.0.0.1:80 -r 10.0.1.1:80 -i -w 1 --tun-type gre --tun-nocsum");
    expect(a(d({ address: "2001:db8::11" }))).toBe("-a -t 10.0.0.1:80 -r [2001:db8::11]:80 -g -w 1");
    expect(stepCommand({ ...base, op: "edit-destination", service: sv, destination: d({ weight: 0 }), fields: ["weight"], drain: true })).toBe("ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 0");
    expect(stepCommand({ ...base, op: "delete-destination", service: sv, destination: d() })).toBe("ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.1:80");
    expect(stepCommand({ ...base, op: "delete-service", service: sv })).toBe("ipvsadm -D -t 10.0.0.1:80");
  });
  it("refuses anything that is not plain ipvsadm vocabulary", () => {
    expect(() => stepArgv({ ...base, op: "delete-service", service: s({ address: "10.0.0.1;reboot" }) })).toThrow(/refusing to render unsafe/);
    expect(() => stepArgv({ ...base, op: "add-service", service: s({ scheduler: "rr $(id)" as "rr" }) })).toThrow(/unsafe/);
    expect(() => stepArgv({ ...base, op: "add-service", service: s({ scheduler: "-s" as "rr" }) })).not.toThrow();
  });
});

describe("renderRestore", () => {
  it("is the -R batch that rebuilt the real table (fixtures/roundtrip-restore.txt)", () => {
    const t = mergeThresholds(parseSave(fx("save.txt")), parseList(fx("thresholds.txt")));
    expect(renderRestore(plan(t, { services: [] }))).toBe(fx("roundtrip-restore.txt"));
  });
  it("the kernel's table after ipvsadm -R equals the original", () => {
    const t = mergeThresholds(parseSave(fx("save.txt")), parseList(fx("thresholds.txt")));
    const back = mergeThresholds(parseSave(fx("roundtrip-save.txt")), parseList(fx("roundtrip-thresholds.txt")));
    expect(plan(t, back)).toEqual([]);
    expect(plan(back, t)).toEqual([]);
  });
  it("nothing to do → empty text", () => expect(renderRestore([])).toBe(""));
});
