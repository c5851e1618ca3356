"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { db } from "@/lib/db";
import { createSshKey, deleteSshKey } from "@/lib/data/ssh-keys";
import { sshKeyCreateSchema } from "@/lib/validation/ssh-key";

export async function createSshKeyAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("manage-ssh-keys", sshKeyCreateSchema, form, async (input, user) => createSshKey(await db(), user.email, input));
  if (!r.ok || !r.result) return { ...r, values: { ...r.values, privateKey: "" } }; // never echo a private key back
  revalidatePath("/ssh-keys");
  return { ok: true, message: `Stored SSH key ${r.result.name}. Add its public key to authorized_keys on each host.` };
}

export async function deleteSshKeyAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("manage-ssh-keys", z.object({ id: z.string().min(1) }), form, async (input, user) => deleteSshKey(await db(), user.email, input.id));
  if (!r.ok) return r;
  revalidatePath("/ssh-keys");
  return { ok: true, message: "SSH key deleted." };
}
