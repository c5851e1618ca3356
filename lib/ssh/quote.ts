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

/**
 * The text `script` hands to `sh -c`: the body, preceded by `SUDO=...` when it uses $SUDO (empty for
 * root, `sudo -n` otherwise). Pure, so the unit tests check exactly what a host runs (dash -n, shellcheck).
 */
export function scriptText(username: string, body: string): string {
  if (!body.includes("SUDO")) return body;
  return `SUDO=${shQuote(username === "root" ? "" : "sudo -n")}\n${body}`;
}
