import crypto from "node:crypto";

// Several commands in one exec: each section is introduced by a marker line carrying a per-run nonce
// (so no command output can forge one) and closed by the section's exit status.

export interface Section {
  name: string;
  text: string;
  /** Exit status of the section's command; null when the script did not print one. */
  rc: number | null;
}

export function nonce(): string {
  return crypto.randomBytes(6).toString("hex");
}

/**
 * Shell helpers the scripts use: `sec NAME` opens a section, `rc $?` closes it. The sbin directories
 * join PATH: a non-root SSH session on Debian gets /usr/local/bin:/usr/bin:/bin:/usr/games, where
 * `command -v ipvsadm` (/usr/sbin) finds nothing; what runs as root goes through sudo (secure_path).
 */
export function sectionHelpers(n: string): string {
  return [`N=${n}`, 'case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH ;; esac',
    `sec() { printf '\\n@@%s %s\\n' "$N" "$1"; }`, `rc() { printf '\\n@@%s-rc %s\\n' "$N" "$1"; }`].join("\n");
}

export function parseSections(stdout: string, n: string): Map<string, Section> {
  const out = new Map<string, Section>();
  let cur: { name: string; lines: string[]; rc: number | null } | null = null;
  const close = () => {
    if (!cur) return;
    // drop the blank line the marker printf adds before each marker
    while (cur.lines.length && cur.lines[cur.lines.length - 1] === "") cur.lines.pop();
    const text = cur.lines.join("\n");
    out.set(cur.name, { name: cur.name, text: text ? text + "\n" : "", rc: cur.rc });
    cur = null;
  };
  for (const line of stdout.split("\n")) {
    if (line.startsWith(`@@${n}-rc `)) {
      if (cur) cur.rc = Number(line.slice(n.length + 6));
      continue;
    }
    if (line.startsWith(`@@${n} `)) {
      close();
      cur = { name: line.slice(n.length + 3).trim(), lines: [], rc: null };
      continue;
    }
    cur?.lines.push(line);
  }
  close();
  return out;
}
