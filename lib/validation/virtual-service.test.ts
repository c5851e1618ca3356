import { describe, expect, it } from "vitest";
import { validateService } from "@/lib/ipvs/schema";
import { checkRealServerInService, fieldMessage, realServerSchema, virtualServiceSchema, virtualServiceUpdateSchema } from "@/lib/validation/virtual-service";

const errors = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  Object.fromEntries((r.error?.issues ?? []).map((i) => [i.path.join("."), i.message]));
const base = { clusterId: "c1", protocol: "tcp", address: "10.0.0.100", port: "80", scheduler: "rr" };
const rs = { virtualServiceId: "v1", address: "10.0.0.11", port: "80", weight: "1", forwardingMethod: "route" };

describe("console form schemas on lib/ipvs", () => {
  it("JSON numbers and digit strings give the same result", () => {
    const a = virtualServiceSchema.parse({ ...base, port: "80", persistenceTimeout: "300", sorryAddress: "10.0.0.9", sorryPort: "80" });
    const b = virtualServiceSchema.parse({ ...base, port: 80, persistenceTimeout: 300, sorryAddress: "10.0.0.9", sorryPort: 80 });
    expect(b).toEqual(a);
    expect(a).toMatchObject({ port: 80, persistenceTimeout: 300, sorryPort: 80, family: "inet" });
    expect(realServerSchema.parse({ ...rs, weight: 3, port: 80, upperThreshold: 10 })).toEqual(realServerSchema.parse({ ...rs, weight: "3", upperThreshold: "10" }));
  });

  it("refuses what lib/ipvs refuses, with its rule at the form's field", () => {
    expect(errors(virtualServiceSchema.safeParse({ ...base, port: "70000" }))).toEqual({ port: "must be a whole number 0..65535" });
    expect(errors(virtualServiceSchema.safeParse({ ...base, port: 80.5 }))).toEqual({ port: "must be a whole number" });
    expect(errors(realServerSchema.safeParse({ ...rs, weight: 1.5 }))).toEqual({ weight: "must be a whole number" });
    expect(errors(realServerSchema.safeParse({ virtualServiceId: "v1", address: "10.0.0.11", forwardingMethod: "route" }))).toEqual({ weight: "is required" });
    expect(errors(virtualServiceSchema.safeParse({ ...base, persistenceTimeout: "0" }))).toEqual({ persistenceTimeout: "must be a whole number 1..2678400" });
    expect(errors(virtualServiceSchema.safeParse({ ...base, onePacket: "on" }))).toEqual({ onePacket: "is only for UDP services" });
    expect(errors(virtualServiceSchema.safeParse({ ...base, persistenceNetmask: "255.255.255.0" }))).toEqual({ persistenceNetmask: "only applies to a persistent service (set persistent)" });
    expect(errors(virtualServiceSchema.safeParse({ ...base, port: "0" }))).toEqual({ port: "is only allowed for a persistent service" });
    expect(errors(virtualServiceSchema.safeParse({ ...base, address: "10.0.0.300" }))).toEqual({ address: "must be an IPv4 or IPv6 address" });
    expect(errors(virtualServiceSchema.safeParse({ ...base, sorryAddress: "fd00::9", sorryPort: "80" })).sorryAddress).toMatch(/^must be IPv4 like the service/);
    expect(errors(realServerSchema.safeParse({ ...rs, weight: "-1" }))).toEqual({ weight: "must be a whole number 0..2147483647" });
    expect(errors(realServerSchema.safeParse({ ...rs, lowerThreshold: "5" })).lowerThreshold).toMatch(/^must not exceed upperThreshold/);
    expect(errors(realServerSchema.safeParse({ ...rs, weight: "" }))).toEqual({ weight: "is required" });
  });

  it("an IPv4-mapped address is refused in every address field, with one message", () => {
    const rule = "must not be an IPv4-mapped IPv6 address (::ffff:a.b.c.d): use the IPv4 address";
    expect(errors(virtualServiceSchema.safeParse({ ...base, address: "::ffff:10.0.0.1" }))).toEqual({ address: rule });
    expect(errors(virtualServiceSchema.safeParse({ ...base, address: "[::FFFF:a00:1]" }))).toEqual({ address: rule });
    expect(errors(virtualServiceSchema.safeParse({ ...base, address: "::ffff:10.0.0.1", port: "80" })).address).toBe(rule);
    expect(errors(virtualServiceSchema.safeParse({ ...base, sorryAddress: "::ffff:10.0.0.9", sorryPort: "80" })).sorryAddress).toBe(rule);
    expect(errors(realServerSchema.safeParse({ ...rs, address: "::ffff:10.0.0.11" }))).toEqual({ address: rule });
    // an IPv6 VIP that only looks alike is fine
    expect(virtualServiceSchema.parse({ ...base, address: "64:ff9b::a00:1" }).address).toBe("64:ff9b::a00:1");
  });

  it("a port, weight or threshold with spaces is refused (not trimmed) in every number field", () => {
    expect(errors(virtualServiceSchema.safeParse({ ...base, port: " 80" }))).toEqual({ port: 'must be digits only, without spaces (got " 80")' });
    expect(errors(virtualServiceSchema.safeParse({ ...base, persistenceTimeout: "60 " }))).toEqual({ persistenceTimeout: 'must be digits only, without spaces (got "60 ")' });
    expect(errors(virtualServiceSchema.safeParse({ ...base, sorryAddress: "10.0.0.9", sorryPort: " 80" }))).toEqual({ sorryPort: 'must be digits only, without spaces (got " 80")' });
    expect(errors(virtualServiceSchema.safeParse({ ...base, protocol: "fwmark", address: "", port: "", fwmark: " 7" }))).toEqual({ fwmark: 'must be digits only, without spaces (got " 7")' });
    expect(errors(realServerSchema.safeParse({ ...rs, weight: " 1" }))).toEqual({ weight: 'must be digits only, without spaces (got " 1")' });
    expect(errors(realServerSchema.safeParse({ ...rs, port: "80 " }))).toEqual({ port: 'must be digits only, without spaces (got "80 ")' });
    expect(errors(realServerSchema.safeParse({ ...rs, upperThreshold: " 10" }))).toEqual({ upperThreshold: 'must be digits only, without spaces (got " 10")' });
    // digits alone, and JSON numbers, are what they always were
    expect(virtualServiceSchema.parse({ ...base, port: "80" }).port).toBe(80);
    expect(realServerSchema.parse({ ...rs, weight: 2 }).weight).toBe(2);
  });

  it("what the form accepts, lib/ipvs accepts (the canonical values come from it)", () => {
    const v = virtualServiceSchema.parse({ ...base, address: "FD00:0:0::100", persistenceTimeout: "60", persistenceNetmask: "64" });
    expect(v.address).toBe("fd00::100");
    expect(v.persistenceNetmask).toBe("64");
    const four = virtualServiceSchema.parse({ ...base, persistenceTimeout: "60", persistenceNetmask: "24" });
    expect(four.persistenceNetmask).toBe("255.255.255.0");
    const r = validateService({ protocol: "tcp", address: four.address, port: four.port, scheduler: four.scheduler, persistent: four.persistenceTimeout, netmask: four.persistenceNetmask });
    expect(r.ok).toBe(true);
  });

  it("the update schema keeps id and version", () => {
    expect(virtualServiceUpdateSchema.parse({ ...base, id: "s1", version: "3" })).toMatchObject({ id: "s1", version: 3, port: 80 });
    expect(errors(virtualServiceUpdateSchema.safeParse({ ...base, id: "s1", version: "x" }))).toEqual({ version: "is missing" });
  });

  it("a real server is judged inside its service like the director core judges the table", () => {
    const vs = { protocol: "tcp", family: "inet", address: "10.0.0.100", port: 80, fwmark: null, scheduler: "rr", schedulerFlags: [], persistenceTimeout: null, persistenceNetmask: null, onePacket: false };
    expect(checkRealServerInService(vs, { address: "10.0.0.11", port: 80, weight: 1, forwardingMethod: "route", upperThreshold: 0, lowerThreshold: 0 })).toEqual({});
    expect(checkRealServerInService(vs, { address: "fd00::11", port: 80, weight: 1, forwardingMethod: "route", upperThreshold: 0, lowerThreshold: 0 }).address?.[0]).toMatch(/^must be IPv4 like the service/);
    expect(checkRealServerInService(vs, { address: "fd00::11", port: 80, weight: 1, forwardingMethod: "tunnel", upperThreshold: 0, lowerThreshold: 0 })).toEqual({});
  });

  it("field names are dropped from lib/ipvs messages only where they lead", () => {
    expect(fieldMessage("service port must be a whole number 0..65535")).toBe("must be a whole number 0..65535");
    expect(fieldMessage("the table must be an object")).toBe("the table must be an object");
  });
});
