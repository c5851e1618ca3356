import "server-only";
// Config as code: the cluster's desired state as one declarative document (GET, PUT, diff), its
// versions and rollback, and the keepalived.conf import. The same lib functions as the panel's pages.
import { z } from "zod";
import { documentSchema, type ClusterDocument } from "@/lib/declarative";
import { DocumentInvalid, documentOf, previewDocument, storeDocument } from "@/lib/data/cluster-document";
import { getVersion, listVersions, rollbackTo } from "@/lib/data/cluster-versions";
import { diffDocuments } from "@/lib/declarative";
import { exportDocument, importKeepalived, isExportFormat, memoryReader, parseConfig } from "@/lib/keepalived";
import { planCluster } from "@/lib/operations/cluster";
import { BodyParser } from "./body";
import { json, MAX_DOCUMENT_BYTES, versionEtag, versionFromIfMatch } from "./http";
import { ApiProblem } from "./problem";
import { findCluster } from "./refs";
import type { Ctx, Route } from "./router";

const C = "/clusters/{cluster}";
const documentBody = new BodyParser({ schema: documentSchema });
export const keepalivedImportSchema = z.object({
  text: z.string({ error: "is required" }).min(1, "is required").max(20_000_000, "is too large"),
  /** shown in FILE:LINE of the preview */
  filename: z.string().max(200).default("keepalived.conf"),
  confirm: z.boolean().default(false),
});
const importBody = new BodyParser({ schema: keepalivedImportSchema });
const R_WRITE = { 401: "No or bad token", 403: "Role does not allow it", 404: "Not found", 412: "Changed since read", 422: "Validation failed" };

