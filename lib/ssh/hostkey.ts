import crypto from "node:crypto";
import { Client } from "ssh2";
import { SshError } from "./errors";

/** `SHA256:` + unpadded base64 of the SHA-256 of the raw public key blob, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintOf(rawKey: Buffer): string {
  return "SHA256:" + crypto.createHash("sha256").update(rawKey).digest("base64").replace(/=+$/, "");
}

/** The key type written at the start of an SSH public key blob (e.g. `ssh-ed25519`). */
export function algorithmOf(rawKey: Buffer): string {
  if (rawKey.length < 4) return "unknown";
  const n = rawKey.readUInt32BE(0);
  if (n <= 0 || n > 64 || rawKey.length < 4 + n) return "unknown";
  return rawKey.subarray(4, 4 + n).toString("ascii");
}

/** The host-key signature algorithms that prove possession of a key of this type. */
export function serverHostKeyAlgorithms(keyType: string): string[] {
  return keyType === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [keyType];
}

const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;
export function isFingerprint(s: string): boolean {
  return FINGERPRINT_RE.test(s);
}

export interface PresentedHostKey {
  fingerprint: string;
  algorithm: string;
}

/**
 * Trust on first use, made explicit: connects, records the host key the server presents, and hangs up
 * before authenticating (no credential is sent). The operator compares the fingerprint and trusts it.
 */
export function fetchHostKey(host: string, port = 22, timeoutMs = 10_000): Promise<PresentedHostKey> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let seen: PresentedHostKey | null = null;
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      c.removeAllListeners();
      c.on("error", () => {});
      c.end();
      fn();
    };
    const timer = setTimeout(() => done(() => reject(new SshError("timeout", `no SSH answer from ${host}:${port} within ${timeoutMs} ms`, { target: `${host}:${port}`, phase: "connect" }))), timeoutMs);
    c.on("error", (err: Error & { code?: string }) => {
      if (seen) return done(() => resolve(seen!));
      done(() => reject(new SshError("unreachable", `cannot reach ${host}:${port}: ${err.code ?? err.message}`, { target: `${host}:${port}`, phase: "connect" }, { cause: err })));
    });
    c.on("close", () => {
      if (seen) done(() => resolve(seen!));
    });
    c.connect({
      host,
      port,
      username: "lvs-panel-hostkey-probe",
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seen = { fingerprint: fingerprintOf(key), algorithm: algorithmOf(key) };
        return false; // refuse: we only wanted the key
      },
    });
  });
}
