import { describe, expect, it } from "vitest";
import { applySteps, KernelError } from "./kernel-model";
import { diffTables, tablesEqual } from "./diff";
import { mergeThresholds } from "./merge";
import { serviceKey, type Destination, type Service, type Table } from "./model";
import { parseList } from "./parse-list";
import { parseSave } from "./parse-save";
import { plan, planReport } from "./plan";
import { stepCommand } from "./render";
import { mutateTable, randomTable } from "./testing/generate";
import { fx } from "./testing/fixtures";

const dest = (address: string, over: Partial<Destination> = {}): Destination => ({
  address, port: 80, forward: "route", weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: null, tunnelPort: null, tunnelCsum: null, ...over,
});
const svc = (address: string, over: Partial<Service> = {}): Service => ({
  protocol: "tcp", family: "inet", address, port: 80, fwmark: null, scheduler: "wlc", persistent: null, netmask: null, ops: false, pe: null, flags: [], destinations: [], ...over,
});
const T = (...services: Service[]): Table => ({ services });
const cmds = (desired: Table, actual: Table, opts = {}) => plan(desired, actual, opts).map(stepCommand);

const fixtureTable = mergeThresholds(parseSave(fx("save.txt")), parseList(fx("thresholds.txt")));

describe("plan: basic reconciliation", () => {
  it("in sync → no steps", () => {
    const t = T(svc("10.0.0.1", { destinations: [dest("10.0.1.1")] }));
    expect(plan(t, structuredClone(t))).toEqual([]);
  });
  it("adds a missing service, then its real servers", () => {
    expect(cmds(T(svc("10.0.0.1", { scheduler: "rr", destinations: [dest("10.0.1.2"), dest("10.0.1.1", { weight: 5 })] })), T())).toEqual([
      "ipvsadm -A -t 10.0.0.1:80 -s rr",
      "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 5",
      "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1",
    ]);
  });
  it("an edit restates every option of the service (-E does not merge)", () => {
    const actual = T(svc("10.0.0.1", { scheduler: "sh", flags: ["sh-port"], persistent: 300, netmask: "255.255.255.0", pe: "sip" }));
    const desired = T(svc("10.0.0.1", { scheduler: "sh", flags: ["sh-port"], persistent: 600, netmask: "255.255.255.0", pe: "sip" }));
    const steps = plan(desired, actual);
    expect(steps.map(stepCommand)).toEqual(["ipvsadm -E -t 10.0.0.1:80 -s sh -p 600 -M 255.255.255.0 --pe sip -b sh-port"]);
    expect(steps[0]).toMatchObject({ op: "edit-service", fields: ["persistent"] });
  });
  it("dropping flags / persistence is an edit that simply omits them", () => {
    const actual = T(svc("10.0.0.1", { scheduler: "sh", flags: ["sh-port"], persistent: 300, netmask: "255.255.255.255" }));
    expect(cmds(T(svc("10.0.0.1", { scheduler: "sh" })), actual)).toEqual(["ipvsadm -E -t 10.0.0.1:80 -s sh"]);
  });
  it("a real-server edit restates it whole (-e)", () => {
    const actual = T(svc("10.0.0.1", { destinations: [dest("10.0.1.1", { forward: "masq", port: 8080, weight: 3, upperThreshold: 100, lowerThreshold: 10 })] }));
    const desired = T(svc("10.0.0.1", { destinations: [dest("10.0.1.1", { forward: "masq", port: 8080, weight: 4, upperThreshold: 100, lowerThreshold: 10 })] }));
    const steps = plan(desired, actual);
    expect(steps.map(stepCommand)).toEqual(["ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 4 -x 100 -y 10"]);
    expect(steps[0]).toMatchObject({ op: "edit-destination", fields: ["weight"], drain: false });
  });
  it("adds, edits and removes real servers, in that order", () => {
    const actual = T(svc("10.0.0.1", { destinations: [dest("10.0.1.1"), dest("10.0.1.2")] }));
    const desired = T(svc("10.0.0.1", { destinations: [dest("10.0.1.2", { weight: 9 }), dest("10.0.1.3")] }));
    expect(cmds(desired, actual)).toEqual([
      "ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 9",
      "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.3:80 -g -w 1",
      "ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.1:80",
    ]);
  });
  it("orders groups: new services, service edits, real servers, removals, service removals", () => {
    const actual = T(svc("10.0.0.2", { destinations: [dest("10.0.1.1")] }), svc("10.0.0.3"), svc("10.0.0.9"));
    const desired = T(svc("10.0.0.1"), svc("10.0.0.2", { scheduler: "rr", destinations: [dest("10.0.1.2")] }), svc("10.0.0.3", { destinations: [dest("10.0.1.5")] }));
    const steps = plan(desired, actual, { owned: ["TCP 10.0.0.1:80", "TCP 10.0.0.2:80", "TCP 10.0.0.3:80", "TCP 10.0.0.9:80"] });
    expect(steps.map((s) => s.op)).toEqual(["add-service", "edit-service", "add-destination", "add-destination", "delete-destination", "delete-service"]);
  });
  it("the DR port rule: desired :8080 under -g is the service port, so no drift", () => {
    const actual = T(svc("10.0.0.1", { destinations: [dest("10.0.1.1")] }));
    expect(plan(T(svc("10.0.0.1", { destinations: [dest("10.0.1.1", { port: 8080 })] })), actual)).toEqual([]);
  });
  it("local compares equal to route (kernel 6.1 lists director-local real servers as Route)", () => {
    const actual = T(svc("10.0.0.1", { destinations: [dest("10.0.0.2")] }));
    expect(plan(T(svc("10.0.0.1", { destinations: [dest("10.0.0.2", { forward: "local" })] })), actual)).toEqual([]);
  });
});

