import { describe, expect, it } from "vitest";
import { clientAddressOf, normalizeAddress, parseTrustedProxies, signClientAddress, throttleBucket, verifiedClientAddress } from "./client-address";

describe("client address for login throttling", () => {
  const none = parseTrustedProxies(undefined);
  const proxy = parseTrustedProxies("10.0.0.5, fd00::/8");

  it("ignores X-Forwarded-For unless the peer is a trusted proxy", () => {
    expect(clientAddressOf("203.0.113.7", "198.51.100.1", none)).toBe("203.0.113.7");
    expect(clientAddressOf("203.0.113.7", "198.51.100.1", proxy)).toBe("203.0.113.7");
    expect(clientAddressOf("10.0.0.5", "198.51.100.1", proxy)).toBe("198.51.100.1");
  });

  it("takes the entry the trusted proxy appended, not the first one a client wrote", () => {
    // client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real peer
    expect(clientAddressOf("10.0.0.5", "1.2.3.4, 198.51.100.9", proxy)).toBe("198.51.100.9");
    expect(clientAddressOf("10.0.0.5", ["1.2.3.4", "198.51.100.9"], proxy)).toBe("198.51.100.9");
    // through two trusted hops
    expect(clientAddressOf("fd00::1", "1.2.3.4, 198.51.100.9, 10.0.0.5", proxy)).toBe("198.51.100.9");
    // garbage stops the walk at the last address a proxy vouched for
    expect(clientAddressOf("10.0.0.5", "1.2.3.4, not-an-ip", proxy)).toBe("10.0.0.5");
  });

  it("reads IPv4-mapped peers as IPv4 and matches CIDR ranges", () => {
    expect(normalizeAddress("::ffff:10.0.0.5")).toBe("10.0.0.5");
    expect(clientAddressOf("::ffff:10.0.0.5", "192.0.2.1", proxy)).toBe("192.0.2.1");
    expect(clientAddressOf("::1", "192.0.2.1", parseTrustedProxies("loopback"))).toBe("192.0.2.1");
    expect(clientAddressOf("127.0.0.1", "192.0.2.1", parseTrustedProxies("127.0.0.0/8"))).toBe("192.0.2.1");
    expect(clientAddressOf("128.0.0.1", "192.0.2.1", parseTrustedProxies("127.0.0.0/8"))).toBe("128.0.0.1");
    expect(clientAddressOf(undefined, "192.0.2.1", proxy)).toBe("unknown");
  });

  it("refuses a TRUSTED_PROXIES entry it cannot read", () => {
    expect(() => parseTrustedProxies("10.0.0.0/33")).toThrow('"10.0.0.0/33" is not an address or CIDR range');
    expect(() => parseTrustedProxies("proxy.example")).toThrow("not an address");
  });

  it("buckets IPv6 by /64", () => {
    expect(throttleBucket("fd78:9::1")).toBe("fd78:9::/64");
    expect(throttleBucket("fd78:9:0:0:ffff::2")).toBe("fd78:9::/64");
    expect(throttleBucket("fd78:9:0:1::2")).toBe("fd78:9:0:1::/64");
    expect(throttleBucket("192.0.2.1")).toBe("192.0.2.1");
  });

  it("believes only a header signed with the panel's secret", () => {
    const v = signClientAddress("192.0.2.1", "s3cret");
    expect(verifiedClientAddress(v, "s3cret")).toBe("192.0.2.1");
    expect(verifiedClientAddress(v, "other")).toBeNull();
    expect(verifiedClientAddress(v.replace("192.0.2.1", "192.0.2.2"), "s3cret")).toBeNull();
    expect(verifiedClientAddress("192.0.2.1", "s3cret")).toBeNull();
    expect(verifiedClientAddress(undefined, "s3cret")).toBeNull();
  });
});
