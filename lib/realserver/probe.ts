import type { RealServerParams } from "./model";
import { RS_LABEL } from "./model";

// Pure: turn the script's `status` output into facts, and facts into a verdict per VIP.

export interface IfAddr {
  family: string;
  local: string;
  prefixlen: number;
  label?: string;
}
export interface RealServerFacts {
  /** conf[iface][param] from /proc/sys/net/ipv4/conf. */
  conf: Record<string, Partial<Record<"arp_ignore" | "arp_announce" | "rp_filter", number>>>;
  interfaces: Array<{ ifname: string; up: boolean; addrs: IfAddr[] }>;
  defaultGateway: string | null;
  defaultDev: string | null;
  /** Local addresses:ports listening (protocol as probed); null when `ss` is missing. */
  listening: Array<{ addr: string; port: number }> | null;
  files: { sysctl: boolean; unit: boolean; systemd: boolean };
}

export interface ScriptOutput {
  /** `@@lvs ok ...` / `@@lvs note ...` lines, in order. */
  events: string[];
  failure: string | null;
  facts: RealServerFacts | null;
}

export class ProbeParseError extends Error {}

export function parseScriptOutput(stdout: string): ScriptOutput {
  const events: string[] = [];
  let failure: string | null = null;
  const sections = new Map<string, string[]>();
  let cur: string[] | null = null;
  let sawEnd = false;
  for (const line of stdout.split("\n")) {
    if (line.startsWith("@@lvs-probe ")) {
      const name = line.slice(12).trim();
      if (name === "end") {
        sawEnd = true;
        cur = null;
      } else sections.set(name, (cur = []));
      continue;
    }
    if (line.startsWith("@@lvs ")) {
      const ev = line.slice(6);
      if (ev.startsWith("fail ")) failure = ev.slice(5);
      else events.push(ev);
      continue;
    }
    cur?.push(line);
  }
  if (!sections.size) return { events, failure, facts: null };
  if (!sawEnd) throw new ProbeParseError("real-server status output is truncated");
  return { events, failure, facts: factsFrom(sections) };
}

function json(lines: string[] | undefined, what: string): unknown {
  const text = (lines ?? []).join("\n").trim() || "[]";
  try {
    return JSON.parse(text);
  } catch {
    throw new ProbeParseError(`cannot read ${what} (ip -j output)`);
  }
}

function factsFrom(sections: Map<string, string[]>): RealServerFacts {
  const conf: RealServerFacts["conf"] = {};
  for (const l of sections.get("sysctl") ?? []) {
    // `grep .` of the files: /proc/sys/net/ipv4/conf/IFACE/PARAM:VALUE
    const m = /^\/proc\/sys\/net\/ipv4\/conf\/([^/]+)\/(arp_ignore|arp_announce|rp_filter):(-?\d+)$/.exec(l.trim());
    if (m) (conf[m[1]!] ??= {})[m[2] as "arp_ignore"] = Number(m[3]);
  }
  const rawAddr = json(sections.get("addr"), "addresses") as Array<{ ifname?: string; flags?: string[]; addr_info?: Array<Record<string, unknown>> }>;
  const interfaces = rawAddr.map((i) => ({
    ifname: String(i.ifname ?? ""),
    up: (i.flags ?? []).includes("UP"),
    addrs: (i.addr_info ?? []).map((a) => ({ family: String(a.family), local: String(a.local), prefixlen: Number(a.prefixlen), ...(typeof a.label === "string" ? { label: a.label } : {}) })),
  }));
  const routes = json(sections.get("route"), "routes") as Array<{ dst?: string; gateway?: string; dev?: string }>;
  const def = routes.find((r) => r.dst === "default");
  const listenLines = sections.get("listen") ?? [];
  let listening: RealServerFacts["listening"] = [];
  for (const l of listenLines) {
    if (l === "L ?") {
      listening = null;
      break;
    }
    // `ss -Hln[tu]` lines: State Recv-Q Send-Q Local:Port Peer:Port ...
    const local = l.trim().split(/\s+/)[3] ?? "";
    const m = /^(.+):(\d+|\*)$/.exec(local);
    if (m && m[2] !== "*") listening.push({ addr: m[1]!.replace(/^\[|\]$/g, "").replace(/%.*$/, ""), port: Number(m[2]) });
  }
  const files = new Set((sections.get("files") ?? []).map((l) => l.replace(/^F /, "").trim()));
  return {
    conf,
    interfaces,
    defaultGateway: def?.gateway ?? null,
    defaultDev: def?.dev ?? null,
    listening,
    files: { sysctl: files.has("sysctl"), unit: files.has("unit"), systemd: files.has("systemd") },
  };
}

function ipToInt(a: string): number {
  return a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}
function inSubnet(addr: string, net: string, prefix: number): boolean {
  if (prefix === 0) return true;
  const mask = prefix >= 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0;
  return ((ipToInt(addr) & mask) >>> 0) === ((ipToInt(net) & mask) >>> 0);
}

/** The interface that faces the VIP's network: the one with an address on the VIP's subnet, else the default route's. */
export function vipFacingIface(f: RealServerFacts, vip: string): string | null {
  for (const i of f.interfaces) {
    if (i.ifname === "lo") continue;
    for (const a of i.addrs) if (a.family === "inet" && a.prefixlen < 32 && inSubnet(vip, a.local, a.prefixlen)) return i.ifname;
  }
  return f.defaultDev;
}