describe("plan: ownership", () => {
  const manual = svc("10.9.9.9", { destinations: [dest("10.9.9.10")] });
  it("leaves unowned services alone by default", () => {
    expect(plan(T(svc("10.0.0.1")), T(svc("10.0.0.1"), manual))).toEqual([]);
  });
  it("prune removes them", () => {
    expect(cmds(T(), T(manual), { prune: true })).toEqual(["ipvsadm -D -t 10.9.9.9:80"]);
  });
  it("removes owned services that are no longer desired", () => {
    expect(cmds(T(), T(manual), { owned: ["TCP 10.9.9.9:80"] })).toEqual(["ipvsadm -D -t 10.9.9.9:80"]);
  });
  it("a desired key that exists but is not owned is a conflict, left alone", () => {
    const r = planReport(T(svc("10.9.9.9", { scheduler: "rr" })), T(manual), { owned: [] });
    expect(r.steps).toEqual([]);
    expect(r.conflicts).toEqual([{ key: "TCP 10.9.9.9:80", reason: expect.stringMatching(/not created by the panel: adopt/) }]);
  });
  it("no conflict when the unowned service already matches", () => {
    expect(planReport(T(structuredClone(manual)), T(manual), { owned: [] }).conflicts).toEqual([]);
  });
  it("adopt takes it over and makes it match", () => {
    expect(cmds(T(svc("10.9.9.9", { scheduler: "rr" })), T(manual), { owned: [], adopt: true })).toEqual([
      "ipvsadm -E -t 10.9.9.9:80 -s rr",
      "ipvsadm -d -t 10.9.9.9:80 -r 10.9.9.10:80",
    ]);
  });
});

describe("plan: disruptive identity changes", () => {
  it("a port change is add + delete, both flagged disruptive", () => {
    const actual = T(svc("10.0.0.1", { destinations: [dest("10.0.1.1")] }));
    const desired = T(svc("10.0.0.1", { port: 8080, destinations: [dest("10.0.1.1", { port: 8080 })] }));
    const steps = plan(desired, actual, { renames: { "TCP 10.0.0.1:8080": "TCP 10.0.0.1:80" } });
    expect(steps.map(stepCommand)).toEqual([
      "ipvsadm -A -t 10.0.0.1:8080 -s wlc",
      "ipvsadm -a -t 10.0.0.1:8080 -r 10.0.1.1:8080 -g -w 1",
      "ipvsadm -D -t 10.0.0.1:80",
    ]);
    expect(steps.every((s) => s.disruptive)).toBe(true);
    expect(steps[0]?.reason).toMatch(/replaces TCP 10.0.0.1:80 .*cannot be edited in place/);
  });
  it("a protocol change to fwmark, with a Map of renames, also works when the old service is not owned", () => {
    const actual = T(svc("10.0.0.1"));
    const desired = T(svc("", { protocol: "fwmark", address: null, port: null, fwmark: 5 }));
    const steps = plan(desired, actual, { owned: [], renames: new Map([["FWM 5", "TCP 10.0.0.1:80"]]) });
    expect(steps.map(stepCommand)).toEqual(["ipvsadm -A -f 5 -s wlc", "ipvsadm -D -t 10.0.0.1:80"]);
    expect(steps.map((s) => s.disruptive)).toEqual([true, true]);
  });
  it("without renames, a new key and a removed owned key are not flagged", () => {
    const steps = plan(T(svc("10.0.0.1", { port: 81 })), T(svc("10.0.0.1")), { owned: ["TCP 10.0.0.1:80"] });
    expect(steps.map((s) => s.disruptive)).toEqual([false, false]);
  });
});

