"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { startApply } from "@/lib/operations/cluster";
import { db } from "@/lib/db";

/** Starts an apply (recorded before anything is sent) and opens its progress page. */
export async function applyAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("apply", z.object({ clusterId: z.string().min(1) }), form, async (input, user) => ({ clusterId: input.clusterId, runId: await startApply(await db(), user, input.clusterId) }));
  if (!r.ok || !r.result) return r;
  revalidatePath(`/clusters/${r.result.clusterId}`, "layout");
  redirect(`/clusters/${r.result.clusterId}/applies/${r.result.runId}`);
}
