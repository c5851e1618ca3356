import { describe, expect, it } from "vitest";
import { UserError } from "./errors";
import { generateKeyPair, publicKeyFromPrivate } from "./ssh-keys";

describe("SSH key material", () => {
  it("derives the same public key that generation produced", () => {
    const pair = generateKeyPair("lvs-panel:test");
    expect(pair.publicKey).toMatch(/^ssh-ed25519 AAAA[0-9A-Za-z+/]+=* lvs-panel:test$/);
    expect(publicKeyFromPrivate(pair.privateKey, "lvs-panel:test")).toBe(pair.publicKey);
  });
  it("refuses text that is not a private key, at the privateKey field", () => {
    try {
      publicKeyFromPrivate("hello", "c");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).fields.privateKey).toEqual(["is not an OpenSSH or PEM private key"]);
    }
  });
  it("refuses a public key pasted as a private key", () => {
    const pair = generateKeyPair("c");
    expect(() => publicKeyFromPrivate(pair.publicKey, "c")).toThrow(UserError);
  });
});