const cluster = (ctx: Ctx) => findCluster(ctx.prisma, ctx.params.cluster!);
const text = (body: string, type: string, etag?: string) =>
  new Response(body, { status: 200, headers: { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store", ...(etag ? { etag } : {}) } });

function versionParam(ctx: Ctx, name = "version"): number {
  const v = ctx.params[name] ?? "";
  if (!/^\d{1,9}$/.test(v)) throw new ApiProblem("not-found", `No version ${JSON.stringify(v.slice(0, 20))}.`);
  return Number(v);
}

/** Who stored it: `?source=cli` (or import) from the lvs command, else the API. */
function sourceOf(ctx: Ctx): "api" | "cli" | "import" {
  const s = ctx.url.searchParams.get("source");
  if (s === null || s === "api") return "api";
  if (s === "cli" || s === "import") return s;
  throw new ApiProblem("validation", "Query parameter source must be api, cli or import.", [{ field: "source", rule: "enum", message: "must be api, cli or import" }]);
}

/** DocumentInvalid as a validation problem whose fields are the document's paths. */
function documentProblem(e: unknown): never {
  if (e instanceof DocumentInvalid)
    throw new ApiProblem("validation", "The document is not valid.", e.errors.map((x) => ({ field: x.path, rule: "document", message: x.message })));
  throw e;
}

function exportAs(doc: ClusterDocument, format: string, etag: string, full: boolean): Response {
  if (!isExportFormat(format))
    throw new ApiProblem("validation", "format must be json, yaml or keepalived.", [{ field: "format", rule: "enum", message: "must be json, yaml or keepalived" }]);
  const r = exportDocument(doc, format, { full });
  if (!r.ok) {
    const fields = r.refused.map((n) => ({ field: n.path, rule: "keepalived", message: n.message }));
    throw new ApiProblem("conflict", "This cluster has settings keepalived cannot express.", fields);
  }
  return text(r.text, r.type, etag);
}

export const documentRoutes: Route[] = [
  {
    method: "GET", path: `${C}/document`, permission: "read", tag: "config as code",
    summary: "The cluster's desired state as one declarative document (JSON, YAML or keepalived.conf; ETag = the cluster's version)",
    description: "The document's JSON Schema is /schemas/cluster.schema.json. Without `full`, values the schema fills in anyway are left out.",
    query: [{ name: "format", description: "json (default), yaml or keepalived", schema: { type: "string", enum: ["json", "yaml", "keepalived"], default: "json" } },
      { name: "full", description: "write every default too", schema: { type: "boolean", default: false } }],
    responses: { 200: "OK", 404: "Not found", 409: "keepalived cannot express a setting" }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const d = (await documentOf(ctx.prisma, c.id))!;
      return exportAs(d.document, ctx.url.searchParams.get("format") ?? "json", versionEtag(d.version), /^(1|true)$/.test(ctx.url.searchParams.get("full") ?? ""));
    },
  },
  {
    method: "PUT", path: `${C}/document`, permission: "edit", tag: "config as code", body: documentBody, maxBodyBytes: MAX_DOCUMENT_BYTES, ifMatch: "optional",
    summary: "Make the desired state match the document (fewest changes, one transaction, a new version when anything changed; storing it again is a no-op)",
    description: "Errors name the document's path (`services[2].realServers[0].weight`) and change nothing. Nothing is pushed: POST …/apply does that.",
    query: [{ name: "source", description: "cli (or import) when sent by the lvs command", schema: { type: "string", enum: ["api", "cli", "import"] } }],
    responses: { 200: "Stored (or unchanged)", ...R_WRITE }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const ifVersion = ctx.ifMatch ? versionFromIfMatch(ctx.ifMatch, `cluster ${c.name}`, c.version) : undefined;
      const r = await storeDocument(ctx.prisma, c.id, ctx.body, ctx.caller.actor, sourceOf(ctx), { ifVersion }).catch(documentProblem);
      return json({ changed: r.changed, changes: r.changes, version: r.version, clusterVersion: r.clusterVersion }, 200, { etag: versionEtag(r.version) });
    },
  },
  {
    method: "POST", path: `${C}/document/diff`, permission: "read", tag: "config as code", body: documentBody, maxBodyBytes: MAX_DOCUMENT_BYTES,
    summary: "What storing the document would change in the desired state, and (plan=true) the commands the director would then run",
    query: [{ name: "plan", description: "also plan the document against the director (reads it over SSH)", schema: { type: "boolean", default: true } }],
    responses: { 200: "OK", 404: "Not found", 422: "Validation failed" }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const p = await previewDocument(ctx.prisma, c.id, ctx.body).catch(documentProblem);
      const plan = /^(0|false)$/.test(ctx.url.searchParams.get("plan") ?? "") ? null : await planCluster(ctx.prisma, c.id, { document: p.document });
      return json({ cluster: c.name, version: p.version, changes: p.changes, plan, planSteps: plan ? plan.reduce((n, h) => n + h.steps.length, 0) : null });
    },
  },
  {
    method: "GET", path: `${C}/versions`, permission: "read", tag: "config as code", summary: "The versions of the desired state, newest first, with the applies that pushed each",
    responses: { 200: "OK", 404: "Not found" }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const v = await listVersions(ctx.prisma, c.id);
      return json({ versions: v.map((x) => ({ ...x, createdAt: x.createdAt.toISOString(),
        applies: x.applies.map((a) => ({ id: a.id, outcome: a.outcome, verified: a.outcome === "succeeded", actor: a.actor, startedAt: a.startedAt.toISOString() })) })) });
    },
  },
  {
    method: "GET", path: `${C}/versions/{version}`, permission: "read", tag: "config as code",
    summary: "One version with its document; ?against=N adds the diff from version N",
    query: [{ name: "against", description: "another version number to diff against", schema: { type: "integer", minimum: 1 } }],
    responses: { 200: "OK", 404: "Not found" }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const v = await getVersion(ctx.prisma, c.id, versionParam(ctx));
      if (!v) throw new ApiProblem("not-found", `No version ${ctx.params.version} of cluster ${c.name}.`);
      const against = ctx.url.searchParams.get("against");
      let diff = null;
      if (against !== null) {
        const a = /^\d{1,9}$/.test(against) ? await getVersion(ctx.prisma, c.id, Number(against)) : null;
        if (!a) throw new ApiProblem("not-found", `No version ${against.slice(0, 20)} of cluster ${c.name}.`);
        diff = diffDocuments(a.document, v.document);
      }
      return json({ number: v.number, actor: v.actor, source: v.source, createdAt: v.createdAt.toISOString(), changes: v.changes, document: v.document, diff });
    },
  },
  {
    method: "POST", path: `${C}/versions/{version}/rollback`, permission: "edit", tag: "config as code", ifMatch: "optional",
    summary: "Roll back: store that version's desired state as a new version (nothing is pushed: plan, then apply)",
    responses: { 200: "Rolled back (or already that state)", ...R_WRITE }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const ifVersion = ctx.ifMatch ? versionFromIfMatch(ctx.ifMatch, `cluster ${c.name}`, c.version) : undefined;
      const n = versionParam(ctx);
      if (!(await getVersion(ctx.prisma, c.id, n))) throw new ApiProblem("not-found", `No version ${n} of cluster ${c.name}.`);
      const r = await rollbackTo(ctx.prisma, c.id, n, ctx.caller.actor, { ifVersion });
      return json({ changed: r.changed, changes: r.changes, version: r.version, clusterVersion: r.clusterVersion, rolledBackTo: n }, 200, { etag: versionEtag(r.version) });
    },
  },
  {
    method: "POST", path: `${C}/import/keepalived`, permission: "edit", tag: "config as code", body: importBody, maxBodyBytes: MAX_DOCUMENT_BYTES,
    summary: "Preview a keepalived.conf (mapped / mapped with a note / refused, with line numbers); with confirm=true and nothing refused, store it as a new version",
    description: "`include` cannot be resolved from a pasted text: use `lvs convert` offline, or paste the file with its includes inlined.",
    responses: { 200: "The preview (and the store's result with confirm)", ...R_WRITE }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const { text: conf, filename, confirm } = importBody.parse(ctx.body);
      const file = `/${filename.replace(/^\/+/, "")}`;
      const r = importKeepalived(parseConfig(file, memoryReader({ [file]: conf })));
      const items = r.items.map((i) => ({ ...i, file: i.file.replace(/^\//, "") }));
      const doc = { ...r.document, cluster: { ...(r.document.cluster ?? {}), name: c.name } };
      const preview = r.ok ? await previewDocument(ctx.prisma, c.id, doc).catch(documentProblem) : null;
      const out = { ok: r.ok, items, document: r.ok ? preview!.document : null, changes: preview?.changes ?? [], stored: null as unknown };
      if (confirm) {
        if (!r.ok) throw new ApiProblem("validation", "Nothing stored: some directives have no equivalent.", items.filter((i) => i.kind === "refused").map((i) => ({ field: `${i.file}:${i.line}`, rule: "keepalived", message: i.message })));
        const s = await storeDocument(ctx.prisma, c.id, doc, ctx.caller.actor, "import").catch(documentProblem);
        out.stored = { changed: s.changed, changes: s.changes, version: s.version, clusterVersion: s.clusterVersion };
      }
      return json(out);
    },
  },
];
