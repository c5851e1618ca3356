// The JSON Schema of the cluster document, generated from the zod schema (public/schemas/cluster.schema.json
// holds it; a unit test keeps the two equal). Cross-field rules (families, DR ports…) live in validate.ts.
import { z } from "zod";
import { documentSchema } from "./schema";

export const JSON_SCHEMA_ID = "/schemas/cluster.schema.json";

export function documentJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(documentSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return { ...s, $id: JSON_SCHEMA_ID, title: "LVS Panel cluster document" };
}
