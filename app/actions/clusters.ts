"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { createCluster, updateCluster } from "@/lib/data/clusters";
import { deleteClusterWithDirector, leftRunning, type TeardownPlan } from "@/lib/operations/teardown";
import { db } from "@/lib/db";
import { clusterCreateSchema, clusterUpdateSchema } from "@/lib/validation/cluster";
import { formObject, versionSchema } from "@/lib/validation/common";

export async function createClusterAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", clusterCreateSchema, form, async (input, user) => createCluster(await db(), { actor: user.email, source: "ui" }, input));
  if (!r.ok || !r.result) return r;
  revalidatePath("/clusters");
  redirect(`/clusters/${r.result.id}`);
}

export async function updateClusterAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", clusterUpdateSchema, form, async (input, user) => updateCluster(await db(), { actor: user.email, source: "ui" }, input));
  if (!r.ok || !r.result) return r;
  revalidatePath(`/clusters/${r.result.id}`);
  return { ok: true, message: `Saved cluster ${r.result.name}.`, values: { version: String(r.result.version) } };
}

const deleteSchema = z.object({ id: z.string().min(1), version: versionSchema, confirm: z.string(),
  director: z.enum(["check", "remove", "leave"], { error: "must be check, remove or leave" }).default("check") });
export type DeleteClusterState = FormState & { teardown?: TeardownPlan };

/**
 * Deletes a cluster only when its director holds nothing of it, unless the operator chose to remove
 * that from the director first (an apply) or to leave it running; otherwise answers with the plan.
 */
export async function deleteClusterAction(_prev: DeleteClusterState, form: FormData): Promise<DeleteClusterState> {
  // removing from the director is an apply: the permission follows the parsed choice
  const r = await formAction((input) => (input.director === "remove" ? "apply" : "edit"), deleteSchema, form, async (input, user) => {
    const prisma = await db();
    const c = await prisma.cluster.findUnique({ where: { id: input.id } });
    if (c && input.confirm !== c.name) return { refused: true as const };
    return { refused: false as const, outcome: await deleteClusterWithDirector(prisma, user, input.id, input.version, input.director) };
  });
  if (!r.ok) return r;
  const values = formObject(form);
  if (r.result?.refused) return { ok: false, errors: { confirm: ["type the cluster's name to confirm"] }, message: "Not deleted.", values };
  const out = r.result?.outcome;
  if (out && !out.deleted) {
    const what = out.plan.error
      ? `Could not read the director ${out.plan.director} (${out.plan.error}), so what it still runs of this cluster is unknown.`
      : `The director ${out.plan.director} still runs this cluster's ${leftRunning(out.plan)}.`;
    return { ok: false, message: `Not deleted. ${what} Choose below: remove them from the director too, or delete the cluster and leave them running.`, values, teardown: out.plan };
  }
  revalidatePath("/clusters");
  redirect("/clusters");
}
