import { describe, expect, it } from "vitest";
import { serviceInputSchema, tableInputSchema, validateService, validateTable, destinationInputSchema } from "./schema";

const ok = (input: unknown) => {
  const r = validateService(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
};
const errs = (input: unknown) => {
  const r = validateService(input);
  if (r.ok) throw new Error("expected errors");
  return r.errors;
};
const base = { protocol: "tcp", address: "10.0.0.1", port: 80 };

describe("service input: canonical output", () => {
  it("fills defaults", () => {
    expect(ok(base).value).toEqual({
      protocol: "tcp", family: "inet", address: "10.0.0.1", port: 80, fwmark: null, scheduler: "wlc", persistent: null, netmask: null,
      ops: false, pe: null, flags: [], destinations: [],
    });
  });
  it("canonicalises IPv6 (compressed, lower case; brackets allowed) and infers the family", () => {
    expect(ok({ ...base, address: "[2001:DB8:0:0:0:0:0:ABCD]" }).value).toMatchObject({ address: "2001:db8::abcd", family: "inet6" });
    expect(ok({ ...base, address: " 2001:DB8:0::A00:1 " }).value.address).toBe("2001:db8::a00:1");
  });
  it("takes FormData-style strings", () => {
    const v = ok({ protocol: "udp", address: "10.0.0.1", port: "53", persistent: "300", netmask: "24", ops: "on", pe: "sip", flags: "flag-1, flag-2", scheduler: "rr", destinations: [{ address: "10.0.1.1", weight: "7", upperThreshold: "10", lowerThreshold: "" }] }).value;
    expect(v).toMatchObject({ port: 53, persistent: 300, netmask: "255.255.255.0", ops: true, pe: "sip", flags: ["flag-1", "flag-2"] });
    expect(v.destinations[0]).toMatchObject({ port: 53, forward: "route", weight: 7, upperThreshold: 10, lowerThreshold: 0 });
  });
  it("persistent: true means 360 s; netmask defaults to the full mask; IPv6 masks are prefix lengths", () => {
    expect(ok({ ...base, persistent: true }).value).toMatchObject({ persistent: 360, netmask: "255.255.255.255" });
    expect(ok({ ...base, address: "::1", persistent: 10 }).value.netmask).toBe("128");
    expect(ok({ ...base, address: "::1", persistent: 10, netmask: "/64" }).value.netmask).toBe("64");
    expect(ok({ ...base, persistent: 10, netmask: "255.255.0.0" }).value.netmask).toBe("255.255.0.0");
    expect(ok({ ...base, persistent: 10, netmask: 16 }).value.netmask).toBe("255.255.0.0");
  });
  it("sh/mh flags take ipvsadm's names (flag-1 on sh is sh-fallback)", () => {
    expect(ok({ ...base, scheduler: "sh", flags: ["flag-2", "flag-1"] }).value.flags).toEqual(["sh-fallback", "sh-port"]);
    expect(ok({ ...base, scheduler: "mh", flags: ["mh-port"] }).value.flags).toEqual(["mh-port"]);
    expect(ok({ ...base, scheduler: "sh", flags: ["flag-3"] }).value.flags).toEqual(["flag-3"]);
  });
  it("fwmark services (port of a real server defaults to 0, IPv6 by family)", () => {
    const v = ok({ protocol: "fwmark", fwmark: "7", family: "inet6", destinations: [{ address: "2001:db8::1", forward: "masq" }] }).value;
    expect(v).toMatchObject({ address: null, port: null, fwmark: 7, family: "inet6" });
    expect(v.destinations[0]?.port).toBe(0);
    expect(ok({ protocol: "fwmark", fwmark: 2147483647 }).value.family).toBe("inet");
  });
  it("tunnel defaults: ipip; gue and gre get nocsum", () => {
    const v = ok({ ...base, destinations: [{ address: "10.0.1.1", forward: "tunnel" }, { address: "10.0.1.2", forward: "tunnel", tunnelType: "gue", tunnelPort: 6080 }, { address: "10.0.1.3", forward: "tunnel", tunnelType: "gre", tunnelCsum: "csum" }, { address: "2001:db8::4", forward: "tunnel" }] }).value;
    expect(v.destinations.map((d) => [d.tunnelType, d.tunnelPort, d.tunnelCsum])).toEqual([["ipip", null, null], ["gue", 6080, "nocsum"], ["gre", null, "csum"], ["ipip", null, null]]);
  });
});

describe("the DR/TUN port rule is applied with a notice", () => {
  it("route and tunnel real servers get the service port, and the user is told", () => {
    const r = ok({ ...base, destinations: [{ address: "10.0.1.1", port: 999 }, { address: "10.0.1.2", port: 8080, forward: "masq" }, { address: "10.0.1.3", port: 81, forward: "tunnel" }] });
    expect(r.value.destinations.map((d) => d.port)).toEqual([80, 8080, 80]);
    expect(r.notices).toEqual([
      { path: "destinations.0.port", message: expect.stringMatching(/10.0.1.1:999: port 999 becomes 80, because in direct routing mode/) },
      { path: "destinations.2.port", message: expect.stringMatching(/port 81 becomes 80, because in tunnel mode/) },
    ]);
  });
  it("no notice when the port already matches, or under fwmark", () => {
    expect(ok({ ...base, destinations: [{ address: "10.0.1.1", port: 80 }] }).notices).toEqual([]);
    expect(ok({ protocol: "fwmark", fwmark: 1, destinations: [{ address: "10.0.1.1", port: 80 }] }).notices).toEqual([]);
  });
  it("validateTable prefixes the paths", () => {
    const r = validateTable({ services: [base, { ...base, port: 81, destinations: [{ address: "10.0.1.1", port: 1 }] }] });
    expect(r.ok && r.notices.map((n) => n.path)).toEqual(["services.1.destinations.0.port"]);
  });
});

describe("every error names the field and the rule", () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ["protocol", { ...base, protocol: "icmp" }, "protocol", /protocol must be one of tcp, udp, sctp, fwmark/],
    ["address", { ...base, address: "10.0.0.256" }, "address", /service address must be a valid IPv4/],
    ["address type", { ...base, address: 17 }, "address", /service address must be a valid IPv4/],
    ["address required", { protocol: "tcp", port: 80 }, "address", /service address is required/],
    ["port range", { ...base, port: 65536 }, "port", /service port must be a whole number 0..65535/],
    ["port text", { ...base, port: "8o" }, "port", /service port must be a whole number/],
    ["port fraction", { ...base, port: 80.5 }, "port", /service port must be a whole number/],
    ["port required", { protocol: "tcp", address: "10.0.0.1" }, "port", /service port is required/],
    ["port 0 without persistence", { ...base, port: 0 }, "port", /port 0 .* only allowed for a persistent service/],
    ["family mismatch", { ...base, family: "inet6" }, "family", /family inet6 does not match the service address \(inet\)/],
    ["bad family", { ...base, family: "ipx" }, "family", /family must be one of inet, inet6/],
    ["fwmark on tcp", { ...base, fwmark: 3 }, "fwmark", /fwmark only applies when protocol is fwmark/],
    ["fwmark required", { protocol: "fwmark" }, "fwmark", /fwmark is required/],
    ["fwmark 0", { protocol: "fwmark", fwmark: 0 }, "fwmark", /fwmark must be a whole number 1..2147483647/],
    ["fwmark 2^31", { protocol: "fwmark", fwmark: 2147483648 }, "fwmark", /fwmark must be a whole number 1..2147483647/],
    ["address on fwmark", { protocol: "fwmark", fwmark: 1, address: "10.0.0.1" }, "address", /address must be empty for a fwmark service/],
    ["port on fwmark", { protocol: "fwmark", fwmark: 1, port: 80 }, "port", /port must be empty for a fwmark service/],
    ["scheduler", { ...base, scheduler: "random" }, "scheduler", /scheduler must be one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos/],
    ["persistent 0", { ...base, persistent: 0 }, "persistent", /persistent \(timeout in seconds\) must be a whole number 1..2678400/],
    ["persistent too long", { ...base, persistent: 2678401 }, "persistent", /1..2678400/],
    ["netmask without persistence", { ...base, netmask: "255.255.255.0" }, "netmask", /netmask only applies to a persistent service/],
    ["netmask not contiguous", { ...base, persistent: 5, netmask: "0.0.0.24" }, "netmask", /contiguous IPv4 mask/],
    ["netmask prefix too big", { ...base, persistent: 5, netmask: "33" }, "netmask", /prefix length 0..32/],
    ["IPv6 netmask", { ...base, address: "::1", persistent: 5, netmask: "0" }, "netmask", /IPv6 prefix length 1..128/],
    ["IPv6 dotted netmask", { ...base, address: "::1", persistent: 5, netmask: "255.0.0.0" }, "netmask", /IPv6 prefix length 1..128/],
    ["ops on tcp", { ...base, ops: true }, "ops", /ops \(one-packet scheduling\) is only for UDP services/],
    ["ops value", { ...base, protocol: "udp", ops: "yes" }, "ops", /ops \(one-packet scheduling\) must be true or false/],
    ["pe", { ...base, pe: "http" }, "pe", /pe \(persistence engine\) must be one of sip/],
    ["flags type", { ...base, flags: 5 }, "flags", /flags must be a list of scheduler flag names/],
    ["unknown flag", { ...base, flags: ["fast"] }, "flags", /flags: unknown scheduler flag "fast"/],
    ["sh flag on rr", { ...base, scheduler: "rr", flags: ["sh-port"] }, "flags", /flags: scheduler flag "sh-port" only applies to the sh scheduler, not rr/],
    ["flag-3 combined", { ...base, scheduler: "sh", flags: ["sh-port", "flag-3"] }, "flags", /flag-3 cannot be combined/],
    ["destinations type", { ...base, destinations: "x" }, "destinations", /destinations must be a list of real servers/],
    ["dest address", { ...base, destinations: [{ address: "nope" }] }, "destinations.0.address", /real server address must be a valid IPv4/],
    ["dest mapped", { ...base, address: "::1", destinations: [{ address: "::ffff:10.0.0.1" }] }, "destinations.0.address", /^real server address must not be an IPv4-mapped IPv6 address \(::ffff:a\.b\.c\.d\): use the IPv4 address$/],
    // the VIP too (it would be bound as ::ffff:10.0.0.1/128 on the director), dotted or hex, with the same rule
    ["VIP mapped", { ...base, address: "::ffff:10.0.0.1" }, "address", /^service address must not be an IPv4-mapped IPv6 address \(::ffff:a\.b\.c\.d\): use the IPv4 address$/],
    ["VIP mapped hex", { ...base, address: "[::FFFF:a00:1]" }, "address", /^service address must not be an IPv4-mapped/],
    // a number typed with spaces is refused, never trimmed silently
    ["port with spaces", { ...base, port: " 80" }, "port", /^service port must be digits only, without spaces \(got " 80"\)$/],
    ["weight with spaces", { ...base, destinations: [{ address: "10.0.1.1", weight: "2 " }] }, "destinations.0.weight", /^weight must be digits only, without spaces \(got "2 "\)$/],
    ["persistent with a tab", { ...base, persistent: "\t60" }, "persistent", /must be digits only, without spaces/],
    ["dest family", { ...base, destinations: [{ address: "2001:db8::1" }] }, "destinations.0.address", /must be IPv4 like the service \(a different family is only allowed when forward is tunnel\)/],
    ["dest port", { ...base, destinations: [{ address: "10.0.1.1", port: -1 }] }, "destinations.0.port", /real server port must be a whole number 0..65535/],
    ["forward", { ...base, destinations: [{ address: "10.0.1.1", forward: "nat" }] }, "destinations.0.forward", /forward \(forwarding method\) must be one of route, masq, tunnel, local/],
    ["weight", { ...base, destinations: [{ address: "10.0.1.1", weight: 2147483648 }] }, "destinations.0.weight", /weight must be a whole number 0..2147483647/],
    ["weight negative", { ...base, destinations: [{ address: "10.0.1.1", weight: "-1" }] }, "destinations.0.weight", /weight must be a whole number 0..2147483647/],
    ["upper", { ...base, destinations: [{ address: "10.0.1.1", upperThreshold: 1e10 }] }, "destinations.0.upperThreshold", /upperThreshold \(-x, max connections\) must be a whole number 0..2147483647/],
    ["lower > upper", { ...base, destinations: [{ address: "10.0.1.1", lowerThreshold: 5 }] }, "destinations.0.lowerThreshold", /lowerThreshold must not exceed upperThreshold/],
    ["tunnel fields without tunnel", { ...base, destinations: [{ address: "10.0.1.1", tunnelType: "gre" }] }, "destinations.0.tunnelType", /only apply when forward is tunnel/],
    ["tunnel type", { ...base, destinations: [{ address: "10.0.1.1", forward: "tunnel", tunnelType: "vxlan" }] }, "destinations.0.tunnelType", /tunnelType must be one of ipip, gue, gre/],
    ["gue port", { ...base, destinations: [{ address: "10.0.1.1", forward: "tunnel", tunnelType: "gue" }] }, "destinations.0.tunnelPort", /tunnelPort is required for a gue tunnel/],
    ["gue port range", { ...base, destinations: [{ address: "10.0.1.1", forward: "tunnel", tunnelType: "gue", tunnelPort: 0 }] }, "destinations.0.tunnelPort", /tunnelPort must be a whole number 1..65535/],
    ["port on gre", { ...base, destinations: [{ address: "10.0.1.1", forward: "tunnel", tunnelType: "gre", tunnelPort: 5 }] }, "destinations.0.tunnelPort", /tunnelPort only applies to gue tunnels/],
    ["csum on ipip", { ...base, destinations: [{ address: "10.0.1.1", forward: "tunnel", tunnelCsum: "csum" }] }, "destinations.0.tunnelCsum", /tunnelCsum only applies to gue and gre/],
    ["remcsum on gre", { ...base, destinations: [{ address: "10.0.1.1", forward: "tunnel", tunnelType: "gre", tunnelCsum: "remcsum" }] }, "destinations.0.tunnelCsum", /remcsum only applies to gue/],
    ["csum value", { ...base, destinations: [{ address: "10.0.1.1", forward: "tunnel", tunnelType: "gre", tunnelCsum: "yes" }] }, "destinations.0.tunnelCsum", /tunnelCsum must be one of nocsum, csum, remcsum/],
    ["duplicate dest after the DR rule", { ...base, destinations: [{ address: "10.0.1.1", port: 80 }, { address: "10.0.1.1", port: 81 }] }, "destinations.1.address", /real server 10.0.1.1:80 is listed twice \(also at destinations.0\)/],
  ];
  it.each(cases)("%s", (_n, input, path, message) => {
    const e = errs(input);
    const hit = e.find((x) => x.path === path);
    expect(hit, JSON.stringify(e)).toBeDefined();
    expect(hit?.message).toMatch(message);
  });
  it("a table: duplicate services, not a list", () => {
    const r = validateTable({ services: [base, { ...base, address: "10.0.0.001".replace("001", "1") }] });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual([{ path: "services.1", message: "service TCP 10.0.0.1:80 is listed twice (also at services.0)" }]);
    expect(!validateTable({ services: 3 }).ok && (validateTable({ services: 3 }) as { errors: unknown[] }).errors).toEqual([{ path: "services", message: "services must be a list of virtual services" }]);
    expect((validateTable(null) as { errors: Array<{ message: string }> }).errors[0]?.message).toBe("the table must be an object with a services list");
  });
  it("the schemas are usable directly with safeParse", () => {
    expect(serviceInputSchema.safeParse(base).success).toBe(true);
    expect(destinationInputSchema.safeParse({ address: "1.2.3.4" }).success).toBe(true);
    expect(tableInputSchema.safeParse({ services: [] }).success).toBe(true);
  });
});
