// /api/v1 dispatch: one table of routes (lib/api/routes.ts) drives matching, auth, body limits,
// Idempotency-Key, problem documents AND the OpenAPI document, so they cannot disagree.
import type { PrismaClient } from "@/generated/prisma/client";
import { db } from "@/lib/db";
import { StaleError, UserError } from "@/lib/errors";
import { can, deniedMessage, type Permission } from "@/lib/roles";
import { isSshError } from "@/lib/ssh/errors";
import type { BodyParser } from "./body";
import { userErrorProblem } from "./body";
import { json, parseIfMatch, parseJsonObject, readBody } from "./http";
import { checkIdempotencyKey, requestHash, withIdempotency } from "./idempotency";
import { ApiProblem, problemResponse } from "./problem";
import { authenticateToken, type ApiCaller, type TokenRefusal } from "./tokens";

export const API_BASE = "/api/v1";
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Ctx {
  req: Request;
  url: URL;
  params: Record<string, string>;
  caller: ApiCaller;
  prisma: PrismaClient;
  /** the parsed JSON object ({} when the body was empty) */
  body: Record<string, unknown>;
  ifMatch: string[] | null;
}

export interface Route {
  method: Method;
  /** OpenAPI path template under /api/v1, e.g. "/clusters/{cluster}" */
  path: string;
  /** "public": no token (the OpenAPI document only) */
  permission: Permission | "public";
  tag: string;
  summary: string;
  description?: string;
  /** the request body, parsed with the form's zod schema */
  body?: BodyParser<never> | BodyParser<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  query?: Array<{ name: string; description: string; schema: Record<string, unknown> }>;
  ifMatch?: "required" | "optional";
  idempotent?: boolean;
  /** the body's limit when it is not MAX_BODY_BYTES (a whole cluster's document) */
  maxBodyBytes?: number;
  /** status → description, for the document */
  responses: Record<number, string>;
  handler(ctx: Ctx): Promise<Response>;
}

interface Compiled { route: Route; re: RegExp; names: string[] }
function compile(routes: Route[]): Compiled[] {
  return routes.map((route) => {
    const names: string[] = [];
    const re = new RegExp(`^${route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), "([^/]+)"))}$`);
    return { route, re, names };
  });
}

const REFUSAL: Record<TokenRefusal, string> = {
  missing: "Send Authorization: Bearer <token> (create a token under API tokens in the panel).",
  malformed: "The Authorization header is not a panel API token (Bearer lvsp_…).",
  unknown: "This token is not known to the panel.",
  revoked: "This token was revoked.",
  expired: "This token has expired.",
  "user-disabled": "The account this token belongs to is disabled.",
};

/** Any thrown error → the problem document a client gets. */
export function toProblem(e: unknown): ApiProblem {
  if (e instanceof ApiProblem) return e;
  if (e instanceof StaleError) return new ApiProblem("precondition-failed", e.message);
  if (e instanceof UserError) {
    const hasFields = Object.values(e.fields).some((v) => v?.length);
    if (/already (exists|a real server|a host|running)/i.test(e.message)) return userErrorProblem(e.message, e.fields, "conflict");
    if (hasFields) return userErrorProblem(e.message, e.fields);
    if (/no longer exists/i.test(e.message)) return new ApiProblem("not-found", e.message);
    return new ApiProblem("conflict", e.message);
  }
  if (isSshError(e)) return new ApiProblem("bad-gateway", `${e.code}: ${e.message}. ${e.hint}`);
  if ((e as Error)?.name === "ForbiddenError") return new ApiProblem("forbidden", (e as Error).message);
  console.error("api/v1: unexpected error", e);
  return new ApiProblem("internal", "The panel hit an unexpected error; it is in the server log.");
}

export function createRouter(routes: Route[]) {
  const compiled = compile(routes);
  return async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const instance = url.pathname;
    try {
      const sub = url.pathname.startsWith(API_BASE) ? url.pathname.slice(API_BASE.length) || "/" : url.pathname;
      const candidates = compiled.map((c) => ({ c, m: c.re.exec(sub) })).filter((x) => x.m);
      if (!candidates.length) throw new ApiProblem("not-found", `No API resource at ${sub.slice(0, 200)}.`);
      const hit = candidates.find((x) => x.c.route.method === req.method || (req.method === "HEAD" && x.c.route.method === "GET"));
      if (!hit) {
        const allow = [...new Set(candidates.map((x) => x.c.route.method))].join(", ");
        throw new ApiProblem("method-not-allowed", `${req.method} is not allowed here; allowed: ${allow}.`, [], { allow });
      }
      const { route } = hit.c;
      const params: Record<string, string> = {};
      hit.c.names.forEach((n, i) => {
        try {
          params[n] = decodeURIComponent(hit.m![i + 1]!);
        } catch {
          throw new ApiProblem("not-found", `The path segment for ${n} is not valid percent-encoding.`);
        }
      });
      const prisma = await db();
      let caller: ApiCaller;
      if (route.permission === "public") {
        caller = { user: { id: "", email: "", name: "", role: "viewer" }, token: { id: "", name: "", prefix: "" }, role: "viewer", actor: "anonymous" };
      } else {
        const auth = await authenticateToken(prisma, req.headers.get("authorization"));
        if (typeof auth === "string")
          throw new ApiProblem("unauthorized", REFUSAL[auth], [], { "www-authenticate": `Bearer realm="lvs-panel"${auth === "missing" ? "" : `, error="invalid_token"`}` });
        if (!can(auth.role, route.permission)) throw new ApiProblem("forbidden", `${deniedMessage(auth.role, route.permission)} (the effective role of this token is ${auth.role}).`);
        caller = auth;
      }
      let raw = "";
      let body: Record<string, unknown> = {};
      if (req.method !== "GET" && req.method !== "HEAD") {
        raw = await readBody(req, route.maxBodyBytes);
        body = parseJsonObject(raw, req.headers.get("content-type"));
        if (!route.body && Object.keys(body).length)
          throw new ApiProblem("validation", "This request takes no body members.", Object.keys(body).slice(0, 20).map((k) => ({ field: k.slice(0, 100), rule: "unrecognized_key", message: "is not a member of this request" })));
      }
      const ctx: Ctx = { req, url, params, caller, prisma, body, ifMatch: parseIfMatch(req.headers.get("if-match")) };
      const key = req.headers.get("idempotency-key");
      const run = async () => {
        try {
          return await route.handler(ctx);
        } catch (e) {
          const p = toProblem(e);
          if (p.status >= 500) throw e;
          return problemResponse(p, instance);
        }
      };
      if (req.method === "POST" && key !== null && route.permission !== "public")
        return await withIdempotency(prisma, caller.token.id, checkIdempotencyKey(key), requestHash(req.method, url.pathname + url.search, raw), run);
      return await run();
    } catch (e) {
      return problemResponse(toProblem(e), instance);
    }
  };
}

export { json };
