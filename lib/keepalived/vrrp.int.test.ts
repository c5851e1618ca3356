// The HA configurations pass the REAL `keepalived --config-test` (Debian's 2.2.7), warnings included
// (any output fails); a missing binary fails, never skips.
import { describe, expect, it } from "vitest";
import { configTest, keepalivedBinary } from "@/test/support/keepalived";
import { renderVrrpConfig } from "./vrrp";
import { HA_SHAPES } from "./testing/vrrp-shapes";

describe("keepalived --config-test on the HA configuration", () => {
  const bin = keepalivedBinary();
  for (const [name, shape] of Object.entries(HA_SHAPES))
    it(`${name} passes, silently`, () => {
      expect(configTest({ "keepalived.conf": renderVrrpConfig(shape) }, bin)).toEqual({ code: 0, output: "" });
    });
  it("it really checks: what the renderer refuses, keepalived refuses too", () => {
    // IPv6-only VIPs with IPv4 adverts: keepalived finds no VIP of the instance's family
    const t = renderVrrpConfig(HA_SHAPES["v4 + v6 VIPs"]!).replace(/  virtual_ipaddress \{\n.*?\n.*?\n  \}\n  virtual_ipaddress_excluded/s, "  virtual_ipaddress_excluded");
    const r = configTest({ "keepalived.conf": t }, bin);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("No VIP specified");
    const v6auth = configTest({ "keepalived.conf": renderVrrpConfig(HA_SHAPES["multicast, v6 only (VRRPv3)"]!).replace("  advert_int 1\n", "  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass abc\n  }\n") }, bin);
    // and the interface must exist where it is checked (the helper runs keepalived -t on the director)
    const noIf = configTest({ "keepalived.conf": renderVrrpConfig({ ...HA_SHAPES["multicast, v4"]!, settings: { ...HA_SHAPES["multicast, v4"]!.settings, iface: "lvsp-none9" } }) }, bin);
    expect(noIf).toEqual({ code: 5, output: expect.stringContaining("Non-existent interface specified in configuration") });
    expect(v6auth).toEqual({ code: 5, output: expect.stringContaining("VRRP version 3 does not support authentication") });
  });
});
