"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { createCluster, deleteCluster, updateCluster } from "@/lib/clusters";
import { db } from "@/lib/db";
import { clusterCreateSchema, clusterUpdateSchema } from "@/lib/validation/cluster";
import { versionSchema } from "@/lib/validation/common";

export async function createClusterAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", clusterCreateSchema, form, async (input, user) => createCluster(await db(), user.email, input));
  if (!r.ok || !r.result) return r;
  revalidatePath("/clusters");
  redirect(`/clusters/${r.result.id}`);
}

export async function updateClusterAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", clusterUpdateSchema, form, async (input, user) => updateCluster(await db(), user.email, input));
  if (!r.ok || !r.result) return r;
  revalidatePath(`/clusters/${r.result.id}`);
  return { ok: true, message: `Saved cluster ${r.result.name}.`, values: { version: String(r.result.version) } };
}

const deleteSchema = z.object({ id: z.string().min(1), version: versionSchema, confirm: z.string() });
export async function deleteClusterAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", deleteSchema, form, async (input, user) => {
    const prisma = await db();
    const c = await prisma.cluster.findUnique({ where: { id: input.id } });
    if (c && input.confirm !== c.name) return { refused: true as const };
    await deleteCluster(prisma, user.email, input.id, input.version);
    return { refused: false as const };
  });
  if (!r.ok) return r;
  if (r.result?.refused) return { ok: false, errors: { confirm: ["type the cluster's name to confirm"] }, message: "Not deleted." };
  revalidatePath("/clusters");
  redirect("/clusters");
}
