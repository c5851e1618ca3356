import { describe, expect, it } from "vitest";
import { canonicalAddress, canonicalIPv6At, formatIPv6, hostPort, ipv4MaskPrefix, ipv4PrefixMask, isIPv4Mapped, parseIPv4, parseIPv6, parseUint, splitHostPort } from "./address";

describe("IPv4", () => {
  it.each(["10.0.0.1", "0.0.0.0", "255.255.255.255", "1.2.3.4"])("accepts %s", (a) => {
    expect(canonicalAddress(a)).toEqual({ family: "inet", address: a });
  });
  it.each(["10.0.0", "10.0.0.1.2", "256.1.1.1", "01.2.3.4", "1..2.3", "a.b.c.d", "1.2.3.4 ", "", "1.2.3.-4", "1234.1.1.1"])("refuses %j", (a) => {
    expect(canonicalAddress(a)).toBeNull();
  });
  it("parses bytes", () => expect(parseIPv4("10.77.0.100")).toEqual([10, 77, 0, 100]));
});

describe("IPv6 canonical text is glibc inet_ntop's (what ipvsadm prints)", () => {
  it.each([
    ["2001:DB8:0:0:0:0:0:ABCD", "2001:db8::abcd"],
    ["2001:db8::100", "2001:db8::100"],
    ["::", "::"],
    ["::1", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["fe80::", "fe80::"],
    ["fd00:77:0:0:1234:5678:9abc:def0", "fd00:77::1234:5678:9abc:def0"],
    ["2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"], // longest run wins
    ["2001:0:0:1:0:0:1:1", "2001::1:0:0:1:1"], // first of equal runs
    ["2001:db8:1:1:1:1:0:1", "2001:db8:1:1:1:1:0:1"], // a single zero group is not compressed
    ["::ffff:10.77.0.100", "::ffff:10.77.0.100"],
    ["::ffff:a4d:64", "::ffff:10.77.0.100"], // mapped keeps the dotted tail
    ["::1.2.3.4", "::1.2.3.4"], // IPv4-compatible too
    ["0001:0db8::0001", "1:db8::1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1::", "1::"],
  ])("%s → %s", (input, out) => {
    expect(canonicalAddress(input)).toEqual({ family: "inet6", address: out });
  });
  it.each(["1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", ":1::", "1:2:3:4:5:6:7::8", "::1.2.3", "fe80::1%eth0", "1:2:3:4:5:6:7:8::"])("refuses %j", (a) => {
    expect(canonicalAddress(a)).toBeNull();
  });
  it("formats groups", () => expect(formatIPv6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])).toBe("2001:db8::1"));
  it("parses a dotted tail", () => expect(parseIPv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]));
  it("knows IPv4-mapped", () => {
    expect(isIPv4Mapped("::ffff:10.0.0.1")).toBe(true);
    expect(isIPv4Mapped("::10.0.0.1")).toBe(false);
    expect(isIPv4Mapped("2001:db8::1")).toBe(false);
  });
});

describe("host:port", () => {
  it("formats like ipvsadm", () => {
    expect(hostPort("10.0.0.1", 80)).toBe("10.0.0.1:80");
    expect(hostPort("2001:db8::1", 0)).toBe("[2001:db8::1]:0");
  });
  it("splits", () => {
    expect(splitHostPort("10.0.0.1:80")).toEqual({ address: "10.0.0.1", port: 80 });
    expect(splitHostPort("[2001:db8::1]:443")).toEqual({ address: "2001:db8::1", port: 443 });
  });
  it.each(["10.0.0.1", "10.0.0.1:", "10.0.0.1:65536", "[2001:db8::1]", "[2001:db8::1]443", "2001:db8::1:80", "[10.0.0.1]:80", "10.0.0.1:8x"])("refuses %j", (t) => {
    expect(splitHostPort(t)).toBeNull();
  });
  it("parses unsigned integers strictly", () => {
    expect(parseUint("0")).toBe(0);
    expect(parseUint("2147483647")).toBe(2147483647);
    expect(parseUint("-1")).toBeNull();
    expect(parseUint("")).toBeNull();
    expect(parseUint("1e3")).toBeNull();
  });
});

