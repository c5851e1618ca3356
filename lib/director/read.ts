import type { SshPool, SshTarget } from "@/lib/ssh";
import { nonce, parseSections, sectionHelpers } from "./sections";

// The ONE read of a director's table for people (live view, cluster health, the kernel's traffic): ONE
// exec reads -Ln, -S -n and -Ln --thresholds, plus --stats --exact and/or --rate --exact when they are
// shown (each listing of a big table costs the director as much as the others: 0.5 s for 1,000
// services on the lab's emulated VM). Sections as every director script marks them (sections.ts).

/** Which counter listings to read besides the table itself (default: both). */
export interface Counters { stats: boolean; rate: boolean }
export const BOTH_COUNTERS: Counters = { stats: true, rate: true };

/** The director's table as ipvsadm prints it. */
export interface DirectorRead { list: string; stats: string; rate: string; save: string; thresholds: string; durationMs: number }

/** The listings a table read can ask for, each its own section of that name. */
export type Listing = "list" | "stats" | "rate" | "save" | "thresholds";
const LISTING_ARGS: Record<Listing, string> = {
  list: "-Ln", stats: "-Ln --stats --exact", rate: "-Ln --rate --exact", save: "-S -n",
  // -S loses -x/-y: thresholds come from their own listing, so threshold drift is real drift
  thresholds: "-Ln --thresholds",
};

/** The script lines (inside sectionHelpers) that read the listings asked for: the one way any script reads the table. */
export function listingLines(want: readonly Listing[]): string[] {
  return want.map((l) => `sec ${l}; $SUDO ipvsadm ${LISTING_ARGS[l]} 2>&1; rc $?`);
}

/** The read's script (POSIX sh), pure so the unit tests check its text. */
export function readDirectorScript(n: string, counters: Counters = BOTH_COUNTERS): string {
  const counted: Listing[] = [...(counters.stats ? ["stats" as const] : []), ...(counters.rate ? ["rate" as const] : [])];
  const want: Listing[] = ["list", ...counted, "save", "thresholds"];
  return [sectionHelpers(n), ...listingLines(want), `sec end`].join("\n");
}

export async function readDirector(pool: SshPool, target: SshTarget, counters: Counters = BOTH_COUNTERS): Promise<DirectorRead> {
  const n = nonce();
  const r = await pool.script(target, readDirectorScript(n, counters), [], { okExitCodes: "any", timeoutMs: 15_000 });
  const m = parseSections(r.stdout, n);
  if (!m.has("save") || !m.has("end")) throw new Error(`the director's answer is incomplete: ${r.stderr.trim().slice(0, 200)}`);
  const text = (name: string) => m.get(name)?.text ?? "";
  return {
    list: text("list"), stats: text("stats"), rate: text("rate"), save: text("save"), thresholds: text("thresholds"),
    durationMs: r.durationMs,
  };
}
