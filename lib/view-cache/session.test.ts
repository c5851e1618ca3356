import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { sessionToken, sessionUserId } from "./session";

const secret = "unit-test-secret";

describe("sessionToken", () => {
  it("finds the plain and the secure cookie", () => {
    expect(sessionToken("a=1; next-auth.session-token=abc; b=2")).toBe("abc");
    expect(sessionToken("__Secure-next-auth.session-token=xyz")).toBe("xyz");
  });
  it("joins next-auth's chunks in order", () => expect(sessionToken("next-auth.session-token.1=def; next-auth.session-token.0=abc")).toBe("abcdef"));
  it("is null without a session cookie", () => {
    expect(sessionToken(undefined)).toBeNull();
    expect(sessionToken("next-auth.csrf-token=zzz")).toBeNull();
    expect(sessionToken("next-auth.session-token=")).toBeNull();
  });
});

describe("sessionUserId (real next-auth JWE)", () => {
  it("returns the subject of a valid token, from memory the second time", async () => {
    const token = await encode({ token: { sub: "user-1", role: "admin" }, secret, maxAge: 3600 });
    expect(await sessionUserId(token, secret)).toBe("user-1");
    expect(await sessionUserId(token, secret)).toBe("user-1");
  });
  it("refuses a token made with another secret, a tampered one and garbage", async () => {
    const token = await encode({ token: { sub: "user-2" }, secret: "other", maxAge: 3600 });
    expect(await sessionUserId(token, secret)).toBeNull();
    const good = await encode({ token: { sub: "user-3" }, secret, maxAge: 3600 });
    const tampered = good.slice(0, -4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(await sessionUserId(tampered, secret)).toBeNull();
    expect(await sessionUserId("not-a-jwe", secret)).toBeNull();
  });
  it("refuses an expired token, also once it was remembered", async () => {
    const token = await encode({ token: { sub: "user-4" }, secret, maxAge: 60 });
    expect(await sessionUserId(token, secret)).toBe("user-4");
    expect(await sessionUserId(token, secret, Date.now() + 120_000)).toBeNull();
    const old = await encode({ token: { sub: "user-5" }, secret, maxAge: -120 });
    expect(await sessionUserId(old, secret)).toBeNull();
  });
  it("refuses a token without a subject", async () => {
    expect(await sessionUserId(await encode({ token: { role: "admin" }, secret, maxAge: 3600 }), secret)).toBeNull();
  });
});
