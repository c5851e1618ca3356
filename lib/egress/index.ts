// Outbound connections the panel makes on an operator's behalf (webhooks, panel-side health checks).
// Without a guard they reach anything the panel host can: cloud metadata (169.254.169.254), admin
// ports on loopback, the panel itself. So every destination is resolved first, EVERY resolved address
// is checked, and the connection is pinned to the checked address (a second DNS answer cannot swap
// it). Denied: loopback, link-local, unspecified, multicast/broadcast and the panel host's own
// addresses, unless LVS_PANEL_ALLOW_EGRESS (comma-separated CIDRs) allows the range.
import dns from "node:dns";
import net from "node:net";
import os from "node:os";

export const ALLOW_ENV = "LVS_PANEL_ALLOW_EGRESS";

const DENIED: Array<[string, number, "ipv4" | "ipv6", string]> = [
  ["0.0.0.0", 8, "ipv4", "unspecified"],
  ["127.0.0.0", 8, "ipv4", "loopback"],
  ["169.254.0.0", 16, "ipv4", "link-local"],
  ["224.0.0.0", 4, "ipv4", "multicast"],
  ["255.255.255.255", 32, "ipv4", "broadcast"],
  ["::", 128, "ipv6", "unspecified"],
  ["::1", 128, "ipv6", "loopback"],
  ["fe80::", 10, "ipv6", "link-local"],
  ["ff00::", 8, "ipv6", "multicast"],
];
const deniedLists = DENIED.map(([addr, bits, type, why]) => {
  const b = new net.BlockList();
  b.addSubnet(addr, bits, type);
  return { b, why };
});

export class EgressDenied extends Error {
  constructor(readonly host: string, readonly address: string, readonly why: string) {
    super(`${host === address ? address : `${host} (${address})`} is ${why}: the panel does not connect there (an admin can allow the range with ${ALLOW_ENV})`);
    this.name = "EgressDenied";
  }
}

/** CIDR list → BlockList; a bad entry throws (a typo must not silently allow nothing or everything). */
export function parseAllowList(text: string): net.BlockList {
  const b = new net.BlockList();
  for (const raw of text.split(",")) {
    const s = raw.trim();
    if (!s) continue;
    const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(s);
    const fam = m ? net.isIP(m[1]!) : 0;
    const bits = m?.[2] === undefined ? (fam === 6 ? 128 : 32) : Number(m[2]);
    if (!m || !fam || bits > (fam === 6 ? 128 : 32)) throw new Error(`${ALLOW_ENV}: "${s}" is not an address or CIDR (e.g. 127.0.0.1/32, 10.0.0.0/8, fd00::/8)`);
    b.addSubnet(m[1]!, bits, fam === 6 ? "ipv6" : "ipv4");
  }
  return b;
}

let cached: { text: string; list: net.BlockList } | null = null;
function allowList(): net.BlockList {
  const text = process.env[ALLOW_ENV] ?? "";
  if (cached?.text !== text) cached = { text, list: parseAllowList(text) };
  return cached.list;
}

const type = (ip: string) => (net.isIP(ip) === 6 ? "ipv6" : "ipv4");

/** The panel host's own addresses, read at each check (interfaces come and go). */
function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) out.add(a.address.replace(/%.*$/, "").toLowerCase());
  return out;
}

/** Why this address is denied, or null when the panel may connect to it. */
export function deniedReason(ip: string, own: Set<string> = ownAddresses()): string | null {
  if (!net.isIP(ip)) return "not an IP address";
  if (allowList().check(ip, type(ip))) return null;
  for (const d of deniedLists) if (d.b.check(ip, type(ip))) return `a ${d.why} address`;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (own.has(ip.toLowerCase()) || (mapped && own.has(mapped))) return "an address of the panel host";
  return null;
}

export interface Pinned { host: string; address: string; family: 4 | 6 }

/**
 * Resolves `host` (an IP literal is taken as is), checks every address, and answers the first one,
 * to connect to with `pinnedLookup`. Throws EgressDenied when any address is denied.
 */
export async function resolveChecked(host: string): Promise<Pinned> {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  const all = net.isIP(bare) ? [{ address: bare, family: net.isIP(bare) }] : await dns.promises.lookup(bare, { all: true, verbatim: true });
  if (!all.length) throw new Error(`${host} does not resolve`);
  const own = ownAddresses();
  for (const a of all) {
    const why = deniedReason(a.address, own);
    if (why) throw new EgressDenied(bare, a.address, why);
  }
  return { host: bare, address: all[0]!.address, family: all[0]!.family === 6 ? 6 : 4 };
}

type LookupCb = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;
/** A `lookup` for net/http/https that always answers the checked address (no second resolution). */
export function pinnedLookup(p: Pinned) {
  return (_host: string, opts: dns.LookupOptions | LookupCb, cb?: LookupCb) => {
    const done = (typeof opts === "function" ? opts : cb)!;
    if (typeof opts === "object" && opts.all) done(null, [{ address: p.address, family: p.family }]);
    else done(null, p.address, p.family);
  };
}
