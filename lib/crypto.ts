import crypto from "node:crypto";
import { getSecret } from "./secrets";

// SSH private keys at rest: AES-256-GCM with a key derived from LVS_PANEL_KEY_SECRET.
// Format "v1:<iv>:<tag>:<ciphertext>" (base64url); the tag makes any tampering fail to decrypt.
const VERSION = "v1";

function keyFrom(secret: string): Buffer {
  return crypto.createHash("sha256").update(`lvs-panel/ssh-key/${secret}`).digest();
}

export class DecryptError extends Error {
  constructor() {
    super("stored secret cannot be decrypted (wrong key-encryption secret, or the data was altered)");
    this.name = "DecryptError";
  }
}

export function encryptSecret(plaintext: string, secret = getSecret("LVS_PANEL_KEY_SECRET")): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", keyFrom(secret), iv);
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(":");
}

export function decryptSecret(sealed: string, secret = getSecret("LVS_PANEL_KEY_SECRET")): string {
  const [version, iv, tag, ct] = sealed.split(":");
  if (version !== VERSION || !iv || !tag || ct === undefined) throw new DecryptError();
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", keyFrom(secret), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptError();
  }
}
