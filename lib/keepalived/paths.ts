// POSIX path helpers and glob matching, written out so lib/keepalived stays pure (browser-safe too).
import type { ConfigReader } from "./parse";

export function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? (p.startsWith("/") ? "/" : ".") : p.slice(0, i);
}

/** Joins and normalises ("a/./b/../c" → "a/c"); an absolute `rel` wins. */
export function joinPath(base: string, rel: string): string {
  const full = rel.startsWith("/") ? rel : `${base}/${rel}`;
  const out: string[] = [];
  for (const part of full.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `${full.startsWith("/") ? "/" : ""}${out.join("/")}`;
}

/** One path segment's glob (*, ?, [abc], [!a-z]) as a RegExp; `*` never crosses "/". */
export function globSegment(seg: string): RegExp {
  let re = "";
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = seg.indexOf("]", i + 2);
      if (close === -1) { re += "\\["; continue; }
      let body = seg.slice(i + 1, close);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, "\\\\")}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** True when absolute `path` matches absolute glob `pattern`, segment by segment. */
export function globMatch(pattern: string, path: string): boolean {
  const ps = pattern.split("/"), xs = path.split("/");
  return ps.length === xs.length && ps.every((p, i) => globSegment(p).test(xs[i]!));
}

/** A reader over files held in memory (a paste with its includes, tests): path → text. */
export function memoryReader(files: Record<string, string>): ConfigReader {
  return {
    read(path) {
      const t = files[path];
      if (t === undefined) throw new Error("no such file");
      return t;
    },
    glob: (pattern) => Object.keys(files).filter((f) => globMatch(pattern, f)).sort(),
  };
}
