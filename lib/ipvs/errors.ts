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

export type IpvsadmErrorCode =
  | "no-ipvs"
  | "service-exists"
  | "no-such-service"
  | "service-not-defined"
  | "destination-exists"
  | "no-such-destination"
  | "scheduler-not-found"
  | "out-of-range"
  | "invalid-operation"
  | "usage"
  | "unknown";

const KERNEL_MESSAGES: Array<[string, IpvsadmErrorCode]> = [
  ["Can't initialize ipvs", "no-ipvs"],
  ["Service already exists", "service-exists"],
  ["No such service", "no-such-service"],
  ["Service not defined", "service-not-defined"],
  ["Destination already exists", "destination-exists"],
  ["No such destination", "no-such-destination"],
  ["Scheduler or persistence engine not found", "scheduler-not-found"],
  ["Numerical result out of range", "out-of-range"],
  ["Invalid operation", "invalid-operation"],
];

/**
 * Classifies a failed ipvsadm run by exit status and stderr (real messages, see fixtures/errors.txt).
 * Exit 2 is a command-line rejection ("usage") unless IPVS is missing; 255 and 1 carry kernel messages.
 */
export function classifyIpvsadmError(exitCode: number, stderr: string): { code: IpvsadmErrorCode; message: string } {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("modprobe:"));
  const message = lines[0] ?? `ipvsadm exited with status ${exitCode}`;
  for (const [needle, code] of KERNEL_MESSAGES) if (stderr.includes(needle)) return { code, message };
  if (exitCode === 2 || message.startsWith("Try `ipvsadm -h'")) return { code: "usage", message };
  return { code: "unknown", message };
}
