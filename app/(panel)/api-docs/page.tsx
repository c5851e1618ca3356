import Link from "next/link";
import { apiDocument } from "@/lib/api/routes";
import { requireUser } from "@/lib/auth";

export const metadata = { title: "API reference" };

type Op = { tags: string[]; summary: string; "x-permission"?: string; parameters?: Array<{ name: string; in: string; required: boolean; description?: string }>;
  requestBody?: { content: { "application/json": { schema: { properties?: Record<string, unknown>; required?: string[] } } } }; responses: Record<string, unknown> };

/** Renders the OpenAPI document the API serves at /api/v1/openapi.json (the same cached object). */
export default async function ApiDocsPage() {
  await requireUser();
  const doc = apiDocument();
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods as Record<string, Op>).map(([method, op]) => ({ path, method, op })));
  const tags = [...new Set(ops.map((o) => o.op.tags[0] ?? "other"))];
  return (
    <div className="space-y-6">
      <h1>{doc.info.title}</h1>
      <p className="text-sm">OpenAPI {doc.openapi}: <a className="underline" href="/api/v1/openapi.json">/api/v1/openapi.json</a> · tokens: <Link className="underline" href="/api-tokens">API tokens</Link></p>
      <div className="max-w-3xl space-y-2 text-sm text-zinc-600 dark:text-zinc-400">{doc.info.description.split("\n\n").map((p, i) => <p key={i}>{p}</p>)}</div>
      {tags.map((tag) => (
        <section key={tag} className="space-y-3">
          <h2 className="capitalize">{tag}</h2>
          {ops.filter((o) => (o.op.tags[0] ?? "other") === tag).map(({ path, method, op }) => {
            const body = op.requestBody?.content["application/json"].schema;
            return (
              <details key={`${method} ${path}`} className="card space-y-2" data-operation={`${method.toUpperCase()} ${path}`}>
                <summary className="cursor-pointer"><span className="mono font-semibold">{method.toUpperCase()}</span> <span className="mono">/api/v1{path}</span> — {op.summary}
                  {op["x-permission"] && <span className="ml-2 text-xs text-zinc-500">needs {op["x-permission"]}</span>}</summary>
                {!!op.parameters?.length && (
                  <table className="table text-xs"><thead><tr><th>Parameter</th><th>In</th><th>Required</th><th>Description</th></tr></thead><tbody>
                    {op.parameters.map((p) => <tr key={`${p.in}-${p.name}`}><td className="mono">{p.name}</td><td>{p.in}</td><td>{p.required ? "yes" : "no"}</td><td>{p.description}</td></tr>)}
                  </tbody></table>
                )}
                {body && (
                  <div><div className="text-xs font-medium">Body (JSON){body.required?.length ? `, required: ${body.required.join(", ")}` : ""}</div>
                    <pre className="mono max-h-80 overflow-auto rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-900">{JSON.stringify(body.properties, null, 2)}</pre></div>
                )}
                <div className="text-xs text-zinc-500">Responses: {Object.keys(op.responses).join(", ")}</div>
              </details>
            );
          })}
        </section>
      ))}
    </div>
  );
}
