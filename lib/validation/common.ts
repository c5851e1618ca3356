import { z } from "zod";

// Names operators type into the panel: they end up in URLs, logs and audit lines, so keep them tame.
export const nameSchema = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(63, "must be at most 63 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "may contain letters, digits, '.', '_' and '-', and must start with a letter or digit");

export const descriptionSchema = z.string().trim().max(500, "must be at most 500 characters").default("");

export const versionSchema = z.coerce.number({ error: "is missing" }).int().min(1);

/** Field errors keyed by field name, the shape forms render next to each input. */
export type FieldErrors = Record<string, string[] | undefined>;

export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : "_form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** FormData to a plain object (last value wins; empty strings kept so zod can name them). */
export function formObject(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === "string" && !k.startsWith("$ACTION")) out[k] = v;
  return out;
}
