import "server-only";
import type { z } from "zod";
import { authorize, ForbiddenError, type PanelUser } from "./auth";
import { UserError } from "./errors";
import type { Permission } from "./roles";
import { fieldErrors, formObject, type FieldErrors } from "./validation/common";

/** What every form action returns; the form renders `errors` next to the matching field. */
export type FormState = { ok?: boolean; message?: string; errors?: FieldErrors; values?: Record<string, string> };

/**
 * The rhythm of every server action: authorize → validate with zod → call lib (which writes and
 * audits in one transaction). Errors come back as form state, never as a 500.
 */
export async function formAction<S extends z.ZodType, R>(
  permission: Permission, schema: S, form: FormData,
  run: (input: z.output<S>, user: PanelUser) => Promise<R>,
): Promise<FormState & { result?: R }> {
  const values = formObject(form);
  let user: PanelUser;
  try {
    user = await authorize(permission);
  } catch (e) {
    if (e instanceof ForbiddenError) return { ok: false, message: e.message, values };
    throw e;
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) return { ok: false, message: "Please correct the highlighted fields.", errors: fieldErrors(parsed.error), values };
  try {
    return { ok: true, result: await run(parsed.data, user) };
  } catch (e) {
    if (e instanceof UserError) return { ok: false, message: e.message, errors: e.fields, values };
    throw e;
  }
}
