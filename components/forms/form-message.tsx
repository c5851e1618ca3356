import type { FormState } from "@/lib/action-state";

export function FormMessage({ state }: { state: FormState }) {
  if (!state.message) return null;
  const tone = state.ok
    ? "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
    : "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200";
  return <p role={state.ok ? "status" : "alert"} className={`rounded-md border px-3 py-2 text-sm ${tone}`}>{state.message}</p>;
}
