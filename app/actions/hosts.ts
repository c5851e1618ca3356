"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { db } from "@/lib/db";
import { createHost, deleteHost } from "@/lib/hosts";
import { hostCreateSchema } from "@/lib/validation/host";

export async function createHostAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", hostCreateSchema, form, async (input, user) => createHost(await db(), user.email, input));
  if (!r.ok || !r.result) return r;
  revalidatePath("/hosts");
  revalidatePath(`/clusters/${r.result.clusterId}`);
  return { ok: true, message: `Added host ${r.result.name} (${r.result.address}). Trust its host key before the panel connects.` };
}

export async function deleteHostAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", z.object({ id: z.string().min(1) }), form, async (input, user) => deleteHost(await db(), user.email, input.id));
  if (!r.ok) return r;
  revalidatePath("/hosts");
  return { ok: true, message: "Host removed." };
}
