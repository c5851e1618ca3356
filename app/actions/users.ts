"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { db } from "@/lib/db";
import { UserError } from "@/lib/errors";
import { ROLES } from "@/lib/roles";
import { createFirstAdmin, createUser, setUserRoleAndState } from "@/lib/users";
import { fieldErrors, formObject } from "@/lib/validation/common";
import { setupSchema, userCreateSchema } from "@/lib/validation/user";

export async function createUserAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("manage-users", userCreateSchema, form, async (input, user) => createUser(await db(), user.email, input));
  if (!r.ok || !r.result) return { ...r, values: { ...r.values, password: "" } };
  revalidatePath("/users");
  return { ok: true, message: `Created ${r.result.role} ${r.result.email}.` };
}

const updateSchema = z.object({ id: z.string().min(1), role: z.enum(ROLES, { error: "must be admin, operator or viewer" }), disabled: z.enum(["true", "false"]).transform((v) => v === "true") });
export async function updateUserAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("manage-users", updateSchema, form, async (input, user) =>
    setUserRoleAndState(await db(), user, input.id, { role: input.role, disabled: input.disabled }));
  if (!r.ok || !r.result) return r;
  revalidatePath("/users");
  return { ok: true, message: `Saved ${r.result.email}.` };
}

/** The one-time setup: works only while the database has no user at all. */
export async function setupAction(_prev: FormState, form: FormData): Promise<FormState> {
  const values = formObject(form);
  const parsed = setupSchema.safeParse(values);
  if (!parsed.success) return { ok: false, message: "Please correct the highlighted fields.", errors: fieldErrors(parsed.error), values: { ...values, password: "", confirm: "" } };
  try {
    await createFirstAdmin(await db(), parsed.data);
  } catch (e) {
    if (e instanceof UserError) return { ok: false, message: e.message };
    throw e;
  }
  // the login page prefills the address just chosen
  redirect(`/login?setup=done&email=${encodeURIComponent(parsed.data.email)}`);
}
