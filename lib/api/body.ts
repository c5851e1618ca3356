// JSON bodies against the SAME zod schemas the forms use. The form schemas take strings (FormData);
// the API accepts JSON numbers where the form takes digits, refuses unknown members, and checks JSON
// types first (so `"sshPort": true` is a wrong type, not a coerced 1).
import { z } from "zod";
import { ApiProblem, fieldProblems, zodProblems, type FieldProblem } from "./problem";

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[]; allOf?: JsonSchema[]; oneOf?: JsonSchema[]; pattern?: string; required?: string[]; enum?: unknown[]; [k: string]: unknown };

export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
}

function properties(s: JsonSchema): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = { ...(s.properties ?? {}) };
  for (const sub of [...(s.allOf ?? []), ...(s.anyOf ?? [])]) Object.assign(out, properties(sub));
  return out;
}

const DIGITS = "^\\d+$";
function alternatives(p: JsonSchema): JsonSchema[] {
  return p.anyOf ?? p.oneOf ?? [p];
}
/** Form fields that take a string of digits: the API also takes a JSON integer there. */
function takesDigits(p: JsonSchema): boolean {
  return alternatives(p).some((a) => a.type === "string" && a.pattern === DIGITS);
}
function jsonTypes(p: JsonSchema): Set<string> | null {
  const out = new Set<string>();
  for (const a of alternatives(p)) {
    if (a.type === undefined) {
      if (Array.isArray(a.enum)) { for (const e of a.enum) out.add(e === null ? "null" : typeof e); continue; }
      return null; // unconstrained
    }
    for (const t of Array.isArray(a.type) ? a.type : [a.type]) out.add(t);
  }
  if (takesDigits(p)) out.add("integer");
  return out;
}
function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}
function fits(v: unknown, types: Set<string>): boolean {
  const t = typeOf(v);
  if (t === "number") return types.has("number") || (types.has("integer") && Number.isInteger(v));
  return types.has(t);
}

export interface BodySpec<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** members the path supplies (clusterId, virtualServiceId, id, version): not accepted in the body */
  fromPath?: string[];
}

export class BodyParser<S extends z.ZodType> {
  readonly json: JsonSchema;
  readonly props: Record<string, JsonSchema>;
  constructor(readonly spec: BodySpec<S>) {
    this.json = inputJsonSchema(spec.schema);
    this.props = properties(this.json);
    for (const k of spec.fromPath ?? []) delete this.props[k];
  }

  /** The JSON Schema of the body as a client sends it (for the OpenAPI document). */
  documentSchema(): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    for (const [k, p] of Object.entries(this.props)) properties[k] = takesDigits(p) ? { anyOf: [{ type: "integer", minimum: 0 }, ...alternatives(p)] } : p;
    const required = [...new Set([...(this.json.required ?? []), ...(this.json.allOf ?? []).flatMap((s) => s.required ?? [])])]
      .filter((k) => k in properties && !("default" in (properties[k] ?? {})));
    return { type: "object", properties, additionalProperties: false, ...(required.length ? { required } : {}) };
  }

  /**
   * Checks the body's members and JSON types, then parses `{...base, ...body, ...fixed}` with the form
   * schema: `fixed` are the members the path supplies, `base` the current state a PATCH is merged over.
   */
  parse(body: Record<string, unknown>, fixed: Record<string, unknown> = {}, base: Record<string, unknown> = {}): z.output<S> {
    const problems: FieldProblem[] = [];
    const input: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
      const p = this.props[k];
      if (!p || !Object.prototype.hasOwnProperty.call(this.props, k)) {
        problems.push({ field: k.slice(0, 100), rule: "unrecognized_key", message: "is not a member of this request" });
        continue;
      }
      const types = jsonTypes(p);
      if (types && !fits(v, types)) {
        problems.push({ field: k, rule: `invalid_type:${[...types].join("|")}`, message: `must be ${[...types].join(" or ")}, not ${typeOf(v)}` });
        continue;
      }
      input[k] = typeof v === "number" && takesDigits(p) ? String(v) : v;
    }
    if (problems.length) throw new ApiProblem("validation", "Please correct the listed members.", problems);
    const r = this.spec.schema.safeParse({ ...base, ...input, ...fixed });
    if (!r.success) throw new ApiProblem("validation", "Please correct the listed members.", zodProblems(r.error));
    return r.data;
  }
}

/** A UserError's field errors (raised by the service modules) as a validation problem. */
export function userErrorProblem(message: string, fields: Record<string, string[] | undefined>, slug: "validation" | "conflict" = "validation"): ApiProblem {
  return new ApiProblem(slug, message, fieldProblems(fields, slug === "conflict" ? "unique" : "service"));
}
