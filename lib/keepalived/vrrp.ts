// The director HA part of keepalived.conf (pure): global_defs, the two track files and ONE vrrp_instance.
// Never a virtual_server block nor lvs_flush: the IPVS table stays the panel's apply's, keepalived only
// moves the VIPs (and, with the sync daemon, the connection sync role). lib/ssh/helper.ts checks every
// line a non-root user writes against the same shapes (keep them in step: vrrp.test.ts checks it).
import { z } from "zod";
import { HA_TRACK_FILE, HA_UNCONVERGED_FILE, VRRP_INSTANCE, type HaConfigInput } from "@/lib/ha/model";

export const TRACK_BEHIND = "lvs_panel_behind";
export const TRACK_UNCONVERGED = "lvs_panel_unconverged";

const IFACE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
// printable, no blank, no quote, no backslash, nothing keepalived's parser reads specially (# ! { } $ @ ~)
const AUTH = /^[A-Za-z0-9._,:;+=%^*()[\]<>?/-]{1,8}$/;
const v4 = z.ipv4();
const v6 = z.ipv6();

export class InvalidHaConfig extends Error {}
const bad = (msg: string): never => {
  throw new InvalidHaConfig(msg);
};

function family(addr: string, what: string): 4 | 6 {
  if (v4.safeParse(addr).success) return 4;
  if (v6.safeParse(addr).success) return 6;
  return bad(`${what} ${JSON.stringify(addr)} is not an IP address`);
}

const intIn = (n: number, lo: number, hi: number) => Number.isInteger(n) && n >= lo && n <= hi;

/** keepalived's router_id: the director's name, reduced to the characters keepalived takes as one word. */
export function routerIdOf(name: string): string {
  const id = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
  return id || "lvs-panel";
}

/**
 * keepalived.conf for one director. Throws InvalidHaConfig on settings keepalived would refuse or
 * misread. The VRRP adverts' family is the directors' addresses' (unicast) or the first VIP family
 * present, IPv4 first (multicast); keepalived wants one family in virtual_ipaddress, the other VIPs go
 * to virtual_ipaddress_excluded (moved the same way, not carried in the adverts).
 */
export function renderVrrpConfig(input: HaConfigInput): string {
  const { settings: s, self, peers, vips } = input;
  if (!IFACE.test(s.iface)) bad(`interface ${JSON.stringify(s.iface)} is not an interface name`);
  if (!intIn(s.routerId, 1, 255)) bad(`virtual router id ${s.routerId} is not 1-255`);
  if (!intIn(self.priority, 1, 254)) bad(`priority ${self.priority} of ${self.name} is not 1-254`);
  for (const p of peers) if (!intIn(p.priority, 1, 254)) bad(`priority ${p.priority} of ${p.name} is not 1-254`);
  // VRRPv2 carries advert_int in whole seconds (v3's centiseconds would also drop authentication)
  if (!intIn(s.advertInt, 1, 255)) bad(`advert_int ${s.advertInt} is not a whole number of seconds 1-255`);
  if (!intIn(s.preemptDelay, 0, 1000)) bad(`preempt delay ${s.preemptDelay} is not 0-1000 s`);
  if (s.authPass !== null && !AUTH.test(s.authPass)) bad("auth pass must be 1-8 printable characters without blanks, quotes, # ! { } $ @ ~ or backslash");
  if (!vips.length) bad("no VIP to move");
  const fams = vips.map((v) => family(v, "VIP"));
  if (new Set(vips).size !== vips.length) bad("a VIP is listed twice");

  let fam: 4 | 6;
  const lines: string[] = [];
  if (s.unicast) {
    fam = family(self.address, `address of ${self.name}`);
    if (!peers.length) bad("unicast VRRP needs at least one other director");
    for (const p of peers) if (family(p.address, `address of ${p.name}`) !== fam) bad(`${p.name}'s address is not IPv${fam} like ${self.name}'s`);
    if (peers.some((p) => p.address === self.address)) bad(`a peer has ${self.name}'s own address`);
  } else fam = fams.includes(4) ? 4 : 6;
  if (!fams.includes(fam)) bad(`VRRP over IPv${fam} needs at least one IPv${fam} VIP (keepalived refuses an instance without one)`);
  // keepalived speaks VRRPv3 over IPv6, and v3 has no authentication
  if (fam === 6 && s.authPass !== null) bad("VRRP authentication works over IPv4 only (VRRPv3 over IPv6 has none)");

  const addr = (v: string) => `    ${v}/${v.includes(":") ? 128 : 32} dev ${s.iface}`;
  lines.push(
    "# LVS Panel: director HA, VRRP only (the IPVS rules come from the panel apply). Generated, do not edit.",
    "global_defs {",
    `  router_id ${routerIdOf(self.name)}`,
    ...(s.syncDaemon ? [`  lvs_sync_daemon ${s.iface} ${VRRP_INSTANCE}`] : []),
    "}",
    // The panel writes 1 into HA_TRACK_FILE before it converges this director and 0 once verified:
    // weight 0 makes any non-zero value a FAULT (no VIP, ever, even when no other director is MASTER).
    // The files come from /etc/tmpfiles.d/lvs-panel.conf at boot (0644, readable by the panel's user; the
    // helper writes that file with keepalived.conf); init_file is keepalived's fallback, creating them 0600.
    `track_file ${TRACK_BEHIND} {`,
    `  file "${HA_TRACK_FILE}"`,
    "  weight 0",
    "  init_file 0",
    "}",
    // After a reboot (/run is tmpfs) nothing says whether the restored table is current: the file is
    // created with 1 (tmpfiles, else init_file 1; never overwritten: a restart or reload keeps the panel's 0), and 1 × -253 takes the effective priority to 1, the lowest: this director takes the
    // VIPs only when no other director advertises (every director down or rebooted: a MASTER anyway),
    // never from a live MASTER, until the panel has converged it and written 0. A FAULT here (weight 0)
    // would leave no MASTER at all after a site-wide power cut.
    `track_file ${TRACK_UNCONVERGED} {`,
    `  file "${HA_UNCONVERGED_FILE}"`,
    "  weight -253",
    "  init_file 1",
    "}",
    `vrrp_instance ${VRRP_INSTANCE} {`,
    "  state BACKUP",
    ...(!s.preempt ? ["  nopreempt"] : s.preemptDelay > 0 ? [`  preempt_delay ${s.preemptDelay}`] : []),
    `  interface ${s.iface}`,
    `  virtual_router_id ${s.routerId}`,
    `  priority ${self.priority}`,
    `  advert_int ${s.advertInt}`,
    ...(s.authPass !== null ? ["  authentication {", "    auth_type PASS", `    auth_pass ${s.authPass}`, "  }"] : []),
    ...(s.unicast ? [`  unicast_src_ip ${self.address}`, "  unicast_peer {", ...peers.map((p) => `    ${p.address}`), "  }"] : []),
    "  track_file {",
    `    ${TRACK_BEHIND}`,
    `    ${TRACK_UNCONVERGED}`,
    "  }",
    "  virtual_ipaddress {",
    ...vips.filter((_, i) => fams[i] === fam).map(addr),
    "  }",
  );
  const other = vips.filter((_, i) => fams[i] !== fam);
  if (other.length) lines.push("  virtual_ipaddress_excluded {", ...other.map(addr), "  }");
  lines.push("}", "");
  return lines.join("\n");
}
