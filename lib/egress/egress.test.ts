import { afterEach, describe, expect, it } from "vitest";
import { ALLOW_ENV, deniedReason, parseAllowList, pinnedLookup } from "./index";

const own = new Set(["192.0.2.2", "fd00::2"]);
afterEach(() => { delete process.env[ALLOW_ENV]; });

describe("egress policy", () => {
  it("denies loopback, link-local (cloud metadata), unspecified, multicast, broadcast and the panel's own addresses", () => {
    for (const ip of ["127.0.0.1", "127.8.9.10", "::1", "169.254.169.254", "fe80::1", "0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255",
      "::ffff:127.0.0.1", "::ffff:169.254.169.254", "192.0.2.2", "fd00::2", "::ffff:192.0.2.2"]) expect(deniedReason(ip, own), ip).not.toBeNull();
    expect(deniedReason("169.254.169.254", own)).toBe("a link-local address");
    expect(deniedReason("192.0.2.2", own)).toBe("an address of the panel host");
  });
  it("lets other addresses through (private ranges included: real servers live there)", () => {
    for (const ip of ["10.78.1.11", "192.0.2.3", "203.0.113.9", "2001:db8::5", "fd78::11"]) expect(deniedReason(ip, own), ip).toBeNull();
  });
  it("an allowed range wins, and only that range", () => {
    process.env[ALLOW_ENV] = "127.0.0.1/32, fe80::/64";
    expect(deniedReason("127.0.0.1", own)).toBeNull();
    expect(deniedReason("127.0.0.2", own)).toBe("a loopback address");
    expect(deniedReason("fe80::1", own)).toBeNull();
    expect(deniedReason("169.254.169.254", own)).toBe("a link-local address");
  });
  it("a bad allow-list entry is an error naming the variable, not a silent allow", () => {
    expect(() => parseAllowList("10.0.0.0/8,nonsense")).toThrow(/LVS_PANEL_ALLOW_EGRESS: "nonsense"/);
    expect(() => parseAllowList("10.0.0.0/33")).toThrow();
    expect(() => parseAllowList("")).not.toThrow();
  });
  it("the pinned lookup answers the checked address whatever name it is asked for", () => {
    const l = pinnedLookup({ host: "hooks.example", address: "203.0.113.9", family: 4 });
    const seen: unknown[] = [];
    l("hooks.example", { all: true }, (_e, a) => seen.push(a));
    l("rebound.example", {}, (_e, a, f) => seen.push([a, f]));
    l("x", (_e, a) => seen.push(a));
    expect(seen).toEqual([[{ address: "203.0.113.9", family: 4 }], ["203.0.113.9", 4], "203.0.113.9"]);
  });
});
