// The OpenAPI 3.1 document, generated from the route table and the zod schemas the routes parse with.
import { PROBLEMS } from "./problem";
import { MAX_BODY_BYTES, MAX_DOCUMENT_BYTES } from "./http";
import type { Route } from "./router";

const PARAM_DOC: Record<string, string> = {
  cluster: "cluster name (or id)",
  host: "host name (or id)",
  service: "virtual service: tcp:VIP:PORT, udp:VIP:PORT, sctp:VIP:PORT, tcp:[VIP6]:PORT, fwm:MARK, fwm6:MARK (or id); a bare VIP:PORT means tcp",
  realServer: "real server: RIP, RIP:PORT, [RIP6]:PORT (or id)",
  apply: "apply id",
  webhook: "webhook name (or id)",
};

const problemSchema = {
  type: "object",
  required: ["type", "title", "status", "detail"],
  properties: {
    type: { type: "string", description: "urn:lvs-panel:problem:<slug>", enum: Object.keys(PROBLEMS).map((k) => `urn:lvs-panel:problem:${k}`) },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    errors: {
      type: "array",
      items: { type: "object", required: ["field", "rule", "message"], properties: {
        field: { type: "string", description: "body member, header or query parameter; \"\" for the body as a whole" },
        rule: { type: "string", description: "what failed: the zod issue code (too_small, invalid_format:ipv4, custom…), unrecognized_key, invalid_type:<types>, unique, service" },
        message: { type: "string" },
      } },
    },
  },
};

export function openApiDocument(routes: Route[]) {
  const problemResponses: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const names = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const parameters: unknown[] = names.map((n) => ({ name: n, in: "path", required: true, description: PARAM_DOC[n] ?? n, schema: { type: "string" } }));
    for (const q of r.query ?? []) parameters.push({ name: q.name, in: "query", required: false, description: q.description, schema: q.schema });
    if (r.ifMatch) parameters.push({ name: "If-Match", in: "header", required: r.ifMatch === "required", description: "the ETag you read; 412 if the resource changed since", schema: { type: "string" } });
    if (r.method === "POST" && r.permission !== "public")
      parameters.push({ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,200}$" },
        description: "retry-safe POST: the first response for this key (per token) is stored for 24 h and replayed for the same method, path and body (Idempotent-Replayed: true); a different request with the same key gets 422" });
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries(r.responses)) {
      const s = Number(status);
      responses[status] = s >= 400 ? { $ref: `#/components/responses/Problem${s}` } : s === 204 ? { description } : { description, content: { "application/json": { schema: { type: "object" } } } };
      if (s >= 400 && !(`Problem${s}` in problemResponses)) problemResponses[`Problem${s}`] = { description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } };
    }
    if (r.permission !== "public") {
      responses["401"] ??= { $ref: "#/components/responses/Problem401" };
      problemResponses.Problem401 ??= { description: "No, unknown, revoked or expired token", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } };
    }
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      operationId: `${r.method.toLowerCase()}${r.path.replace(/\{(\w+)\}/g, "By-$1").split(/[/.-]/).map((p) => (p ? p[0]!.toUpperCase() + p.slice(1) : "")).join("")}`,
      ...(r.permission === "public" ? { security: [] } : { "x-permission": r.permission }),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: r.body.documentSchema() } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "LVS Panel runtime API",
      version: "1.0.0",
      description: [
        "Desired state (clusters, hosts, virtual services, real servers) and operations (plan, apply, prepare, live state) of the panel's LVS/IPVS clusters.",
        "Authenticate with `Authorization: Bearer <token>` (API tokens page). A token's effective role is the lower of its own and its user's current role: viewer reads, operator changes and applies, admin also re-trusts changed host keys.",
        "Request bodies are JSON objects, at most " + MAX_BODY_BYTES + " bytes (a whole cluster's document or keepalived.conf: " + MAX_DOCUMENT_BYTES + "), validated by the same schemas as the panel's forms; unknown members are refused. Integers may be sent as JSON numbers or digit strings.",
        "Errors are `application/problem+json` (RFC 9457) with `errors[]` naming each field and the rule it broke.",
        "Changes to the desired state take effect on the director only when applied (POST …/apply).",
      ].join("\n\n"),
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "lvsp_<43 base64url characters>" } },
      schemas: { Problem: problemSchema },
      responses: problemResponses,
    },
  };
}
