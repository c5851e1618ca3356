// IPv4 / IPv6 parsing and canonical text, written out by hand so the module stays pure and usable in
// the browser (no node:net). Canonical IPv6 is what glibc's inet_ntop prints, because that is what
// ipvsadm prints: lower case, the longest run (first on a tie) of two or more zero groups compressed,
// and a dotted tail for IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses.

export type AddressFamily = "inet" | "inet6";

/** Parses a dotted quad (no leading zeros, each part 0..255) to its four bytes, or null. */
export function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (p.length === 0 || p.length > 3) return null;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 48 || c > 57) return null;
    }
    if (p.length > 1 && p[0] === "0") return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Parses IPv6 text (with optional "::" and dotted IPv4 tail; no zone) to its eight 16-bit groups, or null. */
export function parseIPv6(text: string): number[] | null {
  if (text.length < 2 || text.length > 45) return null;
  const dbl = text.indexOf("::");
  if (dbl !== -1 && text.indexOf("::", dbl + 1) !== -1) return null;
  const head = dbl === -1 ? text : text.slice(0, dbl);
  const tail = dbl === -1 ? "" : text.slice(dbl + 2);
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === "" ? [] : tail.split(":");
  const all = [...headGroups, ...tailGroups];
  const words: number[] = [];
  const parseGroups = (groups: string[], isLastPart: boolean): number[] | null => {
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as string;
      if (isLastPart && i === groups.length - 1 && g.includes(".")) {
        const v4 = parseIPv4(g);
        if (!v4) return null;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  if (all.length === 0 && dbl === -1) return null;
  const h = parseGroups(headGroups, dbl === -1);
  const t = parseGroups(tailGroups, true);
  if (!h || !t) return null;
  if (dbl === -1) {
    if (h.length !== 8) return null;
    return h;
  }
  if (h.length + t.length > 7) return null;
  words.push(...h);
  for (let i = h.length + t.length; i < 8; i++) words.push(0);
  words.push(...t);
  return words;
}

/**
 * The run of zero groups inet_ntop compresses to "::" in eight groups: the longest (the first on a tie)
 * of two or more, packed as base * 16 + length; 0 when there is none (a run is at least 2 long, so 0 is
 * free). A number, not an object: canonicalIPv6At runs this on every IPv6 address a listing holds.
 */
function zeroRun(words: readonly number[]): number {
  let bestBase = 0, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) { curBase = i; curLen = 1; } else curLen++;
    } else if (curBase !== -1) {
      if (curLen > bestLen) { bestBase = curBase; bestLen = curLen; }
      curBase = -1;
    }
  }
  if (curBase !== -1 && curLen > bestLen) { bestBase = curBase; bestLen = curLen; }
  return bestLen < 2 ? 0 : bestBase * 16 + bestLen;
}

/** glibc prints an encapsulated IPv4 address with a dotted tail: ::a.b.c.d (compatible) and ::ffff:a.b.c.d (mapped). */
function dottedTail(words: readonly number[], run: number): boolean {
  return run === 6 /* base 0, length 6 */ || (run === 5 && words[5] === 0xffff);
}

