// Checks a script the panel sends to a host the way that host's /bin/sh will see it: `dash -n`
// (Debian's /bin/sh parses it) and `shellcheck -s sh` (POSIX only: no bash-isms dash would reject
// or misread). A missing dash or shellcheck throws (the test fails; it never skips): `npm test`
// installs both (scripts/test.sh's apt list).
import { spawnSync } from "node:child_process";

function run(cmd: string, args: string[], input: string): { status: number; out: string } {
  const r = spawnSync(cmd, args, { input, encoding: "utf8" });
  if (r.error) throw new Error(`${cmd} cannot run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): install it (apt-get install ${cmd === "dash" ? "dash" : "shellcheck"})`);
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
}

/** Every problem dash and shellcheck find in a POSIX sh script ([] when clean). */
export function lintPosix(text: string): string[] {
  const problems: string[] = [];
  const d = run("dash", ["-n"], text);
  if (d.status !== 0) problems.push(`dash -n: ${d.out || `exit ${d.status}`}`);
  const s = run("shellcheck", ["-s", "sh", "-f", "gcc", "-"], text);
  if (s.status !== 0) problems.push(`shellcheck -s sh:\n${s.out}`);
  return problems;
}

/** The same for a program the panel runs with `bash` explicitly (after checking bash exists). */
export function lintBash(text: string): string[] {
  const problems: string[] = [];
  const b = run("bash", ["-n"], text);
  if (b.status !== 0) problems.push(`bash -n: ${b.out || `exit ${b.status}`}`);
  const s = run("shellcheck", ["-s", "bash", "-f", "gcc", "-"], text);
  if (s.status !== 0) problems.push(`shellcheck -s bash:\n${s.out}`);
  return problems;
}
