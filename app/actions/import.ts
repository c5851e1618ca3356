"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { documentOfTable, readDocument, withPanelSettings, writeDocument, type ClusterDocument, type DiffLine } from "@/lib/declarative";
import { DocumentInvalid, documentOf, previewDocument, storeDocument } from "@/lib/data/cluster-document";
import { db } from "@/lib/db";
import { importKeepalived, memoryReader, parseConfig, type PreviewItem } from "@/lib/keepalived";
import { readKernelTable } from "@/lib/operations/cluster";

export interface ImportPreview {
  ok: boolean;
  /** keepalived.conf: each directive mapped / mapped with a note / refused, with its line */
  items: Array<Pick<PreviewItem, "kind" | "line" | "keyword" | "message">>;
  /** the document's errors (YAML/JSON), with the path and the line */
  errors: Array<{ line: number | null; path: string; message: string }>;
  notes: string[];
  /** what storing it would change in the desired state */
  changes: DiffLine[];
  /** the cluster's version the preview was made against (the confirm's If-Match) */
  version: number | null;
}
export type ImportState = FormState & { preview?: ImportPreview };

const FILE = "/keepalived.conf";
const importSchema = z.object({
  id: z.string().min(1),
  format: z.enum(["keepalived", "yaml", "json", "kernel"], { error: "must be keepalived, yaml, json or kernel" }),
  text: z.string().max(20_000_000, "is too large (20 MB at most)").default(""),
  confirm: z.literal("1").optional(),
  version: z.string().regex(/^\d{0,9}$/).optional(),
});

/** The document the form's input makes, or why not (each refusal with its line or path). */
async function documentOfInput(input: z.output<typeof importSchema>): Promise<{ doc: ClusterDocument | null; preview: ImportPreview }> {
  const preview: ImportPreview = { ok: false, items: [], errors: [], notes: [], changes: [], version: null };
  if (input.format === "kernel") {
    const prisma = await db();
    const { result, notes } = documentOfTable(await readKernelTable(prisma, input.id));
    preview.notes = [...notes, "Health checks, sorry servers and descriptions are kept from the panel (the kernel holds none); draining real servers come back as weight 0."];
    if (!result.ok) preview.errors = result.errors.map((e) => ({ line: null, path: e.path, message: e.message }));
    const current = await documentOf(prisma, input.id);
    return { doc: result.ok ? (current ? withPanelSettings(result.document, current.document) : result.document) : null, preview };
  }
  if (!input.text.trim()) {
    preview.errors = [{ line: null, path: "", message: "paste or upload a file first" }];
    return { doc: null, preview };
  }
  if (input.format === "keepalived") {
    const r = importKeepalived(parseConfig(FILE, memoryReader({ [FILE]: input.text })));
    preview.items = r.items.map((i) => ({ kind: i.kind, line: i.line, keyword: i.keyword, message: i.message }));
    return { doc: r.ok ? r.document : null, preview };
  }
  const r = readDocument(input.text, input.format);
  if (!r.ok) preview.errors = r.errors.map((e) => ({ line: e.line, path: e.path ?? "", message: e.message }));
  else preview.notes = r.notices.map((n) => `${n.path}: ${n.message}`);
  return { doc: r.ok ? r.document : null, preview };
}

/**
 * Import into a cluster: keepalived.conf, the YAML/JSON document, or what the director's kernel holds.
 * Without confirm: the preview (nothing stored). With confirm: stored as one new version (the same
 * checks; refused when the cluster changed since the preview), then the plan.
 */
export async function importAction(_prev: ImportState, form: FormData): Promise<ImportState> {
  const r = await formAction("edit", importSchema, form, async (input, user) => {
    const prisma = await db();
    const { doc, preview } = await documentOfInput(input);
    const cluster = await prisma.cluster.findUniqueOrThrow({ where: { id: input.id }, select: { name: true } });
    let named: ClusterDocument | null = null;
    if (doc) {
      named = { ...doc, cluster: { ...(doc.cluster ?? {}), name: cluster.name } };
      try {
        const p = await previewDocument(prisma, input.id, named);
        preview.changes = p.changes;
        preview.version = p.version;
      } catch (e) {
        if (!(e instanceof DocumentInvalid)) throw e;
        preview.errors = e.errors.map((x) => ({ line: null, path: x.path, message: x.message }));
        named = null;
      }
    }
    preview.ok = !!named && !preview.items.some((i) => i.kind === "refused");
    // the kernel's state is shown as the document it makes, so the confirm stores exactly what was previewed
    const values = input.format === "kernel" && named
      ? { format: "json", text: writeDocument(named, "json") } : { format: input.format, text: input.text };
    if (!input.confirm || !preview.ok || !named) return { id: input.id, preview, values, stored: null };
    const ifVersion = input.version ? Number(input.version) : undefined;
    const s = await storeDocument(prisma, input.id, named, user.email, "import", { ifVersion });
    return { id: input.id, preview, values, stored: s };
  });
  if (!r.ok || !r.result) return r;
  const { id, preview, values, stored } = r.result;
  if (stored) {
    revalidatePath(`/clusters/${id}`);
    redirect(`/clusters/${id}/plan?${stored.changed ? `imported=${stored.clusterVersion}` : "imported=0"}`);
  }
  return { ok: preview.ok, preview, values, message: preview.ok ? "Preview: nothing is stored until you confirm." : "This cannot be imported as it is: see below." };
}
