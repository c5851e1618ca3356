// The one shell-quoting function. POSIX single quotes: everything between them is literal, and a
// single quote is written as '\'' (close, escaped quote, reopen). Works in sh, dash, bash and busybox.

/** Quotes one word for a POSIX shell. NUL cannot be passed through argv, so it is refused. */
export function shQuote(word: string): string {
  if (word.includes("\0")) throw new TypeError("a shell word cannot contain NUL");
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quotes and joins an argv into one command line. */
export function shJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError("empty command");
  return argv.map(shQuote).join(" ");
}

/** The panel's sudo helper on a host (lib/ssh/helper.ts); used instead of plain sudo where installed. */
export const HELPER_BIN = "/usr/local/sbin/lvs-panel-helper";

/**
 * The text `script` hands to `sh -c`: the body, preceded by `SUDO=...` when it uses $SUDO: empty for
 * root; otherwise `sudo -n HELPER` where the helper is installed, else `sudo -n`. Pure, so the unit
 * tests check exactly what a host runs (dash -n, shellcheck).
 */
export function scriptText(username: string, body: string): string {
  if (!body.includes("SUDO")) return body;
  if (username === "root") return `SUDO=''\n${body}`;
  return `if [ -x ${HELPER_BIN} ]; then SUDO='sudo -n ${HELPER_BIN}'; else SUDO='sudo -n'; fi\n${body}`;
}

/** An argv run as root by a non-root user: through the helper where it is installed, else plain sudo. */
export function sudoArgv(argv: readonly string[]): string[] {
  return ["sh", "-c", `if [ -x ${HELPER_BIN} ]; then exec sudo -n ${HELPER_BIN} "$@"; fi; exec sudo -n -- "$@"`, "sh", ...argv];
}
