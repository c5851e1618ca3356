import { z } from "zod";
import { UserError, type FieldErrors } from "../errors";

export type { FieldErrors };

// Names operators type into the panel: they end up in URLs, logs and audit lines, so keep them tame.
export const nameSchema = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(63, "must be at most 63 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "may contain letters, digits, '.', '_' and '-', and must start with a letter or digit");

export const descriptionSchema = z.string().trim().max(500, "must be at most 500 characters").default("");

export const versionSchema = z.coerce.number({ error: "is missing" }).int().min(1);

export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : "_form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/**
 * FormData to a plain object (empty strings kept so zod can name them). A field sent twice is refused:
 * no form of the panel posts one name twice, and "first or last value?" is how a check that reads
 * one value and a parser that keeps the other come apart (a viewer's `op=probe&op=undo`).
 */
export function formObject(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  const repeated = new Set<string>();
  for (const [k, v] of form.entries()) {
    if (typeof v !== "string" || k.startsWith("$ACTION")) continue;
    if (Object.hasOwn(out, k)) repeated.add(k);
    out[k] = v;
  }
  if (repeated.size) {
    const names = [...repeated];
    throw new UserError(`The form sent ${names.join(", ")} more than once; nothing was done. Reload the page and submit it again.`,
      Object.fromEntries(names.map((n) => [n, ["was sent more than once"]])));
  }
  return out;
}
