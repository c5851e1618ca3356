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

/** The read's script (POSIX sh), pure so the unit tests check its text. */
export function readDirectorScript(n: string, counters: Counters = BOTH_COUNTERS): string {
  return [
    sectionHelpers(n),
    `sec list; $SUDO ipvsadm -Ln 2>&1`,
    ...(counters.stats ? [`sec stats; $SUDO ipvsadm -Ln --stats --exact 2>&1`] : []),
    ...(counters.rate ? [`sec rate; $SUDO ipvsadm -Ln --rate --exact 2>&1`] : []),
    `sec save; $SUDO ipvsadm -S -n 2>&1`,
    // -S loses -x/-y: thresholds come from their own listing, so threshold drift is real drift
    `sec thresholds; $SUDO ipvsadm -Ln --thresholds 2>&1`,
    `sec end`,
  ].join("\n");
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
