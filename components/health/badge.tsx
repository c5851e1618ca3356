import type { ClusterHealth } from "@/lib/live/cluster-health-types";

const TONE = {
  ok: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100",
  warning: "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
  error: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100",
  unknown: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
} as const;

export function HealthBadge({ health }: { health: (Pick<ClusterHealth, "level" | "summary" | "at"> & { details?: string[] }) | null | undefined }) {
  if (!health) return <span className={`badge ${TONE.unknown}`} data-health="unknown" title="The worker has not reported on this cluster yet">not probed</span>;
  const title = [health.at ? `as of ${health.at.slice(0, 19).replace("T", " ")} UTC` : "", ...(health.details ?? [])].filter(Boolean).join("\n");
  return <span className={`badge ${TONE[health.level]}`} data-health={health.level} title={title}>{health.summary}</span>;
}