describe("plan: graceful removal", () => {
  const actual = T(svc("10.0.0.1", { destinations: [dest("10.0.1.1", { weight: 5 }), dest("10.0.1.2")] }));
  const desired = T(svc("10.0.0.1", { destinations: [dest("10.0.1.2")] }));
  it("first sets weight 0 (restating the real server)", () => {
    const r = planReport(desired, actual, { graceful: true });
    expect(r.steps.map(stepCommand)).toEqual(["ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 0"]);
    expect(r.steps[0]).toMatchObject({ op: "edit-destination", drain: true });
    expect(r.draining).toEqual([{ service: "TCP 10.0.0.1:80", destination: "10.0.1.1:80", activeConns: null }]);
  });
  const drained = T(svc("10.0.0.1", { destinations: [dest("10.0.1.1", { weight: 0 }), dest("10.0.1.2")] }));
  it("waits while active connections remain (or are unknown)", () => {
    expect(planReport(desired, drained, { graceful: true }).draining).toEqual([{ service: "TCP 10.0.0.1:80", destination: "10.0.1.1:80", activeConns: null }]);
    const r = planReport(desired, drained, { graceful: true, connections: new Map([["TCP 10.0.0.1:80 -> 10.0.1.1:80", 3]]) });
    expect(r.steps).toEqual([]);
    expect(r.draining[0]?.activeConns).toBe(3);
  });
  it("deletes once active connections are 0", () => {
    expect(cmds(desired, drained, { graceful: true, connections: new Map([["TCP 10.0.0.1:80 -> 10.0.1.1:80", 0]]) })).toEqual(["ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.1:80"]);
  });
  it("takes the connection counts from an -Ln listing", () => {
    const listing = parseList("Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.0.0.1:80 wlc\n  -> 10.0.1.1:80                Route   0      0          7\n  -> 10.0.1.2:80                Route   1      4          0\n");
    expect(cmds(desired, drained, { graceful: true, connections: listing })).toEqual(["ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.1:80"]);
  });
  it("a service is drained real server by real server, then deleted", () => {
    const owned = { owned: ["TCP 10.0.0.1:80"], graceful: true };
    expect(cmds(T(), actual, owned)).toEqual(["ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 0", "ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 0"]);
    const zero = T(svc("10.0.0.1", { destinations: [dest("10.0.1.1", { weight: 0 }), dest("10.0.1.2", { weight: 0 })] }));
    expect(cmds(T(), zero, owned)).toEqual([]);
    expect(cmds(T(), zero, { ...owned, connections: new Map([["TCP 10.0.0.1:80 -> 10.0.1.1:80", 0], ["TCP 10.0.0.1:80 -> 10.0.1.2:80", 1]]) })).toEqual([]);
    expect(cmds(T(), zero, { ...owned, connections: new Map([["TCP 10.0.0.1:80 -> 10.0.1.1:80", 0], ["TCP 10.0.0.1:80 -> 10.0.1.2:80", 0]]) })).toEqual(["ipvsadm -D -t 10.0.0.1:80"]);
    expect(cmds(T(), T(svc("10.0.0.1")), owned)).toEqual(["ipvsadm -D -t 10.0.0.1:80"]);
  });
  it("immediate removal is the default", () => {
    expect(cmds(desired, actual)).toEqual(["ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.1:80"]);
  });
});

describe("plan: properties over generated tables", () => {
  const seeds = Array.from({ length: 60 }, (_, i) => i + 1);
  it.each(seeds)("idempotence: plan(x, x) = [] (seed %i)", (seed) => {
    const t = randomTable(seed, 40);
    expect(t.services.length).toBeGreaterThan(20);
    expect(plan(t, structuredClone(t))).toEqual([]);
    expect(plan(t, structuredClone(t), { prune: true, graceful: true })).toEqual([]);
  });
  it.each(seeds)("convergence: applying plan(desired, actual) then planning again gives [] (seed %i)", (seed) => {
    const actual = randomTable(seed, 30);
    const desired = mutateTable(seed * 7, actual, 0.5);
    const owned = [...actual.services, ...desired.services].map(serviceKey);
    const steps = plan(desired, actual, { owned });
    expect(steps.length).toBeGreaterThan(0);
    const after = applySteps(actual, steps);
    expect(diffTables(desired, after)).toEqual({ missing: [], unexpected: [], different: [] });
    expect(plan(desired, after, { owned })).toEqual([]);
  });
  it.each(seeds.slice(0, 20))("graceful convergence: drain, then delete once connections are 0 (seed %i)", (seed) => {
    const actual = randomTable(seed, 20);
    const desired = mutateTable(seed * 11, actual, 0.6);
    const owned = [...actual.services, ...desired.services].map(serviceKey);
    let t = applySteps(actual, plan(desired, actual, { owned, graceful: true }));
    const zero = new Map<string, number>();
    for (const s of t.services) for (const d of s.destinations) zero.set(`${serviceKey(s)} -> ${d.address.includes(":") ? `[${d.address}]` : d.address}:${d.port}`, 0);
    t = applySteps(t, plan(desired, t, { owned, graceful: true, connections: zero }));
    expect(tablesEqual(desired, t)).toBe(true);
  });
});

