import { describe, expect, it } from "vitest";
import { shJoin, shQuote } from "./quote";
import { fingerprintOf, algorithmOf, isFingerprint, serverHostKeyAlgorithms } from "./hostkey";
import { PrivateKey } from "./secret";
import { SshError, classifyFailure } from "./errors";
import { inspect } from "node:util";

describe("shQuote", () => {
  it("leaves plain words alone and single-quotes everything else", () => {
    expect(shQuote("ipvsadm")).toBe("ipvsadm");
    expect(shQuote("10.0.0.1:80")).toBe("10.0.0.1:80");
    expect(shQuote("")).toBe("''");
    expect(shQuote("a b")).toBe("'a b'");
    expect(shQuote("$(x)")).toBe("'$(x)'");
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
    expect(shQuote("a\nb")).toBe("'a\nb'");
  });
  it("refuses NUL and empty commands", () => {
    expect(() => shQuote("a\0b")).toThrow(TypeError);
    expect(() => shJoin([])).toThrow(TypeError);
  });
});

describe("host key helpers", () => {
  it("formats fingerprints like ssh-keygen and reads the key type", () => {
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from("ssh-ed25519"), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]);
    expect(algorithmOf(blob)).toBe("ssh-ed25519");
    const fp = fingerprintOf(blob);
    expect(isFingerprint(fp)).toBe(true);
    expect(fp).not.toContain("=");
    expect(serverHostKeyAlgorithms("ssh-rsa")).toContain("rsa-sha2-512");
  });
});

describe("errors and secrets", () => {
  it("classifies sudo refusals and missing IPVS", () => {
    expect(classifyFailure({ exitCode: 1, stdout: "", stderr: "sudo: a password is required\n" })).toBe("permission-denied");
    expect(classifyFailure({ exitCode: 2, stdout: "", stderr: "Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n" })).toBe("ipvs-unavailable");
    expect(classifyFailure({ exitCode: 255, stdout: "", stderr: "Service already exists\n" })).toBe("command-failed");
    expect(new SshError("timeout", "x").toJSON()).toMatchObject({ code: "timeout", hint: expect.any(String) });
  });
  it("PrivateKey never prints its material", () => {
    const k = new PrivateKey("-----BEGIN OPENSSH PRIVATE KEY-----\nsecretstuff\n");
    for (const s of [String(k), JSON.stringify({ k }), inspect({ k })]) expect(s).not.toContain("secretstuff");
    expect(k.reveal().privateKey).toContain("secretstuff");
  });
});
