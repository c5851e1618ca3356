import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

// Secrets the panel needs. The environment wins; otherwise they are generated once into
// .data/secrets.json (mode 0600) so the zero-configuration default still has stable secrets.
export type SecretName = "NEXTAUTH_SECRET" | "LVS_PANEL_KEY_SECRET";

export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.LVS_PANEL_DATA_DIR ?? path.join(process.cwd(), ".data"));
}

function secretsFile(): string {
  return path.join(dataDir(), "secrets.json");
}

function readFileSecrets(): Partial<Record<SecretName, string>> {
  try {
    return JSON.parse(fs.readFileSync(secretsFile(), "utf8"));
  } catch {
    return {};
  }
}

/** Returns the secret, generating and storing it on first use when the environment does not set it. */
export function getSecret(name: SecretName): string {
  const fromEnv = process.env[name];
  if (fromEnv) return fromEnv;
  const stored = readFileSecrets();
  const existing = stored[name];
  if (existing) return existing;
  const value = crypto.randomBytes(32).toString("base64url");
  const next = { ...stored, [name]: value };
  fs.mkdirSync(dataDir(), { recursive: true });
  const tmp = `${secretsFile()}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(next, null, 2) + "\n", { mode: 0o600 });
  fs.renameSync(tmp, secretsFile());
  // Another process may have won the race: re-read so everyone agrees on one value.
  return readFileSecrets()[name] ?? value;
}