describe("plan: the kernel's order means nothing", () => {
  const big = (n: number) => Array.from({ length: n }, (_, i) => dest(`10.0.${i >> 8}.${i & 255}`, { weight: i }));
  it.each([3, 40])("real servers listed in another order (%i of them) → no steps; a change is still found", (n) => {
    const d = T(svc("10.0.0.1", { destinations: big(n) }));
    const a = T(svc("10.0.0.1", { destinations: big(n).reverse() }));
    expect(plan(d, a)).toEqual([]);
    (a.services[0]?.destinations[1] as Destination).weight = 12345;
    expect(cmds(d, a)).toEqual([`ipvsadm -e -t 10.0.0.1:80 -r 10.0.0.${n - 2}:80 -g -w ${n - 2}`]);
    a.services[0]?.destinations.splice(0, 1, dest("10.9.9.9"));
    expect(cmds(d, a)).toContain("ipvsadm -d -t 10.0.0.1:80 -r 10.9.9.9:80");
  });
});

describe("plan on the real tables", () => {
  it("plan(real, real) = []", () => expect(plan(fixtureTable, structuredClone(fixtureTable))).toEqual([]));
  it("the planned edits are the commands that ran on the real kernel (fixtures/edit-commands.txt)", () => {
    const desired = JSON.parse(fx("edit-desired.json")) as Table;
    const owned = fixtureTable.services.map(serviceKey);
    expect(plan(desired, fixtureTable, { owned }).map(stepCommand).join("\n") + "\n").toBe(fx("edit-commands.txt"));
  });
  it("after they ran, the kernel's table is the desired one, and re-planning gives nothing", () => {
    const desired = JSON.parse(fx("edit-desired.json")) as Table;
    const after = mergeThresholds(parseSave(fx("edit-after-save.txt")), parseList(fx("edit-after-thresholds.txt")));
    expect(diffTables(desired, after)).toEqual({ missing: [], unexpected: [], different: [] });
    expect(plan(desired, after)).toEqual([]);
    // and the in-memory kernel agrees with the real one
    const simulated = applySteps(fixtureTable, plan(desired, fixtureTable, { owned: fixtureTable.services.map(serviceKey) }));
    expect(tablesEqual(after, simulated)).toBe(true);
  });
});

describe("applySteps fails like the kernel", () => {
  const t = T(svc("10.0.0.1", { destinations: [dest("10.0.1.1")] }));
  const s = { service: svc("10.0.0.1"), reason: "", disruptive: false };
  const cases: Array<[string, Parameters<typeof applySteps>[1][number], string]> = [
    ["add existing service", { ...s, op: "add-service" }, "Service already exists"],
    ["edit missing service", { ...s, service: svc("10.0.0.2"), op: "edit-service", fields: [] }, "No such service"],
    ["delete missing service", { ...s, service: svc("10.0.0.2"), op: "delete-service" }, "No such service"],
    ["dest of missing service", { ...s, service: svc("10.0.0.2"), op: "add-destination", destination: dest("1.1.1.1") }, "Service not defined"],
    ["add existing dest", { ...s, op: "add-destination", destination: dest("10.0.1.1") }, "Destination already exists"],
    ["edit missing dest", { ...s, op: "edit-destination", destination: dest("10.0.1.9"), fields: [], drain: false }, "No such destination"],
    ["delete missing dest", { ...s, op: "delete-destination", destination: dest("10.0.1.9") }, "No such destination"],
    ["lower > upper", { ...s, op: "add-destination", destination: dest("10.0.1.5", { lowerThreshold: 5 }) }, "Numerical result out of range"],
    ["lower > upper on edit", { ...s, op: "edit-destination", destination: dest("10.0.1.1", { lowerThreshold: 5 }), fields: [], drain: false }, "Numerical result out of range"],
  ];
  it.each(cases)("%s", (_n, step, msg) => {
    expect(() => applySteps(t, [step])).toThrow(KernelError);
    expect(() => applySteps(t, [step])).toThrow(msg);
  });
  it("does not modify its input", () => {
    const copy = structuredClone(t);
    applySteps(t, [{ ...s, op: "delete-destination", destination: dest("10.0.1.1") }]);
    expect(t).toEqual(copy);
  });
});