export interface VipVerdict {
  vip: string;
  ready: boolean;
  /** Things that break this mode, in words. */
  problems: string[];
  /** Things worth knowing that do not break it by themselves. */
  warnings: string[];
  iface: string | null;
}

export type SysctlParam = "arp_ignore" | "arp_announce" | "rp_filter";
/** conf[iface][param], as in RealServerFacts (the ARP panel passes the same shape from the live snapshot). */
export type SysctlConf = Record<string, Partial<Record<SysctlParam, number>> | undefined>;

/** The kernel uses max(conf/all, conf/IFACE) for arp_ignore, arp_announce and rp_filter; a value not read counts as 0. */
export function effective(conf: SysctlConf, iface: string, p: SysctlParam): { value: number; all: number; dev: number } {
  const all = conf.all?.[p] ?? 0;
  const dev = conf[iface]?.[p] ?? 0;
  return { value: Math.max(all, dev), all, dev };
}

/** Whether an effective value keeps a DR/TUN real server off the VIP's ARP: arp_ignore 1 or 2, arp_announce 2. */
export function arpValueOk(p: "arp_ignore" | "arp_announce", value: number): boolean {
  return p === "arp_ignore" ? value >= 1 && value <= 2 : value === 2;
}

export function verdict(f: RealServerFacts, p: RealServerParams): VipVerdict[] {
  return p.vips.map((vip) => {
    const problems: string[] = [];
    const warnings: string[] = [];
    const iface = p.iface ?? vipFacingIface(f, vip);
    const holders = f.interfaces.flatMap((i) => i.addrs.filter((a) => a.family === "inet" && a.local === vip).map((a) => ({ ifname: i.ifname, ...a })));
    if (p.mode === "route" || p.mode === "tunnel") {
      const dev = p.mode === "route" ? "lo" : "tunl0";
      const onDev = holders.find((h) => h.ifname === dev);
      if (!onDev) problems.push(`VIP ${vip} is not bound on ${dev}`);
      else if (onDev.prefixlen !== 32) problems.push(`VIP ${vip} is bound on ${dev} as /${onDev.prefixlen}: it must be /32, or the whole subnet becomes local`);
      else if (p.mode === "route" && onDev.label !== RS_LABEL) warnings.push(`VIP ${vip} is on lo without the label ${RS_LABEL}: it works, but the panel's undo and boot unit only manage ${RS_LABEL}`);
      for (const h of holders) if (h.ifname !== dev) problems.push(`VIP ${vip} is bound on ${h.ifname}: this host will answer ARP for it and take the traffic from the director`);
      if (p.mode === "tunnel" && !f.interfaces.some((i) => i.ifname === "tunl0" && i.up)) problems.push("tunl0 is missing or down (the ipip module must be loaded)");
      for (const i of iface ? [iface] : ["all"]) {
        const ig = effective(f.conf, i, "arp_ignore");
        if (!arpValueOk("arp_ignore", ig.value)) problems.push(`${holders.length ? "VIP bound but " : ""}arp_ignore on all is ${ig.all}${i !== "all" ? ` and on ${i} is ${ig.dev}` : ""}: this host answers ARP for the VIP (needs 1)`);
        const an = effective(f.conf, i, "arp_announce");
        if (!arpValueOk("arp_announce", an.value)) problems.push(`arp_announce on all is ${an.all}${i !== "all" ? ` and on ${i} is ${an.dev}` : ""}: ARP requests may carry the VIP as source (needs 2)`);
      }
      if (!iface) warnings.push("cannot tell which interface faces the VIP's network; only the `all` sysctls were checked");
      if (p.mode === "tunnel") {
        const rp = effective(f.conf, "tunl0", "rp_filter");
        if (rp.value !== 0) problems.push(`rp_filter is ${rp.value} on tunl0 (all ${rp.all}, tunl0 ${rp.dev}): decapsulated packets will be dropped (needs 0 on all and tunl0)`);
      }
      if (p.director && f.defaultGateway === p.director) problems.push(`default gateway is the director (${p.director}): DR replies must bypass it`);
      if (!f.defaultGateway) warnings.push("no default route: only clients on a directly connected network can get replies");
    } else {
      for (const h of holders) warnings.push(`VIP ${vip} is bound on ${h.ifname}: NAT real servers do not need it`);
      if (!p.director) warnings.push("director address not given: cannot check the gateway");
      else if (f.defaultGateway !== p.director) problems.push(`default gateway is ${f.defaultGateway ?? "missing"}, not the director (${p.director}): NAT replies must go back through it`);
    }
    if (p.port !== undefined) {
      if (f.listening === null) warnings.push("cannot list listening sockets (no ss)");
      else {
        const onPort = f.listening.filter((l) => l.port === p.port);
        const wildcard = onPort.some((l) => l.addr === "0.0.0.0" || l.addr === "::" || l.addr === "*");
        const onVip = onPort.some((l) => l.addr === vip);
        const target = p.mode === "masq" ? onPort.length > 0 : wildcard || onVip;
        if (!onPort.length) problems.push(`nothing listens on ${p.protocol} port ${p.port}`);
        else if (!target) problems.push(`port ${p.port} listens only on ${onPort.map((l) => l.addr).join(", ")}, not on the VIP ${vip} or all addresses`);
      }
    }
    return { vip, ready: problems.length === 0, problems, warnings, iface };
  });
}
