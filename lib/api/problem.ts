// RFC 9457 problem documents: every /api/v1 error is one, with the field and the rule that failed.
import type { z } from "zod";

export type FieldProblem = { field: string; rule: string; message: string };

/** The problem types this API answers with (the `type` member is `urn:lvs-panel:problem:<slug>`). */
export const PROBLEMS = {
  "malformed-json": { status: 400, title: "The request body is not valid JSON" },
  "malformed-path": { status: 400, title: "The request path is not valid percent-encoded UTF-8" },
  unauthorized: { status: 401, title: "Authentication required" },
  forbidden: { status: 403, title: "Your token's role does not allow this" },
  "not-found": { status: 404, title: "No such resource" },
  "method-not-allowed": { status: 405, title: "Method not allowed on this resource" },
  conflict: { status: 409, title: "Conflicts with the current state" },
  "idempotency-in-progress": { status: 409, title: "A request with this Idempotency-Key is still being handled" },
  "precondition-failed": { status: 412, title: "The resource changed since you read it (If-Match does not match its ETag)" },
  "payload-too-large": { status: 413, title: "Request body too large" },
  "unsupported-media-type": { status: 415, title: "Send the body as application/json" },
  validation: { status: 422, title: "The request did not pass validation" },
  "idempotency-key-reused": { status: 422, title: "This Idempotency-Key was used with a different request" },
  "precondition-required": { status: 428, title: "Send If-Match with the ETag you read" },
  internal: { status: 500, title: "Internal error" },
  "bad-gateway": { status: 502, title: "A machine of the cluster did not answer as expected" },
} as const;
export type ProblemSlug = keyof typeof PROBLEMS;

export class ApiProblem extends Error {
  readonly status: number;
  /** `extra`: extension members of the problem document (RFC 9457 §3.2), e.g. a refused delete's teardown plan */
  constructor(readonly slug: ProblemSlug, detail: string, readonly errors: FieldProblem[] = [], readonly headers: Record<string, string> = {}, readonly extra: Record<string, unknown> = {}) {
    super(detail);
    this.status = PROBLEMS[slug].status;
    this.name = "ApiProblem";
  }
}

export function problemBody(p: ApiProblem, instance: string) {
  return {
    type: `urn:lvs-panel:problem:${p.slug}`,
    title: PROBLEMS[p.slug].title,
    status: p.status,
    detail: p.message,
    instance,
    ...(p.errors.length ? { errors: p.errors } : {}),
    ...p.extra,
  };
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemResponse(p: ApiProblem, instance: string): Response {
  return new Response(JSON.stringify(problemBody(p, instance)), {
    status: p.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store", ...p.headers },
  });
}

type Issue = z.core.$ZodIssue;

/** An "invalid input" union issue says nothing: use the branch that got past the type check, if one did. */
function unwrap(i: Issue): Array<{ issue: Issue; base: PropertyKey[] }> {
  if (i.code === "invalid_union" && Array.isArray((i as { errors?: Issue[][] }).errors)) {
    const branches = (i as { errors: Issue[][] }).errors;
    const telling = branches.find((b) => b.length && b.some((x) => x.code !== "invalid_type"));
    if (telling) return telling.flatMap((x) => unwrap(x).map((u) => ({ issue: u.issue, base: [...i.path, ...u.base] })));
  }
  return [{ issue: i, base: [] }];
}

/** zod issues → field problems: `field` is the dotted path ("" for the body), `rule` the zod issue code (+ the check). */
export function zodProblems(error: z.ZodError, prefix = ""): FieldProblem[] {
  return error.issues.flatMap((top) => unwrap(top as Issue)).map(({ issue: i, base }) => {
    const path = [...base, ...i.path].map(String).join(".");
    const field = prefix && path ? `${prefix}.${path}` : prefix || path || "";
    const extra = (i as { format?: string }).format ?? (i as { expected?: string }).expected;
    return { field, rule: extra ? `${i.code}:${extra}` : i.code, message: i.message };
  });
}

/** Field errors as the service modules raise them (UserError.fields) → field problems. */
export function fieldProblems(fields: Record<string, string[] | undefined>, rule: string): FieldProblem[] {
  return Object.entries(fields).flatMap(([field, msgs]) => (msgs ?? []).map((message) => ({ field: field === "_form" ? "" : field, rule, message })));
}
