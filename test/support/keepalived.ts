// The real keepalived (Debian's package; npm test installs it), for `keepalived --config-test`.
// A missing binary throws: the tests that need it fail, they never skip.
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const DEFAULT_DIRS = [...(process.env.PATH ?? "").split(":").filter(Boolean), "/usr/sbin", "/sbin"];

/** The keepalived executable in `dirs`; throws when there is none. */
export function keepalivedBinary(dirs: readonly string[] = DEFAULT_DIRS): string {
  for (const d of dirs) {
    const p = path.join(d, "keepalived");
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  throw new Error(`keepalived not found in ${dirs.join(":")}: install Debian's keepalived package (npm test does: scripts/test.sh)`);
}

/** Runs `keepalived --config-test` on `files` (name → text; the first is the main file). */
export function configTest(files: Record<string, string>, bin = keepalivedBinary()): { code: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "lvs-keepalived-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    const main = path.join(dir, Object.keys(files)[0]!);
    const r = spawnSync(bin, ["--config-test", "-f", main], { encoding: "utf8", timeout: 30_000 });
    if (r.error) throw r.error;
    return { code: r.status, output: `${r.stdout}${r.stderr}`.split(dir + "/").join("").trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
