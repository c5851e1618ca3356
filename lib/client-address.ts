import crypto from "node:crypto";
import { formatIPv6, parseIPv4, parseIPv6 } from "./ipvs/address";

// Which address a request comes from, for failed-login throttling. X-Forwarded-For is written by
// whoever sent the request, so it is believed only from proxies listed in TRUSTED_PROXIES: the
// panel's HTTP server (scripts/next-server.ts) walks the header from the right, starting at the
// socket's peer, and stops at the first address that is not a trusted proxy. The result travels to
// the login code in CLIENT_ADDRESS_HEADER, signed, so a client cannot send its own.

export const CLIENT_ADDRESS_HEADER = "x-lvs-panel-client";

type Net = { bits: bigint; prefix: number; v4: boolean };

/** An address as 128 bits (IPv4 as ::ffff:a.b.c.d) and whether it is IPv4, or null. */
function toBits(text: string): { bits: bigint; v4: boolean } | null {
  const v4 = parseIPv4(text);
  if (v4) return { bits: (0xffffn << 32n) | BigInt(((v4[0]! << 24) | (v4[1]! << 16) | (v4[2]! << 8) | v4[3]!) >>> 0), v4: true };
  const w = parseIPv6(text);
  if (!w) return null;
  const bits = w.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
  return { bits, v4: bits >> 32n === 0xffffn };
}

/** An IPv4-mapped peer (::ffff:10.0.0.1, as a dual-stack socket reports it) as plain IPv4; IPv6 canonical. */
export function normalizeAddress(text: string): string | null {
  const t = text.trim().replace(/^\[(.*)\]$/, "$1");
  const b = toBits(t);
  if (!b) return null;
  if (b.v4) {
    const n = Number(b.bits & 0xffffffffn);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  }
  return formatIPv6(Array.from({ length: 8 }, (_, i) => Number((b.bits >> BigInt(112 - 16 * i)) & 0xffffn)));
}

/**
 * TRUSTED_PROXIES: comma- or space-separated addresses and CIDR ranges (10.0.0.0/8, fd00::/8), or
 * "loopback" for 127.0.0.0/8 and ::1. Throws on an entry it cannot read, so a typo is not silently ignored.
 */
export function parseTrustedProxies(text: string | undefined): Net[] {
  const out: Net[] = [];
  for (const raw of (text ?? "").split(/[\s,]+/).filter(Boolean)) {
    if (raw === "loopback") {
      out.push(...parseTrustedProxies("127.0.0.0/8,::1"));
      continue;
    }
    const [addr, len, extra] = raw.split("/");
    const b = addr ? toBits(addr) : null;
    const max = b?.v4 ? 32 : 128;
    const prefix = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
    if (!b || extra !== undefined || !(prefix >= 0 && prefix <= max)) throw new Error(`TRUSTED_PROXIES: "${raw}" is not an address or CIDR range`);
    out.push({ bits: b.bits, prefix: b.v4 ? prefix + 96 : prefix, v4: b.v4 });
  }
  return out;
}

function trusted(address: string, nets: readonly Net[]): boolean {
  const b = toBits(address);
  if (!b) return false;
  return nets.some((n) => {
    const shift = BigInt(128 - n.prefix);
    return b.bits >> shift === n.bits >> shift;
  });
}

/** The client's address: the peer, or (only through trusted proxies) the X-Forwarded-For entry before them. */
export function clientAddressOf(peer: string | undefined, forwardedFor: string | string[] | undefined, nets: readonly Net[]): string {
  let current = peer ? normalizeAddress(peer) : null;
  if (!current) return "unknown";
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  while (trusted(current, nets) && hops.length) {
    const next = normalizeAddress(hops.pop()!);
    if (!next) break; // garbage in the header: keep the last address we can vouch for
    current = next;
  }
  return current;
}

/** The throttling bucket of an address: IPv6 by its /64 (one customer's subnet), IPv4 as is. */
export function throttleBucket(address: string): string {
  const b = address.includes(":") ? toBits(address) : null;
  if (!b || b.v4) return address;
  return `${normalizeAddress(formatIPv6(Array.from({ length: 8 }, (_, i) => (i < 4 ? Number((b.bits >> BigInt(112 - 16 * i)) & 0xffffn) : 0))))}/64`;
}

const mac = (address: string, secret: string) => crypto.createHmac("sha256", secret).update(`client-address\0${address}`).digest("base64url");

export function signClientAddress(address: string, secret: string): string {
  return `${address} ${mac(address, secret)}`;
}

/** The address our HTTP server vouched for, or null (header missing, or not signed with our secret). */
export function verifiedClientAddress(value: unknown, secret: string): string | null {
  if (typeof value !== "string") return null;
  const [address, sig, extra] = value.split(" ");
  if (!address || !sig || extra !== undefined) return null;
  const want = Buffer.from(mac(address, secret));
  const got = Buffer.from(sig);
  return want.length === got.length && crypto.timingSafeEqual(want, got) ? address : null;
}
