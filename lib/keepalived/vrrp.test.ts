import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { HA_TMPFILES, HA_TRACK_FILE, HA_UNCONVERGED_FILE, KEEPALIVED_CONF, KEEPALIVED_JSON, type HaConfigInput } from "@/lib/ha/model";
import { HA_FILES, HELPER } from "@/lib/ssh/helper";
import { InvalidHaConfig, renderVrrpConfig, routerIdOf } from "./vrrp";
import { BASE, HA_SHAPES } from "./testing/vrrp-shapes";

/** The helper's own KA_RE, evaluated by dash, and grep -Evx over the text: the lines it would refuse. */
function refusedLines(text: string): string[] {
  const re = HELPER.split("\n").find((l) => l.startsWith('KA_RE="'))!;
  const prelude = HELPER.split("\n").filter((l) => /^(IP4|IP6|IFACE)=/.test(l)).join("\n");
  const r = spawnSync("dash", ["-c", `${prelude}\n${re}\ngrep -Evx -- "$KA_RE" || true`], { input: text, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}

const one = HA_SHAPES["v4 only, unicast, sync daemon"]!;
const w = (o: Partial<HaConfigInput["settings"]>, rest: Partial<HaConfigInput> = {}): HaConfigInput => ({ ...one, ...rest, settings: { ...BASE, ...o } });

describe("renderVrrpConfig", () => {
  it("the model's paths are the helper's", () => {
    expect(HA_FILES).toMatchObject({ conf: KEEPALIVED_CONF, tmpfiles: HA_TMPFILES, json: KEEPALIVED_JSON, runDir: HA_TRACK_FILE.replace(/\/[^/]+$/, "") });
    expect(HA_UNCONVERGED_FILE.startsWith(HA_FILES.runDir + "/")).toBe(true);
  });

  it("one director, unicast, sync daemon: VRRP only, no virtual_server, no lvs_flush, no script", () => {
    const t = renderVrrpConfig(one);
    expect(t).toContain("  router_id director\n  lvs_sync_daemon eth0 lvs_panel\n}");
    expect(t).toContain(`track_file lvs_panel_behind {\n  file "${HA_TRACK_FILE}"\n  weight 0\n  init_file 0\n}`);
    expect(t).toContain(`track_file lvs_panel_unconverged {\n  file "${HA_UNCONVERGED_FILE}"\n  weight -253\n  init_file 1\n}`);
    expect(t).toContain("vrrp_instance lvs_panel {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority 150\n  advert_int 1\n");
    expect(t).toContain("  unicast_src_ip 10.78.0.2\n  unicast_peer {\n    10.78.0.3\n  }\n");
    expect(t).toContain("  virtual_ipaddress {\n    10.78.0.100/32 dev eth0\n  }\n}\n");
    expect(t).not.toMatch(/virtual_server|lvs_flush|notify|script|nopreempt|authentication|excluded/);
  });

  it("IPv6 VIPs go to virtual_ipaddress_excluded when VRRP runs over IPv4, and the reverse", () => {
    expect(renderVrrpConfig(HA_SHAPES["v4 + v6 VIPs"]!)).toContain("  virtual_ipaddress {\n    10.78.0.100/32 dev eth0\n    10.78.0.101/32 dev eth0\n  }\n  virtual_ipaddress_excluded {\n    fd78::100/128 dev eth0\n  }\n");
    expect(renderVrrpConfig(HA_SHAPES["unicast over IPv6"]!)).toContain("  virtual_ipaddress {\n    fd78::100/128 dev eth0\n  }\n  virtual_ipaddress_excluded {\n    10.78.0.100/32 dev eth0\n  }\n");
  });

  it("preempt: nopreempt, preempt_delay, or neither; auth; multicast; no sync daemon; router_id from the name", () => {
    expect(renderVrrpConfig(HA_SHAPES.nopreempt!)).toContain("  state BACKUP\n  nopreempt\n");
    expect(renderVrrpConfig(HA_SHAPES.nopreempt!)).not.toContain("preempt_delay");
    expect(renderVrrpConfig(HA_SHAPES.preempt_delay!)).toContain("  state BACKUP\n  preempt_delay 60\n");
    expect(renderVrrpConfig(HA_SHAPES["auth PASS"]!)).toContain("  authentication {\n    auth_type PASS\n    auth_pass s3cr=t:8\n  }\n");
    const mc = renderVrrpConfig(HA_SHAPES["multicast, v4"]!);
    expect(mc).not.toContain("unicast");
    const t = renderVrrpConfig(HA_SHAPES["no sync daemon, advert 3, router 255, name with blanks"]!);
    expect(t).not.toContain("lvs_sync_daemon");
    expect(t).toContain("  router_id edge-dir-1\n");
    expect(t).toContain("    10.78.0.3\n    10.78.0.4\n");
    expect(routerIdOf("   ")).toBe("lvs-panel");
  });

  it("every line of every shape is one the sudo helper accepts; lines it must refuse are refused", () => {
    for (const [name, s] of Object.entries(HA_SHAPES)) expect(refusedLines(renderVrrpConfig(s)), name).toEqual([]);
    const evil = ["virtual_server 10.0.0.1 80 {", "  notify_master /tmp/x", "  script_user root", "  lvs_flush", "include /tmp/x", `  file "/etc/shadow"`,
      "track_script x {", "  auth_pass a b", "    10.0.0.1/32 dev eth0; reboot", "  router_id $(id)", "vrrp_script chk {", "  priority 100 "];
    expect(refusedLines(evil.join("\n") + "\n")).toEqual(evil);
  });

  it("throws on bad input, before anything is written", () => {
    const cases: Array<[HaConfigInput, RegExp]> = [
      [w({ iface: "eth0; reboot" }), /interface/],
      [w({ iface: "a-very-long-interface" }), /interface/],
      [w({ routerId: 0 }), /router id/],
      [w({ routerId: 256 }), /router id/],
      [w({}, { self: { ...one.self, priority: 255 } }), /priority 255/],
      [w({}, { self: { ...one.self, priority: 0 } }), /priority 0/],
      [w({}, { peers: [{ ...one.peers[0]!, priority: 1.5 }] }), /priority 1.5/],
      [w({ advertInt: 0 }), /advert_int/],
      [w({ advertInt: 0.5 }), /advert_int/],
      [w({ advertInt: 256 }), /advert_int/],
      [w({ authPass: "123456789" }), /auth pass/],
      [w({ authPass: "a b" }), /auth pass/],
      [w({ authPass: 'a"b' }), /auth pass/],
      [w({ authPass: "" }), /auth pass/],
      [w({ authPass: "x{y}" }), /auth pass/],
      [w({ preemptDelay: -1 }), /preempt delay/],
      [w({}, { vips: [] }), /no VIP/],
      [w({}, { vips: ["10.78.0.300"] }), /not an IP address/],
      [w({}, { vips: ["10.78.0.100", "10.78.0.100"] }), /twice/],
      [w({}, { peers: [] }), /at least one other director/],
      [w({}, { peers: [{ ...one.peers[0]!, address: "fd78::3" }] }), /not IPv4/],
      [w({}, { self: { ...one.self, address: "director.example" } }), /not an IP address/],
      [w({}, { vips: ["fd78::100"] }), /needs at least one IPv4 VIP/],
      [w({ unicast: false, authPass: "abc" }, { vips: ["fd78::100"] }), /IPv4 only/],
    ];
    for (const [input, re] of cases) expect(() => renderVrrpConfig(input), re.source).toThrow(InvalidHaConfig);
    for (const [input, re] of cases) expect(() => renderVrrpConfig(input)).toThrow(re);
  });
});
