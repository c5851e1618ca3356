"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { createApiToken, revokeApiToken, tokenCreateSchema } from "@/lib/api/tokens";
import { db } from "@/lib/db";

/** Creates a token for the signed-in user; the secret is in this answer only (never stored, never shown again). */
export async function createApiTokenAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("read", tokenCreateSchema, form, async (input, user) => createApiToken(await db(), user, input));
  if (!r.ok || !r.result) return r;
  revalidatePath("/api-tokens");
  return {
    ok: true,
    message: `Created token ${r.result.name} (${r.result.role}, expires ${r.result.expiresAt?.toISOString().slice(0, 10) ?? "never"}). Copy it now: it is not stored and will not be shown again.`,
    values: { token: r.result.token },
  };
}

export async function revokeApiTokenAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("read", z.object({ id: z.string().min(1) }), form, async (input, user) => revokeApiToken(await db(), user, input.id));
  if (!r.ok || !r.result) return r;
  revalidatePath("/api-tokens");
  return { ok: true, message: `Revoked ${r.result.name}: calls with it are refused from now on.` };
}
