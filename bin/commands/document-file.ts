// A cluster document or a keepalived.conf read from a file, for lvs convert, diff, apply -f and import:
// problems (and notes) printed on stderr as FILE:LINE, the document or null.
import path from "node:path";
import { readDocument, type ClusterDocument, type DocumentFormat } from "../../lib/declarative";
import { formatItem, previewKeepalived, type PreviewKind } from "../../lib/keepalived";
import { fsReader } from "./fs-reader";
import { UsageError, type Io } from "./io";

/** The YAML or JSON document in FILE (`format` may decide from the text), or null after its errors. */
export async function readDocumentFile(
  file: string, format: DocumentFormat | ((text: string) => DocumentFormat), io: Io, opts: { quiet?: boolean } = {},
): Promise<ClusterDocument | null> {
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const r = readDocument(text, typeof format === "function" ? format(text) : format);
  if (!r.ok) {
    for (const e of r.errors) io.err(`${file}:${e.line ?? "?"}: ${e.path ? `${e.path}: ` : ""}${e.message}\n`);
    return null;
  }
  if (!opts.quiet) for (const n of r.notices) io.err(`${file}: note: ${n.path}: ${n.message}\n`);
  return r.document;
}

/**
 * keepalived.conf in FILE (includes relative to it) as a document, printing the items `shows` picks
 * (FILE:LINE, include files relative to the working directory); `refused` counts what has no equivalent.
 */
export function readKeepalivedFile(file: string, io: Io, shows: (kind: PreviewKind) => boolean): { document: ClusterDocument | null; refused: number } {
  const abs = path.resolve(file);
  let r;
  try {
    r = previewKeepalived(abs, fsReader);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const shown = (p: string) => (p === abs ? file : path.relative(process.cwd(), p) || p);
  for (const i of r.items) if (shows(i.kind)) io.err(`${formatItem({ ...i, file: shown(i.file), also: i.also?.map((a) => ({ ...a, file: shown(a.file) })) })}\n`);
  return { document: r.ok ? r.document : null, refused: r.items.filter((i) => i.kind === "refused").length };
}