/** inet_ntop(AF_INET6) text of eight groups. */
export function formatIPv6(words: readonly number[]): string {
  const run = zeroRun(words);
  const bestBase = run === 0 ? -1 : run >> 4, bestLen = run & 15;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    // encapsulated IPv4 (glibc): ::a.b.c.d or ::ffff:a.b.c.d
    if (i === 6 && dottedTail(words, run)) {
      const a = words[6] as number, b = words[7] as number;
      out += `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
      break;
    }
    out += (words[i] as number).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ":";
  return out;
}

export interface ParsedAddress { family: AddressFamily; address: string }

/** Validates and canonicalises an IPv4 or IPv6 address (no brackets, no port). */
export function canonicalAddress(text: string): ParsedAddress | null {
  if (text.includes(":")) {
    const w = parseIPv6(text);
    return w ? { family: "inet6", address: formatIPv6(w) } : null;
  }
  const v4 = parseIPv4(text);
  return v4 ? { family: "inet", address: v4.join(".") } : null;
}

/** The one rule (and message) for an IPv4-mapped address wherever an operator types an address:
 *  forms, API, CLI. The kernel refuses it as a real server; as a VIP it would be bound as ::ffff:…/128. */
export const IPV4_MAPPED_RULE = "must not be an IPv4-mapped IPv6 address (::ffff:a.b.c.d): use the IPv4 address";

/** True for ::ffff:a.b.c.d (the kernel refuses it as a real server). */
export function isIPv4Mapped(address: string): boolean {
  const w = parseIPv6(address);
  return !!w && w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff;
}

export function familyOf(address: string): AddressFamily {
  return address.includes(":") ? "inet6" : "inet";
}

/** "10.0.0.1:80" or "[2001:db8::1]:80": how ipvsadm prints (and accepts) an address with a port. */
export function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Splits ipvsadm's "addr:port" / "[v6addr]:port" into address text and port, or null.
 * The address is returned as printed (not re-validated): callers canonicalise.
 */
export function splitHostPort(text: string): { address: string; port: number } | null {
  let addr: string, portText: string;
  if (text.charCodeAt(0) === 91 /* [ */) {
    const close = text.indexOf("]");
    if (close === -1 || text.charCodeAt(close + 1) !== 58 /* : */) return null;
    addr = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!addr.includes(":")) return null;
  } else {
    const colon = text.lastIndexOf(":");
    if (colon === -1) return null;
    addr = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (addr.includes(":")) return null; // an unbracketed IPv6 address is not addr:port
  }
  const port = parseUint(portText);
  if (port === null || port > 65535) return null;
  return { address: addr, port };
}

/** Decimal digits only (no sign, no leading +), up to 2^53; else null. */
export function parseUint(text: string): number | null {
  const n = text.length;
  if (n === 0 || n > 16) return null;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return v;
}

/** IPv4 netmask "a.b.c.d" → prefix length, or null when it is not contiguous (0.0.0.24 is not). */
export function ipv4MaskPrefix(mask: string): number | null {
  const b = parseIPv4(mask);
  if (!b) return null;
  const v = (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0;
  let prefix = 0;
  while (prefix < 32 && (v & (0x80000000 >>> prefix)) !== 0) prefix++;
  const expect = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return v === expect ? prefix : null;
}

export function ipv4PrefixMask(prefix: number): string {
  const v = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

const W6 = [0, 0, 0, 0, 0, 0, 0, 0];

/**
 * Fast canonical IPv6 for text[start..end) (no brackets): returns the input slice itself when it is
 * already inet_ntop's canonical text (the usual case for ipvsadm output), the canonical text when it
 * is a valid but non-canonical address, or null when it is not IPv6. Hand-written: no regex, no split.
 */
export function canonicalIPv6At(text: string, start: number, end: number): string | null {
  let i = start, n = 0, dbl = -1, canonical = true;
  if (end - start < 2 || end - start > 45) return null;
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return null;
    dbl = 0;
    i += 2;
  }
  while (i < end) {
    const gs = i;
    let v = 0;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) { d = c - 55; canonical = false; }
      else break;
      v = v * 16 + d;
    }
    const len = i - gs;
    if (len === 0 || len > 4) {
      if (len === 0 || text.charCodeAt(i) !== 46) return null;
    }
    if (i < end && text.charCodeAt(i) === 46) {
      // dotted IPv4 tail: rare, take the general path
      const w = parseIPv6(text.slice(start, end));
      return w ? formatIPv6(w) : null;
    }
    if (len > 1 && text.charCodeAt(gs) === 48) canonical = false;
    if (n >= 8) return null;
    W6[n++] = v;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return null;
    i++;
    if (i < end && text.charCodeAt(i) === 58) {
      if (dbl !== -1) return null;
      dbl = n;
      i++;
    } else if (i === end) return null;
  }
  if (dbl === -1) {
    if (n !== 8) return null;
  } else {
    if (n > 7) return null;
    const gap = 8 - n;
    for (let k = n - 1; k >= dbl; k--) W6[k + gap] = W6[k] as number;
    for (let k = dbl; k < dbl + gap; k++) W6[k] = 0;
  }
  if (canonical) {
    // canonical already when the "::" written is the one inet_ntop would write, and no dotted tail is due
    const run = zeroRun(W6);
    if (!dottedTail(W6, run) && (dbl === -1 ? run === 0 : run === dbl * 16 + (8 - n))) return text.slice(start, end);
  }
  return formatIPv6(W6);
}
