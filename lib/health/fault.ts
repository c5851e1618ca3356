// The guard between the checker and the weights. A result with a `fault` (lib/health/script.ts: the
// check could not be made: bash, curl or /tmp missing on the director, the round script failed) says
// nothing about the real server: it moves no streak. A result with a `local` error (an errno of the
// checking host: no route of its own, no descriptors) counts as a failure on its own, since a router's
// "net unreachable" reads the same. A service whose every check of the round has one or the other is
// in CHECKER FAULT: reported loudly (event, webhook, log, health view) and none of its results count,
// because quiescing every member for a broken checker would take the service down while the servers are fine.
import type { CheckResult } from "./config";

export interface ServiceFault {
  vsId: string;
  /** The distinct fault texts, joined ("bash not found on the director: ..."). */
  reason: string;
  checks: number;
}

export interface Classified {
  /** Results that judge a real server: these feed rise/fall. */
  usable: CheckResult[];
  /** Results not counted (faults; and every result of a service in fault): never a failure, nor a success. */
  faulty: CheckResult[];
  /** Services whose every check this round was a fault. */
  faults: ServiceFault[];
  /** Services that had at least one usable result this round (a fault they were in is over). */
  working: string[];
}

/** Pure: splits a round's results by service into usable ones and checker faults. */
export function classifyRound(due: ReadonlyArray<{ spec: { id: string }; vsId: string }>, results: readonly CheckResult[]): Classified {
  const vsOf = new Map(due.map((p) => [p.spec.id, p.vsId]));
  const byVs = new Map<string, CheckResult[]>();
  for (const r of results) {
    const vs = vsOf.get(r.id);
    if (vs === undefined) continue;
    const list = byVs.get(vs) ?? [];
    list.push(r);
    byVs.set(vs, list);
  }
  const out: Classified = { usable: [], faulty: [], faults: [], working: [] };
  for (const [vsId, list] of byVs) {
    if (list.every((r) => r.fault !== undefined || r.local !== undefined)) {
      out.faulty.push(...list);
      out.faults.push({ vsId, reason: [...new Set(list.map((r) => (r.fault ?? r.local)!))].join("; "), checks: list.length });
      continue;
    }
    out.faulty.push(...list.filter((r) => r.fault !== undefined));
    out.usable.push(...list.filter((r) => r.fault === undefined));
    out.working.push(vsId);
  }
  return out;
}

/** The results a round gets when the director's script did not finish (the exec ran: not an unreachable director). */
export function unfinishedRound(ids: readonly string[], stderr: string, exitCode: number | null): CheckResult[] {
  const why = stderr.trim().split("\n")[0]?.slice(0, 300) || (exitCode !== null ? `exit status ${exitCode}` : "no output");
  const fault = `the round script did not finish on the director (${why})`;
  return ids.map((id) => ({ id, ok: false, latencyMs: null, message: `checker fault: ${fault}`, fault }));
}
