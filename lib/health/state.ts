// Rise/fall, as keepalived users know them: a server that is up goes down after `fall` consecutive
// failures; a server that is down comes back after `rise` consecutive successes. A server never
// checked yet ("unknown") is treated as up by the table (the checker does not touch it) and becomes
// up on its first success or down after `fall` failures. Pure.

export type { HealthStatus } from "@/lib/ipvs/health-plan";
import type { HealthStatus } from "@/lib/ipvs/health-plan";

export interface Streak {
  status: HealthStatus;
  /** consecutive successes of the current streak */
  successes: number;
  /** consecutive failures of the current streak */
  failures: number;
}

export interface StepOutcome {
  next: Streak;
  /** set when the status changed */
  changed: { from: HealthStatus; to: HealthStatus } | null;
}

export function nextStreak(cur: Streak, ok: boolean, rise: number, fall: number): StepOutcome {
  const successes = ok ? Math.min(cur.successes + 1, 1_000_000) : 0;
  const failures = ok ? 0 : Math.min(cur.failures + 1, 1_000_000);
  let status = cur.status;
  if (status === "unknown") {
    if (ok) status = "up";
    else if (failures >= fall) status = "down";
  } else if (status === "up" && !ok && failures >= fall) status = "down";
  else if (status === "down" && ok && successes >= rise) status = "up";
  return { next: { status, successes, failures }, changed: status === cur.status ? null : { from: cur.status, to: status } };
}

/** Transitions that are news (webhooks, events): up <-> down. unknown -> up is the first verdict, not news. */
export function isNews(c: StepOutcome["changed"]): boolean {
  return !!c && !(c.from === "unknown" && c.to === "up");
}
