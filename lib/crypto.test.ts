import { describe, expect, it } from "vitest";
import { decryptSecret, DecryptError, encryptSecret } from "./crypto";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";

describe("SSH key encryption at rest", () => {
  it("round-trips and never stores the plaintext", () => {
    const sealed = encryptSecret(KEY, "secret-a");
    expect(sealed.startsWith("v1:")).toBe(true);
    expect(sealed).not.toContain("OPENSSH");
    expect(decryptSecret(sealed, "secret-a")).toBe(KEY);
  });

  it("uses a fresh IV each time", () => {
    expect(encryptSecret(KEY, "s")).not.toBe(encryptSecret(KEY, "s"));
  });

  it("refuses the wrong key-encryption secret", () => {
    expect(() => decryptSecret(encryptSecret(KEY, "secret-a"), "secret-b")).toThrow(DecryptError);
  });

  it.each([
    ["ciphertext", 3], ["tag", 2], ["iv", 1],
  ])("detects tampering with the %s", (_part, index) => {
    const parts = encryptSecret(KEY, "s").split(":");
    const raw = Buffer.from(parts[index]!, "base64url");
    raw[0] = raw[0]! ^ 0x01;
    parts[index] = raw.toString("base64url");
    expect(() => decryptSecret(parts.join(":"), "s")).toThrow(DecryptError);
  });

  it("refuses malformed blobs without leaking details", () => {
    for (const bad of ["", "v1", "v2:a:b:c", "v1:::", "plaintext"]) {
      expect(() => decryptSecret(bad, "s")).toThrow("cannot be decrypted");
    }
  });
});
