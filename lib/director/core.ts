// The IPVS logic the director operations need, behind one small port, so the apply op is the same
// whichever core plans it. `ipvsCore` is the panel's core, on lib/ipvs (model, parsers, planner);
// lib/health plugs its own planner into the same port.
import {
  destKey, diffTables, mergeThresholds, parseList, parseSave, planReport, serviceKey, stepArgs, stepCommand, validateTable,
  TableMismatchError, type Conflict, type Draining, type Listing, type Notice, type Step, type Table,
} from "@/lib/ipvs";

export interface PlannedStep {
  /** ipvsadm arguments, without `ipvsadm` itself. */
  argv: string[];
  /** One line for people and for ApplyStep.command. */
  text: string;
  /** Deletes a service or a real server (connections may be dropped). */
  disruptive: boolean;
  /** Why, in words the UI can show (lib/ipvs cores). */
  reason?: string;
  /** The lib/ipvs step it was rendered from (lib/ipvs cores). */
  step?: Step;
}

/** What one read of the director's kernel printed (all in the same exec). */
export interface ActualRead {
  /** `ipvsadm -S -n` */
  save: string;
  /** `ipvsadm -Ln --thresholds` ("" = not read: thresholds are then unknown) */
  thresholds: string;
  /** `ipvsadm -Ln --stats --exact`, when counters were asked for */
  stats?: string;
}

export interface IpvsCore<Desired> {
  /** Validates the desired state (throws before any command is built when it is not acceptable). */
  validate(input: unknown): Desired;
  /** Steps that turn the actual table into the desired state, touching only what it manages. */
  plan(desired: Desired, actual: ActualRead): PlannedStep[];
  /** Differences between the desired state and a table read back; [] means converged. */
  verify(desired: Desired, actual: ActualRead): string[];
  /** Things an operator should know that are not differences (graceful drains still waiting, ...). */
  notes?(desired: Desired, actual: ActualRead): string[];
}

export class InvalidDesired extends Error {
  readonly issues: Array<{ path: string; message: string }>;
  constructor(issues: Array<{ path: string; message: string }> | string) {
    const list = typeof issues === "string" ? [{ path: "", message: issues }] : issues;
    super(`refused before any command: ${list.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`);
    this.name = "InvalidDesired";
    this.issues = list;
  }
}

// ---------------------------------------------------------------------------------------------
// ipvsCore: desired = a validated lib/ipvs Table + the services the panel owns.

/** What `ipvsCore.validate` accepts: a table (`{ services }`), or the table with ownership and options. */
export interface DirectorDesiredInput {
  table: unknown;
  /** serviceKeys ("TCP 10.0.0.1:80", "FWM 3") the panel owns; default: the desired services' keys. */
  owned?: readonly string[];
  /** take over existing, unowned services that are desired */
  adopt?: boolean;
  /** delete services that are neither desired nor owned */
  prune?: boolean;
  /** remove by weight 0 first; delete once ActiveConn (from `-Ln --thresholds`) is 0 */
  graceful?: boolean;
}

export interface DirectorDesired {
  table: Table;
  owned: string[];
  adopt: boolean;
  prune: boolean;
  graceful: boolean;
  /** What validation changed (e.g. the DR port rule), for the UI. */
  notices: Notice[];
}

const KEY = /^(?:(?:TCP|UDP|SCTP) (?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]{2,45}\]):\d{1,5}|FWM \d{1,10}(?: IPv6)?)$/;
const MAX_SERVICES = 10_000;

function isPlainTable(x: unknown): boolean {
  return typeof x === "object" && x !== null && "services" in x && !("table" in x);
}

/** The actual table: `-S -n` merged with `-Ln --thresholds` (the save format loses -x/-y). */
export function readTable(actual: ActualRead): { table: Table; thresholdsKnown: boolean; listing: Listing | null } {
  const save = parseSave(actual.save);
  if (!actual.thresholds.trim()) return { table: save, thresholdsKnown: false, listing: null };
  const listing = parseList(actual.thresholds, ["thresholds"]);
  return { table: mergeThresholds(save, listing), thresholdsKnown: true, listing };
}

/** The services a run of this desired state may look at: desired ∪ owned (∪ everything with prune). */
function scope(d: DirectorDesired, actual: Table): Table {
  if (d.prune) return actual;
  const keys = new Set([...d.owned, ...d.table.services.map((s) => serviceKey(s))]);
  return { services: actual.services.filter((s) => keys.has(serviceKey(s))) };
}

export interface CorePlan {
  steps: PlannedStep[];
  conflicts: Conflict[];
  draining: Draining[];
}

/** planReport on the actual read, rendered to argv; exported for the CLI's dry run and tests. */
export function planDirector(d: DirectorDesired, actual: ActualRead): CorePlan {
  return planOn(d, readTable(actual));
}

type Read = ReturnType<typeof readTable>;

