import type { ClusterHealth } from "@/lib/console/health";

const TONE = {
  ok: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100",
  warning: "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
  error: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100",
  unknown: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
} as const;

export function HealthBadge({ health }: { health: Pick<ClusterHealth, "level" | "summary" | "at"> | null | undefined }) {
  if (!health) return <span className={`badge ${TONE.unknown}`} title="Open the cluster's Health tab to probe it">not probed</span>;
  return <span className={`badge ${TONE[health.level]}`} data-health={health.level} title={`probed ${health.at}`}>{health.summary}</span>;
}
