import type { PrivateKey } from "./secret";

/** Everything needed to reach one host. Built from a Host row (+ its decrypted SshKey) or the CLI. */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
  key: PrivateKey;
  /** The pinned host key (`SHA256:...`); null = not trusted yet, and nothing will run. */
  hostKeyFingerprint: string | null;
  /** The pinned key's type (`ssh-ed25519`, ...), so the server is asked for that key and no other. */
  hostKeyAlgorithm?: string | null;
}

export interface ExecResult {
  exitCode: number | null;
  /** Set when the remote process died of a signal. */
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** user@host:port: how targets are named in errors and logs (never with credentials). */
export function targetLabel(t: Pick<SshTarget, "host" | "port" | "username">): string {
  const h = t.host.includes(":") ? `[${t.host}]` : t.host;
  return `${t.username}@${h}:${t.port}`;
}
