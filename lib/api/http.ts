// Request plumbing for /api/v1: bounded body reading, JSON parsing, ETag / If-Match.
import crypto from "node:crypto";
import { ApiProblem } from "./problem";

/** Bodies are small JSON objects; anything bigger is refused before it is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;
/** A whole cluster's document (or keepalived.conf): 10,000 real servers are ~1.2 MB of JSON. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** Reads at most MAX_BODY_BYTES (413 beyond, whatever Content-Length claims). */
export async function readBody(req: Request, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit)
    throw new ApiProblem("payload-too-large", `The body is ${declared} bytes; the limit is ${limit} bytes.`);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new ApiProblem("payload-too-large", `The body exceeds the limit of ${limit} bytes.`);
    }
    chunks.push(value);
  }
  const buf = Buffer.concat(chunks);
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  try {
    return text.decode(buf);
  } catch {
    throw new ApiProblem("malformed-json", "The body is not valid UTF-8.");
  }
}

/** Parses a JSON object body (empty body → {}). Arrays, scalars and invalid JSON are refused. */
export function parseJsonObject(text: string, contentType: string | null): Record<string, unknown> {
  if (text.trim() === "") return {};
  const ct = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (ct !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(ct))
    throw new ApiProblem("unsupported-media-type", `Content-Type is ${ct ? `"${ct.slice(0, 100)}"` : "missing"}; send application/json.`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ApiProblem("malformed-json", `The body is not valid JSON: ${(e as Error).message.slice(0, 200)}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new ApiProblem("validation", "The body must be a JSON object.", [{ field: "", rule: "invalid_type:object", message: `must be a JSON object, not ${Array.isArray(v) ? "an array" : v === null ? "null" : typeof v}` }]);
  return v as Record<string, unknown>;
}

/** A strong ETag from a version column. */
export function versionEtag(version: number): string {
  return `"v${version}"`;
}

/** A strong ETag from a row's content, for resources without a version column. */
export function contentEtag(...parts: unknown[]): string {
  return `"h${crypto.createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 22)}"`;
}

/** The entity tags of an If-Match header; `*` → ["*"]; null when absent. Weak tags never match (RFC 9110). */
export function parseIfMatch(header: string | null): string[] | null {
  if (header === null) return null;
  const h = header.trim();
  if (h === "*") return ["*"];
  const tags = h.match(/(W\/)?"[^"]*"/g) ?? [];
  if (!tags.length) throw new ApiProblem("validation", "If-Match must be an entity tag as the ETag header gave it, e.g. \"v3\".", [{ field: "If-Match", rule: "format:etag", message: "must be a quoted entity tag" }]);
  return tags;
}

/** 412 unless `current` is among the If-Match tags. */
export function checkIfMatch(tags: string[] | null, current: string, what: string) {
  if (tags === null) return;
  if (tags.includes("*") || tags.includes(current)) return;
  throw new ApiProblem("precondition-failed", `${what} is now at ETag ${current}; you sent If-Match ${tags.join(", ")}. Read it again, then retry.`, [], { etag: current });
}

/** 428 without If-Match: every change through the API names the ETag it read. */
export function requireIfMatch(tags: string[] | null, what: string): asserts tags is string[] {
  if (tags === null) throw new ApiProblem("precondition-required", `Changing ${what} needs If-Match with the ETag you read (GET it first).`);
}

/** The version a `"vN"` If-Match names (for the service modules' optimistic `version` check). */
export function versionFromIfMatch(tags: string[] | null, what: string, current: number): number {
  requireIfMatch(tags, what);
  if (tags.includes("*")) return current;
  const m = tags.map((t) => /^"v(\d{1,9})"$/.exec(t)).find(Boolean);
  if (!m) throw new ApiProblem("precondition-failed", `If-Match ${tags.join(", ")} is not an ETag of ${what}.`);
  return Number(m[1]);
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store", ...headers } });
}
