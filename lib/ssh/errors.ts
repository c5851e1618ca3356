// The SSH layer's small, fixed failure vocabulary (after Cockpit's): the UI maps each code to a sentence.
export const SSH_ERROR_CODES = [
  "authentication-failed",
  "host-key-unknown",
  "host-key-changed",
  "unreachable",
  "timeout",
  "permission-denied",
  "command-failed",
  "ipvs-unavailable",
] as const;
export type SshErrorCode = (typeof SSH_ERROR_CODES)[number];

/** What an operator should read for each code (the message adds the specifics). */
export const SSH_ERROR_HINTS: Record<SshErrorCode, string> = {
  "authentication-failed": "The host refused the panel's SSH key for this user. Check the key in the user's authorized_keys.",
  "host-key-unknown": "The host's key has not been trusted yet. Compare the fingerprint with `ssh-keygen -lf` on the host, then trust it.",
  "host-key-changed": "The host presented a different key than the one pinned. This can be a reinstalled host or an attack; an admin must re-trust it.",
  unreachable: "The host could not be reached over SSH (refused, no route, or the connection was lost).",
  timeout: "The host did not answer in time.",
  "permission-denied": "sudo refused to run the command without a password. Add the panel's sudoers lines (see lib/ssh/README.md).",
  "command-failed": "The command ran and failed; see its output.",
  "ipvs-unavailable": "The kernel has no IPVS (ipvsadm: Protocol not available). Load ip_vs or use a kernel built with it.",
};

export interface SshErrorDetails {
  /** user@host:port, never credentials. */
  target?: string;
  /** The command as sent (quoted), when the failure belongs to one command. */
  command?: string;
  exitCode?: number | null;
  stdout?: string;
  stderr?: string;
  durationMs?: number;
  /** For host-key errors: what the host presented. */
  fingerprint?: string;
  algorithm?: string;
  /** For host-key-changed: what was pinned. */
  expectedFingerprint?: string;
  /** "connect" or "command" for timeouts and unreachable. */
  phase?: "connect" | "command";
}

export class SshError extends Error {
  readonly code: SshErrorCode;
  readonly details: SshErrorDetails;
  constructor(code: SshErrorCode, message: string, details: SshErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SshError";
    this.code = code;
    this.details = details;
  }
  get hint(): string {
    return SSH_ERROR_HINTS[this.code];
  }
  toJSON(): { code: SshErrorCode; message: string; hint: string } & SshErrorDetails {
    return { code: this.code, message: this.message, hint: this.hint, ...this.details };
  }
}

export function isSshError(e: unknown, code?: SshErrorCode): e is SshError {
  return e instanceof SshError && (code === undefined || e.code === code);
}

const SUDO_REFUSED = /^sudo: (a password is required|a terminal is required|.*is not in the sudoers file|.*not allowed to execute|sorry, you must have a tty)/m;
const IPVS_MISSING = /Can't initialize ipvs: Protocol not available|Protocol not available[\s\S]*IP Virtual Server/;

/** Classifies a finished command that did not exit as expected. */
export function classifyFailure(r: { exitCode: number | null; stderr: string; stdout: string }): SshErrorCode {
  const text = `${r.stderr}\n${r.stdout}`;
  if (SUDO_REFUSED.test(text)) return "permission-denied";
  if (IPVS_MISSING.test(text)) return "ipvs-unavailable";
  return "command-failed";
}

/** True when an ipvsadm output says the kernel has no IPVS. */
export function isIpvsUnavailable(exitCode: number | null, output: string): boolean {
  return exitCode === 2 && IPVS_MISSING.test(output);
}
