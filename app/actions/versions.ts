"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction } from "@/lib/action-state";
import { rollbackTo } from "@/lib/data/cluster-versions";
import { db } from "@/lib/db";
import { versionSchema } from "@/lib/validation/common";

const rollbackSchema = z.object({ id: z.string().min(1), number: z.coerce.number({ error: "is missing" }).int().min(1), version: versionSchema });

/** Roll back: the chosen version's desired state stored as a new version, then the plan (nothing is pushed here). */
export async function rollbackAction(form: FormData): Promise<void> {
  const r = await formAction("edit", rollbackSchema, form, async (input, user) => {
    const out = await rollbackTo(await db(), input.id, input.number, user.email, { ifVersion: input.version });
    return { ...out, id: input.id, number: input.number };
  });
  if (!r.ok || !r.result) {
    // the refused form's own values (formObject's, never the raw form) say which cluster's page to go back to
    const id = r.values?.id ?? "";
    if (!id) redirect("/clusters");
    redirect(`/clusters/${encodeURIComponent(id)}/versions?error=${encodeURIComponent(r.message ?? "Not rolled back.")}`);
  }
  revalidatePath(`/clusters/${r.result.id}`);
  const q = r.result.changed ? `rolledBack=${r.result.number}&as=${r.result.clusterVersion}` : `rolledBack=${r.result.number}&unchanged=1`;
  redirect(`/clusters/${r.result.id}/plan?${q}`);
}
