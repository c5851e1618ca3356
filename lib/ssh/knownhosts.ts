import crypto from "node:crypto";
import { algorithmOf, fingerprintOf, type PresentedHostKey } from "./hostkey";

/**
 * The pinned keys for host:port in an OpenSSH known_hosts text (plain or hashed `|1|salt|hash` names,
 * `[host]:port` for non-22 ports). `@revoked` lines and `@cert-authority` lines are not pins.
 */
export function knownHostKeys(text: string, host: string, port = 22): PresentedHostKey[] {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const out: PresentedHostKey[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("@")) continue;
    const [names, , blob] = line.split(/\s+/);
    if (!names || !blob) continue;
    if (!names.split(",").some((n) => matches(n, name))) continue;
    const key = Buffer.from(blob, "base64");
    out.push({ fingerprint: fingerprintOf(key), algorithm: algorithmOf(key) });
  }
  return out;
}

function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) {
    const [, , salt, hash] = pattern.split("|");
    if (!salt || !hash) return false;
    return crypto.createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  return pattern === name;
}
