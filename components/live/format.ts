/** The event the live table's ARP panel listens to: the hosts just prepared, undone or probed (components/apply/prepare-buttons). */
export const PROBES_EVENT = "lvsp:real-server-probes";

/** 1234567 → "1.2M" (exact value goes in the title). */
export function human(n: number | undefined | null, unit = ""): string {
  if (n === undefined || n === null) return "";
  const abs = Math.abs(n);
  const steps: Array<[number, string]> = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "K"]];
  for (const [v, s] of steps) if (abs >= v) return `${(n / v).toFixed(abs / v >= 100 ? 0 : 1)}${s}${unit}`;
  return `${n}${unit}`;
}
