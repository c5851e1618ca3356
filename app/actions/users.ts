"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { db } from "@/lib/db";
import { UserError } from "@/lib/errors";
import { ROLES } from "@/lib/roles";
import { firstRunSetup } from "@/lib/setup-token";
import { createUser, setUserRoleAndState } from "@/lib/data/users";
import { formObject } from "@/lib/validation/common";
import { userCreateSchema } from "@/lib/validation/user";

export async function createUserAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("manage-users", userCreateSchema, form, async (input, user) => createUser(await db(), user.email, input));
  if (!r.ok || !r.result) return { ...r, values: { ...r.values, password: "" } };
  revalidatePath("/users");
  return { ok: true, message: `Created ${r.result.role} ${r.result.email}.` };
}

const updateSchema = z.object({ id: z.string().min(1), role: z.enum(ROLES, { error: "must be admin, operator or viewer" }), disabled: z.enum(["true", "false"]).transform((v) => v === "true"),
  version: z.string({ error: "is missing: reload the page" }).min(1, "is missing: reload the page") });
export async function updateUserAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("manage-users", updateSchema, form, async (input, user) =>
    setUserRoleAndState(await db(), user, input.id, { role: input.role, disabled: input.disabled }, input.version));
  if (!r.ok || !r.result) return r;
  revalidatePath("/users");
  return { ok: true, message: `Saved ${r.result.email}.` };
}

/** The one-time setup: works only while the database has no user, and only with the setup token npm start printed. */
export async function setupAction(_prev: FormState, form: FormData): Promise<FormState> {
  let email: string;
  try {
    const values = formObject(form);
    try {
      email = (await firstRunSetup(await db(), values)).email;
    } catch (e) {
      if (e instanceof UserError) return { ok: false, message: e.message, errors: e.fields, values: { ...values, password: "", confirm: "" } };
      throw e;
    }
  } catch (e) {
    if (e instanceof UserError) return { ok: false, message: e.message, errors: e.fields };
    throw e;
  }
  // the login page prefills the address just chosen
  redirect(`/login?setup=done&email=${encodeURIComponent(email)}`);
}
