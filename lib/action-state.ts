import "server-only";
import type { z } from "zod";
import { authorize, ForbiddenError, type PanelUser } from "./auth";
import { UserError } from "./errors";
import type { Permission } from "./roles";
import { fieldErrors, formObject, type FieldErrors } from "./validation/common";

/** What every form action returns; the form renders `errors` next to the matching field. */
export type FormState = { ok?: boolean; message?: string; errors?: FieldErrors; values?: Record<string, string> };

/**
 * The permission an action needs: fixed, or chosen FROM THE PARSED INPUT (never from the raw form,
 * whose values a check and a parser may read differently).
 */
export type ActionPermission<I> = Permission | ((input: I) => Permission);

/**
 * The rhythm of every server action: sign-in → validate with zod → authorize the parsed input →
 * call lib (which writes and audits in one transaction). Errors come back as form state, never as a 500.
 */
export async function formAction<S extends z.ZodType, R>(
  permission: ActionPermission<z.output<S>>, schema: S, form: FormData,
  run: (input: z.output<S>, user: PanelUser) => Promise<R>,
): Promise<FormState & { result?: R }> {
  let values: Record<string, string>;
  try {
    values = formObject(form);
  } catch (e) {
    if (e instanceof UserError) return { ok: false, message: e.message, errors: e.fields };
    throw e;
  }
  const refused = (e: unknown): FormState => {
    if (e instanceof ForbiddenError) return { ok: false, message: e.message, values };
    throw e;
  };
  let user: PanelUser;
  // A fixed permission is checked before the input is even read; a chosen one needs a signed-in user first.
  try {
    user = await authorize(typeof permission === "function" ? "read" : permission);
  } catch (e) {
    return refused(e);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) return { ok: false, message: "Please correct the highlighted fields.", errors: fieldErrors(parsed.error), values };
  if (typeof permission === "function") {
    try {
      user = await authorize(permission(parsed.data));
    } catch (e) {
      return refused(e);
    }
  }
  try {
    return { ok: true, result: await run(parsed.data, user) };
  } catch (e) {
    if (e instanceof UserError) return { ok: false, message: e.message, errors: e.fields, values };
    throw e;
  }
}
