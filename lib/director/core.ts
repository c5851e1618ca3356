// The IPVS logic the director operations need, behind one small port, so the apply op is the same
// whichever core plans it. `lib/ipvs` (model, parsers, planner) is the intended implementation; until
// its API lands, `saveLinesCore` below works on `ipvsadm -S -n` lines directly.

export interface PlannedStep {
  /** ipvsadm arguments, without `ipvsadm` itself. */
  argv: string[];
  /** One line for people and for ApplyStep.command. */
  text: string;
  /** Deletes a service or a real server (connections may be dropped). */
  disruptive: boolean;
}

export interface IpvsCore<Desired> {
  /** Validates the desired state (throws before any command is built when it is not acceptable). */
  validate(input: unknown): Desired;
  /** Steps that turn `save` (+ thresholds) into the desired state, touching only what it manages. */
  plan(desired: Desired, actual: { save: string; thresholds: string }): PlannedStep[];
  /** Differences between the desired state and a table read back; [] means converged. */
  verify(desired: Desired, actual: { save: string; thresholds: string }): string[];
}

// ---------------------------------------------------------------------------------------------
// saveLinesCore: desired state = the `ipvsadm -S -n` lines of the managed services.

const SVC_FLAGS = new Set(["-t", "-u", "--sctp-service", "-f"]);
const TOKEN = /^[A-Za-z0-9.:[\]_,/-]{1,64}$/;
const ALLOWED = new Set(["-A", "-a", "-t", "-u", "--sctp-service", "-f", "-s", "-p", "-M", "-b", "--pe", "-o", "-r", "-g", "-i", "-m", "-w", "-x", "-y", "-6", "--tun-type", "--tun-port", "--tun-nocsum", "--tun-csum", "--tun-remcsum"]);

export class InvalidDesired extends Error {
  constructor(msg: string) {
    super(`refused before any command: ${msg}`);
    this.name = "InvalidDesired";
  }
}

interface Svc {
  key: string;
  line: string[];
  rs: Map<string, string[]>;
}
type Table = Map<string, Svc>;

function tokens(line: string): string[] {
  return line.trim().split(/\s+/).filter(Boolean);
}

function svcKeyOf(t: string[]): string {
  for (let i = 0; i < t.length - 1; i++) if (SVC_FLAGS.has(t[i]!)) return `${t[i]} ${t[i + 1]}`;
  throw new InvalidDesired(`no service address in: ${t.join(" ")}`);
}

function rsKeyOf(t: string[]): string {
  const i = t.indexOf("-r");
  if (i < 0 || !t[i + 1]) throw new InvalidDesired(`no real server in: ${t.join(" ")}`);
  return t[i + 1]!;
}

/** Parses `ipvsadm -S -n` output (or desired lines in the same format). */
export function parseSave(save: string, strict = false): Table {
  const table: Table = new Map();
  for (const raw of save.split("\n")) {
    if (!raw.trim()) continue;
    const t = tokens(raw);
    if (strict) {
      if (raw.length > 512) throw new InvalidDesired("line longer than 512 characters");
      for (const w of t) {
        if (w.startsWith("-") && !ALLOWED.has(w) && !/^-\d+$/.test(w)) throw new InvalidDesired(`option ${JSON.stringify(w.slice(0, 40))} is not allowed`);
        if (!TOKEN.test(w)) throw new InvalidDesired(`value ${JSON.stringify(w.slice(0, 40))} is not an ipvsadm value`);
      }
    }
    if (t[0] === "-A") {
      const key = svcKeyOf(t);
      table.set(key, { key, line: t.slice(1), rs: table.get(key)?.rs ?? new Map() });
    } else if (t[0] === "-a") {
      const key = svcKeyOf(t);
      let s = table.get(key);
      if (!s) {
        if (strict) throw new InvalidDesired(`real server before its service: ${t.join(" ")}`);
        s = { key, line: [], rs: new Map() };
        table.set(key, s);
      }
      s.rs.set(rsKeyOf(t), t.slice(1));
    } else if (strict) throw new InvalidDesired(`each line must start with -A or -a`);
  }
  return table;
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Thresholds (-x/-y) are not in `-S` output; this core leaves them alone. */
export const saveLinesCore: IpvsCore<Table> = {
  validate(input) {
    if (typeof input !== "string") throw new InvalidDesired("desired state must be ipvsadm -S -n lines");
    if (input.length > 256 * 1024) throw new InvalidDesired("desired state larger than 256 KiB");
    return parseSave(input, true);
  },
  plan(desired, actual) {
    const cur = parseSave(actual.save);
    const steps: PlannedStep[] = [];
    const step = (argv: string[], disruptive = false) => steps.push({ argv, text: `ipvsadm ${argv.join(" ")}`, disruptive });
    for (const s of desired.values()) {
      const have = cur.get(s.key);
      if (!have || have.line.length === 0) step(["-A", ...s.line]);
      else if (!same(have.line, s.line)) step(["-E", ...s.line]);
      for (const [rk, r] of s.rs) {
        const hr = have?.rs.get(rk);
        if (!hr) step(["-a", ...r]);
        else if (!same(hr, r)) step(["-e", ...r]);
      }
      for (const rk of have?.rs.keys() ?? []) if (!s.rs.has(rk)) step(["-d", ...s.key.split(" "), "-r", rk], true);
    }
    return steps;
  },
  verify(desired, actual) {
    const cur = parseSave(actual.save);
    const diffs: string[] = [];
    for (const s of desired.values()) {
      const have = cur.get(s.key);
      if (!have) {
        diffs.push(`service ${s.key} is missing`);
        continue;
      }
      if (!same(have.line, s.line)) diffs.push(`service ${s.key} is "${have.line.join(" ")}", wanted "${s.line.join(" ")}"`);
      for (const [rk, r] of s.rs) {
        const hr = have.rs.get(rk);
        if (!hr) diffs.push(`real server ${rk} of ${s.key} is missing`);
        else if (!same(hr, r)) diffs.push(`real server ${rk} of ${s.key} is "${hr.join(" ")}", wanted "${r.join(" ")}"`);
      }
      for (const rk of have.rs.keys()) if (!s.rs.has(rk)) diffs.push(`real server ${rk} of ${s.key} should not be there`);
    }
    return diffs;
  },
};
