// The document as YAML or JSON text: read (syntax errors and path errors with their line) and write.
import { isNode, LineCounter, parseDocument, stringify, type Document } from "yaml";
import { compactDocument } from "./compact";
import type { ClusterDocument } from "./schema";
import { validateDocument, type DocumentError, type DocumentResult, type PathPart } from "./validate";

export type DocumentFormat = "yaml" | "json";
export interface TextError extends Partial<DocumentError> { line: number | null; message: string }
export type TextResult = { ok: true; document: ClusterDocument; notices: { path: string; message: string }[] } | { ok: false; errors: TextError[] };

/** Parses YAML or JSON text into a validated document; every error has a line when one is known. */
export function readDocument(text: string, format: DocumentFormat): TextResult {
  if (format === "json") {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { ok: false, errors: [{ line: jsonErrorLine(text, e as Error), message: `not JSON: ${(e as Error).message}` }] };
    }
    const r = validateDocument(value);
    // lines only on the error path: JSON is YAML 1.2, so the YAML parser can locate them
    return r.ok ? r : withLines(r, text);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) return { ok: false, errors: doc.errors.map((e) => ({ line: lc.linePos(e.pos[0]).line, message: `not YAML: ${e.message.split("\n")[0]}` })) };
  const r = validateDocument(doc.toJS({ maxAliasCount: 100 }));
  return r.ok ? r : located(r, doc, lc);
}

function withLines(r: Extract<DocumentResult, { ok: false }>, text: string): TextResult {
  const lc = new LineCounter();
  return located(r, parseDocument(text, { lineCounter: lc }), lc);
}

function located(r: Extract<DocumentResult, { ok: false }>, doc: Document, lc: LineCounter): TextResult {
  return { ok: false, errors: r.errors.map((e) => ({ ...e, line: lineOf(doc, lc, e.parts) })) };
}

/** The line of the deepest node on the path that exists (a missing field: its parent's line). */
function lineOf(doc: Document, lc: LineCounter, parts: PathPart[]): number | null {
  for (let n = parts.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(parts.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return null;
}

function jsonErrorLine(text: string, e: Error): number | null {
  const m = /position (\d+)/.exec(e.message);
  if (m) return text.slice(0, Number(m[1])).split("\n").length;
  // V8 does not always say where: the YAML parser (JSON is YAML 1.2) usually can
  const lc = new LineCounter();
  const err = parseDocument(text, { lineCounter: lc }).errors[0];
  return err ? lc.linePos(err.pos[0]).line : null;
}

/**
 * The document as text: JSON (2-space indent) or YAML (block style), newline-terminated; without the
 * values the schema fills in anyway unless `full` (reading either gives the same document).
 */
export function writeDocument(doc: ClusterDocument, format: DocumentFormat, opts: { full?: boolean } = {}): string {
  const value = opts.full ? doc : compactDocument(doc);
  return format === "json" ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}
