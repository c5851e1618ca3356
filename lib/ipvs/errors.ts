// Typed errors of the pure core, and a classifier for the real ipvsadm's failures.

/** Input a parser cannot read. `message` starts with "line N: " and quotes the line. */
export class IpvsParseError extends Error {
  override readonly name = "IpvsParseError";
  constructor(
    /** 1-based line number */
    readonly line: number,
    /** the offending line, as given */
    readonly text: string,
    /** what is wrong, without the line prefix */
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}: ${JSON.stringify(text)}`);
  }
}

/** Two reads of the same table disagree (e.g. -S -n and -Ln --thresholds raced with a change): read again. */
export class TableMismatchError extends Error {
  override readonly name = "TableMismatchError";
  constructor(readonly differences: string[]) {
    super(`the two listings disagree: ${differences.join("; ")}`);
  }
}
