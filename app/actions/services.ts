"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { createVirtualService, deleteVirtualService, serviceLabel, updateVirtualService } from "@/lib/data/virtual-services";
import { virtualServiceSchema, virtualServiceUpdateSchema } from "@/lib/validation/virtual-service";
import { db } from "@/lib/db";
import { versionSchema } from "@/lib/validation/common";

// Desired state only: nothing here touches a machine. Apply does.

export async function createServiceAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", virtualServiceSchema, form, async (input, user) => createVirtualService(await db(), { actor: user.email, source: "ui" }, input));
  if (!r.ok || !r.result) return r;
  revalidatePath(`/clusters/${r.result.clusterId}`);
  redirect(`/clusters/${r.result.clusterId}/services/${r.result.id}?saved=1`);
}

export async function updateServiceAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", virtualServiceUpdateSchema, form, async (input, user) => updateVirtualService(await db(), { actor: user.email, source: "ui" }, input));
  if (!r.ok || !r.result) return r;
  revalidatePath(`/clusters/${r.result.clusterId}`, "layout");
  return { ok: true, message: `Saved ${serviceLabel(r.result)}. Nothing changes on the director until you apply.`, values: { version: String(r.result.version) } };
}

const deleteSchema = z.object({ id: z.string().min(1), version: versionSchema });
export async function deleteServiceAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", deleteSchema, form, async (input, user) => deleteVirtualService(await db(), { actor: user.email, source: "ui" }, input.id, input.version));
  if (!r.ok || !r.result) return r;
  revalidatePath(`/clusters/${r.result.clusterId}`, "layout");
  redirect(`/clusters/${r.result.clusterId}?removed=${encodeURIComponent(serviceLabel(r.result))}`);
}
