import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "@/lib/errors";
import { generateKeyPair, publicKeyFingerprint, publicKeyFromPrivate } from "@/lib/data/ssh-keys";

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

describe("the key list's fingerprint", () => {
  it("is what ssh-keygen -lf prints for the same public key (real OpenSSH)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lvsp-fp-"));
    try {
      for (const comment of ["lvs-panel:a", "lvs-panel:b"]) {
        const { publicKey } = generateKeyPair(comment);
        writeFileSync(path.join(dir, "k.pub"), publicKey + "\n");
        const printed = execFileSync("ssh-keygen", ["-lf", path.join(dir, "k.pub")], { encoding: "utf8" }).split(" ")[1];
        expect(printed).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
        expect(publicKeyFingerprint(publicKey)).toBe(printed);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("is null for text that is not a public key line", () => {
    expect(publicKeyFingerprint("not a key")).toBeNull();
    expect(publicKeyFingerprint("")).toBeNull();
  });
});
