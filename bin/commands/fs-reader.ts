// The ConfigReader over the real file system (CLI, tests): reads files, expands globs segment by segment.
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { ConfigReader } from "../../lib/keepalived/parse";
import { globSegment } from "../../lib/keepalived/paths";

export const fsReader: ConfigReader = {
  read: (p) => readFileSync(p, "utf8"),
  glob(pattern) {
    let found = ["/"];
    for (const seg of pattern.split("/").filter(Boolean)) {
      const next: string[] = [];
      for (const dir of found) {
        if (!/[*?[]/.test(seg)) { next.push(`${dir === "/" ? "" : dir}/${seg}`); continue; }
        let names: string[] = [];
        try { names = readdirSync(dir); } catch { continue; }
        const re = globSegment(seg);
        for (const n of names.sort()) if (re.test(n) && !n.startsWith(".")) next.push(`${dir === "/" ? "" : dir}/${n}`);
      }
      found = next;
    }
    return found.filter((f) => { try { return statSync(f).isFile(); } catch { return false; } }).sort();
  },
};
