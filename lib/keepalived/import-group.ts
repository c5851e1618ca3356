// virtual_server_group members: "VIP [PORT]", IPv4 ranges (a.b.c.d-e, a.b.c.d-e.f.g.h, a.b.c.d/nn)
// and "fwmark N [inet|inet6]". The document has no groups: each member becomes a service.
import { canonicalAddress, formatIPv6, parseIPv4, parseIPv6 } from "@/lib/ipvs/address";
import type { Statement } from "./parse";
import { uint, type Items } from "./preview";

export type GroupMember = { address: string; port: number } | { fwmark: number; family: "inet" | "inet6" | undefined };
const MAX_RANGE = 4096;

export function expandGroup(g: Statement, items: Items): GroupMember[] {
  const out: GroupMember[] = [];
  for (const st of g.block ?? []) {
    if (st.keyword === "fwmark") {
      const m = uint(st, items, st.args[0], "fwmark");
      const f = st.args[1];
      if (f !== undefined && f !== "inet" && f !== "inet6") { items.refused(st, "fwmark N [inet|inet6] expected"); continue; }
      if (m !== undefined) { out.push({ fwmark: m, family: f }); items.mapped(st, `fwmark ${m}`); }
      continue;
    }
    const port = st.args[0] === undefined ? 0 : uint(st, items, st.args[0], "port");
    if (port === undefined) continue;
    const one = canonicalAddress(st.keyword);
    if (one) { out.push({ address: one.address, port }); items.mapped(st, `address ${one.address} port ${port}`); continue; }
    const range = st.keyword.includes(":") ? ipv6Range(st.keyword) : ipv4Range(st.keyword);
    if (typeof range === "string") { items.refused(st, range); continue; }
    for (const a of range) out.push({ address: a, port });
    items.mapped(st, `${st.keyword} → ${range.length} addresses, port ${port}`);
  }
  return out;
}

function toInt(b: number[]): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}
function toText(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The addresses of an IPv4 range, or the reason it is refused. */
export function ipv4Range(text: string): string[] | string {
  let lo: number, hi: number;
  const slash = /^([\d.]+)\/(\d+)$/.exec(text), dash = /^([\d.]+)-([\d.]+)$/.exec(text);
  if (slash) {
    const b = parseIPv4(slash[1]!), n = Number(slash[2]);
    if (!b || n > 32) return `${text}: not an IPv4 address range`;
    const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
    lo = (toInt(b) & mask) >>> 0;
    hi = (lo | (~mask >>> 0)) >>> 0;
  } else if (dash) {
    const b = parseIPv4(dash[1]!);
    const end = dash[2]!.includes(".") ? parseIPv4(dash[2]!) : /^\d{1,3}$/.test(dash[2]!) && Number(dash[2]) <= 255 ? [...(b ?? [0, 0, 0]).slice(0, 3), Number(dash[2])] : null;
    if (!b || !end) return `${text}: not an IPv4 address range (IPv6 ranges are not supported)`;
    lo = toInt(b);
    hi = toInt(end);
  } else return `${text}: an address, an address range or fwmark expected`;
  if (hi < lo) return `${text}: the range ends before it starts`;
  if (hi - lo + 1 > MAX_RANGE) return `${text}: more than ${MAX_RANGE} addresses`;
  const out: string[] = [];
  for (let n = lo; n <= hi; n++) out.push(toText(n));
  return out;
}

/** An IPv6 range over the last group (fd00::2-9, hex), or the reason it is refused. */
export function ipv6Range(text: string): string[] | string {
  const m = /^([0-9a-fA-F:.]+)-([0-9a-fA-F]{1,4})$/.exec(text);
  const w = m ? parseIPv6(m[1]!) : null;
  if (!m || !w) return `${text}: not an IPv6 address range (only a range of the last group, e.g. fd00::2-9, is supported)`;
  const lo = w[7]!, hi = parseInt(m[2]!, 16);
  if (hi < lo) return `${text}: the range ends before it starts`;
  if (hi - lo + 1 > MAX_RANGE) return `${text}: more than ${MAX_RANGE} addresses`;
  const out: string[] = [];
  for (let n = lo; n <= hi; n++) out.push(formatIPv6([...w.slice(0, 7), n]));
  return out;
}
