"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { db } from "@/lib/db";
import { testConnection } from "@/lib/operations/host-keys";
import { createHost, deleteHost, updateHost } from "@/lib/data/hosts";
import { hostCreateSchema, hostUpdateSchema } from "@/lib/validation/host";

export async function createHostAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", hostCreateSchema, form, async (input, user) => createHost(await db(), user.email, input));
  if (!r.ok || !r.result) return r;
  revalidatePath("/hosts");
  revalidatePath(`/clusters/${r.result.clusterId}`);
  return { ok: true, message: `Added host ${r.result.name} (${r.result.address}). Trust its host key before the panel connects.` };
}

export async function updateHostAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", hostUpdateSchema, form, async (input, user) => updateHost(await db(), { actor: user.email, source: "ui" }, input));
  if (!r.ok || !r.result) return r;
  revalidatePath("/hosts");
  revalidatePath(`/clusters/${r.result.clusterId}`, "layout");
  const h = r.result.host;
  return { ok: true, message: `Saved host ${h.name} (${h.sshUser}@${h.address}:${h.sshPort}).${r.result.keyDropped ? " Its address or port changed: fetch and trust its host key again before the panel connects." : ""}` };
}

export async function deleteHostAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", z.object({ id: z.string().min(1) }), form, async (input, user) => deleteHost(await db(), user.email, input.id));
  if (!r.ok) return r;
  revalidatePath("/hosts");
  revalidatePath("/clusters", "layout");
  return { ok: true, message: "Host removed." };
}

/** Reachability, host key and login, in words (nothing is changed). */
export async function testHostAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("read", z.object({ id: z.string().min(1) }), form, async (input) => testConnection(await db(), input.id));
  if (!r.ok || !r.result) return r;
  return { ok: r.result.ok, message: r.result.message };
}
