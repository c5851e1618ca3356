// The preview an import produces: every directive accounted for, each with its FILE:LINE.
import type { Statement } from "./parse";

/**
 * mapped: one-to-one; noted: mapped with a note (e.g. retry → fall) or harmless and not carried;
 * refused: no equivalent (the import fails); pending: not yet mapped (ha_suspend).
 */
export type PreviewKind = "mapped" | "noted" | "refused" | "pending";

export interface PreviewItem {
  kind: PreviewKind;
  file: string;
  line: number;
  /** the directive, e.g. "lb_algo" */
  keyword: string;
  message: string;
  /** the same note at other lines (one per real server), merged into this item */
  also?: Array<{ file: string; line: number }>;
}

/** Collects items; one instance per import. */
export class Items {
  readonly list: PreviewItem[] = [];
  add(kind: PreviewKind, st: Pick<Statement, "file" | "line" | "keyword">, message: string) {
    this.list.push({ kind, file: st.file, line: st.line, keyword: st.keyword, message });
  }
  mapped(st: Pick<Statement, "file" | "line" | "keyword">, message: string) { this.add("mapped", st, message); }
  noted(st: Pick<Statement, "file" | "line" | "keyword">, message: string) { this.add("noted", st, message); }
  refused(st: Pick<Statement, "file" | "line" | "keyword">, message: string) { this.add("refused", st, message); }
  /** Keeps the first of identical notes added since `from` (the same note on every real server of a service). */
  dedupeNotes(from: number) {
    const seen = new Map<string, PreviewItem>();
    let w = from;
    for (let r = from; r < this.list.length; r++) {
      const i = this.list[r]!;
      const k = i.kind === "noted" ? `${i.keyword}\0${i.message}` : null;
      const first = k === null ? undefined : seen.get(k);
      if (first) { if (first.file !== i.file || first.line !== i.line) (first.also ??= []).push({ file: i.file, line: i.line }); continue; }
      if (k !== null) seen.set(k, i);
      this.list[w++] = i;
    }
    this.list.length = w;
  }
}

/** "FILE:LINE: kind: keyword: message", the CLI's stderr line. */
export function formatItem(i: PreviewItem): string {
  const what = i.kind === "refused" ? "no equivalent" : i.kind === "pending" ? "not yet mapped" : i.kind === "noted" ? "note" : "mapped";
  const also = i.also?.length ? ` (also at line${i.also.length > 1 ? "s" : ""} ${i.also.slice(0, 5).map((a) => (a.file === i.file ? a.line : `${a.file}:${a.line}`)).join(", ")}${i.also.length > 5 ? ` and ${i.also.length - 5} more` : ""})` : "";
  return `${i.file}:${i.line}: ${what}: ${i.keyword}: ${i.message}${also}`;
}

// ---- values: keepalived's number and <TIMER>/<BOOL> syntax; each refuses on a bad value

export function uint(st: Statement, items: Items, text: string | undefined, what: string): number | undefined {
  if (text !== undefined && /^\d{1,15}$/.test(text)) return Number(text);
  items.refused(st, `${what} must be a whole number (got ${text === undefined ? "nothing" : JSON.stringify(text)})`);
  return undefined;
}

/** <TIMER>: seconds, fractions allowed → milliseconds. */
export function timerMs(st: Statement, items: Items, text: string | undefined): number | undefined {
  if (text !== undefined && /^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  items.refused(st, `${st.keyword} must be a time in seconds (got ${text === undefined ? "nothing" : JSON.stringify(text)})`);
  return undefined;
}

const TRUE = ["on", "true", "yes"], FALSE = ["off", "false", "no"];
/** <BOOL> after a keyword; the keyword alone means true. */
export function bool(st: Statement, items: Items): boolean | undefined {
  const v = st.args[0]?.toLowerCase();
  if (v === undefined || TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  items.refused(st, `${st.keyword} takes on|off|true|false|yes|no (got ${JSON.stringify(st.args[0])})`);
  return undefined;
}