function planOn(d: DirectorDesired, { table, listing }: Read): CorePlan {
  const r = planReport(d.table, table, { owned: d.owned, adopt: d.adopt, prune: d.prune, graceful: d.graceful, ...(listing ? { connections: listing } : {}) });
  return {
    steps: r.steps.map((s) => ({ argv: stepArgs(s), text: stepCommand(s), disruptive: s.disruptive || s.op.startsWith("delete-"), reason: s.reason, step: s })),
    conflicts: r.conflicts,
    draining: r.draining,
  };
}

/** Differences in words, over the services this desired state covers. Graceful drains in progress are not differences. */
export function differences(d: DirectorDesired, actual: ActualRead): string[] {
  const read = readOrMismatch(actual);
  return typeof read === "string" ? [read] : differencesIn(d, read);
}

/** readTable, or the difference to report when the two reads disagree. */
function readOrMismatch(actual: ActualRead): Read | string {
  try {
    return readTable(actual);
  } catch (e) {
    if (e instanceof TableMismatchError) return `the table changed between the two reads (${e.message}): read it again`;
    throw e;
  }
}

function differencesIn(d: DirectorDesired, read: Read): string[] {
  const diff = diffTables(d.table, scope(d, read.table));
  const out: string[] = [];
  for (const s of diff.missing) out.push(`service ${serviceKey(s)} is missing`);
  for (const s of diff.unexpected) {
    if (d.graceful && s.destinations.length > 0 && s.destinations.every((x) => x.weight === 0)) continue; // draining
    out.push(`service ${serviceKey(s)} should not be there`);
  }
  const byKey = new Map(read.table.services.map((s) => [serviceKey(s), s]));
  for (const s of diff.different) {
    if (s.fields.length) out.push(`service ${s.key}: ${s.fields.join(", ")} differ`);
    for (const k of s.missing) out.push(`service ${s.key}: real server ${k} is missing`);
    for (const k of s.unexpected) {
      const x = byKey.get(s.key)?.destinations.find((y) => destKey(y) === k);
      if (d.graceful && x?.weight === 0) continue; // draining
      out.push(`service ${s.key}: real server ${k} should not be there`);
    }
    for (const x of s.different) {
      const f = read.thresholdsKnown ? x.fields : x.fields.filter((n) => n !== "upperThreshold" && n !== "lowerThreshold");
      if (f.length) out.push(`service ${s.key}: real server ${x.key}: ${f.join(", ")} differ`);
    }
  }
  return out;
}

export const ipvsCore: IpvsCore<DirectorDesired> = {
  validate(input) {
    const i = (isPlainTable(input) ? { table: input } : input) as Partial<DirectorDesiredInput> | null;
    if (typeof i !== "object" || i === null) throw new InvalidDesired("the desired state must be a table ({ services: [...] }) or { table, owned?, adopt?, prune?, graceful? }");
    const extra = Object.keys(i).filter((k) => !["table", "owned", "adopt", "prune", "graceful"].includes(k));
    if (extra.length) throw new InvalidDesired(extra.map((k) => ({ path: k.slice(0, 40), message: "is not a desired-state field" })));
    const v = validateTable(i.table);
    if (!v.ok) throw new InvalidDesired(v.errors.slice(0, 50).map((e) => ({ path: e.path ? `table.${e.path}` : "table", message: e.message })));
    if (v.value.services.length > MAX_SERVICES) throw new InvalidDesired([{ path: "table.services", message: `at most ${MAX_SERVICES} services` }]);
    const owned = i.owned ?? v.value.services.map((s) => serviceKey(s));
    if (!Array.isArray(owned) || owned.length > MAX_SERVICES) throw new InvalidDesired([{ path: "owned", message: `must be a list of at most ${MAX_SERVICES} service keys` }]);
    owned.forEach((k, n) => {
      if (typeof k !== "string" || !KEY.test(k)) throw new InvalidDesired([{ path: `owned.${n}`, message: 'must be a service key like "TCP 10.0.0.1:80" or "FWM 3"' }]);
    });
    for (const f of ["adopt", "prune", "graceful"] as const) if (i[f] !== undefined && typeof i[f] !== "boolean") throw new InvalidDesired([{ path: f, message: "must be true or false" }]);
    return { table: v.value, owned: [...owned], adopt: !!i.adopt, prune: !!i.prune, graceful: !!i.graceful, notices: v.notices };
  },
  plan(desired, actual) {
    return planDirector(desired, actual).steps;
  },
  verify(desired, actual) {
    const read = readOrMismatch(actual);
    if (typeof read === "string") return [read];
    const diffs = differencesIn(desired, read);
    const conflicts: Conflict[] = planOn(desired, read).conflicts;
    return [...diffs.filter((x) => !conflicts.some((c) => x.startsWith(`service ${c.key}:`))), ...conflicts.map((c) => c.reason)];
  },
  notes(desired, actual) {
    if (!desired.graceful) return [];
    try {
      const p = planDirector(desired, actual);
      return [
        ...p.draining.map((d) => `${d.service}${d.destination ? ` -> ${d.destination}` : ""} is draining (weight 0, ${d.activeConns ?? "unknown"} active connections)`),
        ...p.steps.map((s) => `apply again: ${s.text} (${s.reason ?? ""})`),
      ];
    } catch {
      return [];
    }
  },
};