describe("IPv4 masks", () => {
  it("contiguous masks have a prefix", () => {
    expect(ipv4MaskPrefix("255.255.255.0")).toBe(24);
    expect(ipv4MaskPrefix("0.0.0.0")).toBe(0);
    expect(ipv4MaskPrefix("255.255.255.255")).toBe(32);
    expect(ipv4MaskPrefix("0.0.0.24")).toBeNull(); // what ipvsadm makes of -M 24
    expect(ipv4MaskPrefix("255.0.255.0")).toBeNull();
  });
  it("prefix → mask", () => {
    expect(ipv4PrefixMask(24)).toBe("255.255.255.0");
    expect(ipv4PrefixMask(0)).toBe("0.0.0.0");
    expect(ipv4PrefixMask(32)).toBe("255.255.255.255");
    expect(ipv4PrefixMask(28)).toBe("255.255.255.240");
  });
});

describe("canonicalIPv6At (the parsers' fast path) agrees with the general parser", () => {
  const inputs = [
    "2001:db8::1", "2001:DB8::1", "2001:db8:0::1", "2001:0db8::1", "::", "::1", "1::", "fe80::", "1:2:3:4:5:6:7:8", "1:0:0:2:0:0:0:3",
    "1:0:0:0:2:0:0:3", "1::2:0:0:3", "1:0::2", "0:0:0:0:0:0:0:0", "::ffff:10.0.0.1", "::ffff:a00:1", "::a00:1", "::1.2.3.4", "2001:db8::abcd",
    "fd00:77::1234:5678:9abc:def0", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6::8", "0:1:0:1:0:1:0:1",
    "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", ":1::", "1:", ":", "1:2:3:4:5:6:7:8::", "::1.2.3", "1:2:3:4:5:6:7::8", "[::1]",
  ];
  it.each(inputs)("%s", (a) => {
    const want = canonicalAddress(a);
    const got = canonicalIPv6At(`x${a}y`, 1, a.length + 1);
    expect(got).toBe(want?.family === "inet6" ? want.address : null);
  });
  it("returns the input slice when it is already canonical", () => {
    expect(canonicalIPv6At("2001:db8::1", 0, 11)).toBe("2001:db8::1");
  });
  // Every pattern of zero and non-zero groups (and ffff in group 5, for the mapped tail), written in
  // full and with "::" on each zero run: both paths give the text of a reference written the slow way.
  it("every zero-group pattern, every way of writing it", () => {
    const reference = (w: number[]): string => {
      let base = -1, len = 0;
      for (let i = 0; i < 8; i++) {
        let j = i;
        while (j < 8 && w[j] === 0) j++;
        if (j - i >= 2 && j - i > len) { base = i; len = j - i; }
      }
      const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(":");
      if (base === 0 && (len === 6 || (len === 5 && w[5] === 0xffff))) {
        const a = w[6]!, b = w[7]!;
        return `::${len === 5 ? "ffff:" : ""}${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
      }
      return base === -1 ? hex(w) : `${hex(w.slice(0, base))}::${hex(w.slice(base + len))}`;
    };
    const wrong: string[] = [];
    let compressions = 0;
    for (let bits = 0; bits < 256; bits++) {
      for (const g5 of [0x12, 0xffff]) {
        const w = Array.from({ length: 8 }, (_, i) => ((bits >> i) & 1 ? (i === 5 ? g5 : 0x100 + i) : 0));
        const want = reference(w);
        const texts = [w.map((x) => x.toString(16)).join(":"), w.map((x) => x.toString(16).padStart(4, "0")).join(":")];
        for (let i = 0; i < 8; i++) {
          for (let j = i + 1; j <= 8; j++) {
            if (w.slice(i, j).some((x) => x !== 0)) break;
            const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(":");
            texts.push(`${hex(w.slice(0, i))}::${hex(w.slice(j))}`);
            compressions++;
          }
        }
        if (formatIPv6(w) !== want) wrong.push(`formatIPv6 ${w.join(",")}: ${formatIPv6(w)}, want ${want}`);
        for (const t of texts) {
          const got = canonicalIPv6At(` ${t} `, 1, t.length + 1);
          if (got !== want) wrong.push(`canonicalIPv6At ${t}: ${got}, want ${want}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(compressions).toBeGreaterThan(1000);
  });
});
