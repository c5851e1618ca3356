// What a command may touch: stdin, stdout, stderr, files. Injected so commands are testable in-process.
import { readFile } from "node:fs/promises";

export interface Io {
  readStdin(): Promise<string>;
  readFile(path: string): Promise<string>;
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
  readFile: (p) => readFile(p, "utf8"),
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** A wrong invocation: exit status 2 with the usage text. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A verb group: `lvs <name> ...`. */
export interface Command {
  summary: string;
  usage: string;
  /** returns the exit status; throws UsageError for a wrong invocation */
  run(args: string[], io: Io): Promise<number>;
}

/**
 * Splits "--flag", "--opt VALUE" / "--opt=VALUE" and positionals; unknown options are usage errors.
 * An option may be given once, unless it is listed in `repeat` (--vip A --vip B): those are collected,
 * in order, in `repeated` (and never appear in `options`).
 */
export function parseArgs(
  args: string[],
  spec: { flags?: string[]; options?: string[]; repeat?: string[] },
): { flags: Set<string>; options: Map<string, string>; repeated: Map<string, string[]>; positionals: string[] } {
  const flags = new Set<string>(), options = new Map<string, string>(), repeated = new Map<string, string[]>(), positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith("--") || a === "--") { positionals.push(a); continue; }
    const eq = a.indexOf("=");
    const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
    const repeats = spec.repeat?.includes(name) ?? false;
    if (spec.flags?.includes(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
    } else if (repeats || spec.options?.includes(name)) {
      const v = eq !== -1 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || v === "") throw new UsageError(`--${name} needs a value`);
      if (repeats) repeated.set(name, [...(repeated.get(name) ?? []), v]);
      else if (options.has(name)) throw new UsageError(`--${name} given twice`);
      else options.set(name, v);
    } else throw new UsageError(`unknown option ${a}`);
  }
  return { flags, options, repeated, positionals };
}
