// Reads a committed fixture (tests only).
import { readFileSync } from "node:fs";
import path from "node:path";

export const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");

export function fx(name: string): string {
  return readFileSync(path.join(FIXTURES, name), "utf8");
}

/** errors.txt as records: the command, exit status, stdout, stderr. */
export function errorFixtures(): Array<{ command: string; exit: number; stdout: string; stderr: string }> {
  return fx("errors.txt").split(/^### /m).filter(Boolean).map((block) => {
    const m = /^(.*)\nexit (\d+)\n--- stdout\n([\s\S]*?)--- stderr\n([\s\S]*)$/.exec(block);
    if (!m) throw new Error(`bad errors.txt block: ${block.slice(0, 80)}`);
    return { command: m[1] as string, exit: Number(m[2]), stdout: m[3] as string, stderr: m[4] as string };
  });
}
