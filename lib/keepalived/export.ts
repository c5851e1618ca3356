// The cluster document as a file in one of the export formats (the API's GET document and the panel's
// Export menu): its text and media type, or what keepalived cannot express.
import { writeDocument, type ClusterDocument } from "@/lib/declarative";
import { renderKeepalived, type ExportNote } from "./render";

export const EXPORT_FORMATS = ["yaml", "json", "keepalived"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type ExportFile =
  | { ok: true; text: string; type: string; ext: string }
  | { ok: false; refused: ExportNote[] };

export function exportDocument(doc: ClusterDocument, format: ExportFormat, opts: { full?: boolean } = {}): ExportFile {
  if (format === "yaml") return { ok: true, text: writeDocument(doc, "yaml", opts), type: "application/yaml", ext: "yaml" };
  if (format === "json") return { ok: true, text: writeDocument(doc, "json", opts), type: "application/json", ext: "json" };
  const r = renderKeepalived(doc);
  return r.ok ? { ok: true, text: r.text, type: "text/plain", ext: "keepalived.conf" } : { ok: false, refused: r.notes.filter((n) => n.kind === "refused") };
}

export const isExportFormat = (f: string): f is ExportFormat => (EXPORT_FORMATS as readonly string[]).includes(f);
