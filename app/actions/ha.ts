"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { db } from "@/lib/db";
import { updateHaSettings } from "@/lib/data/ha";
import { DirectorBusy, LeaseLost } from "@/lib/director";
import { UserError } from "@/lib/errors";
import { applyMessage } from "@/lib/operations/apply-message";
import { failoverCluster, type FailoverResult } from "@/lib/operations/failover";
import { isSshError } from "@/lib/ssh";
import { failoverSchema, haSettingsFormSchema } from "@/lib/validation/ha";

export async function updateHaSettingsAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", haSettingsFormSchema, form, async ({ vrrpAuthPassClear, ...input }, user) => {
    const prisma = await db();
    // write-only password: blank keeps the stored one (read in the same version the update checks)
    if (input.vrrpAuthPass === null && !vrrpAuthPassClear) {
      const c = await prisma.cluster.findUnique({ where: { id: input.id }, select: { vrrpAuthPass: true } });
      input.vrrpAuthPass = c?.vrrpAuthPass ?? null;
    }
    return updateHaSettings(prisma, { actor: user.email, source: "ui" }, input);
  });
  if (!r.ok || !r.result) return r;
  revalidatePath(`/clusters/${r.result.id}`, "layout");
  const c = r.result;
  return { ok: true, values: { version: String(c.version) },
    message: c.haEnabled ? `Saved: director HA is on for ${c.name}. The next Apply writes keepalived's VRRP configuration on every director.`
      : `Saved: director HA is off for ${c.name}.` };
}

export type FailoverState = FormState & { failover?: FailoverResult };

/** A planned switchover: an apply-level operation (it moves the VIPs), for operators and admins. */
export async function failoverAction(_prev: FailoverState, form: FormData): Promise<FailoverState> {
  const schema = failoverSchema.extend({ clusterId: z.string().min(1) });
  const r = await formAction("apply", schema, form, async (input, user) => {
    try {
      return { clusterId: input.clusterId, ...(await failoverCluster(await db(), user.email, input.clusterId, { to: input.to })) };
    } catch (e) {
      // a director that did not answer, or whose lease another apply holds: words, not a 500
      if (isSshError(e) || e instanceof DirectorBusy || e instanceof LeaseLost) throw new UserError(`Not switched over: ${applyMessage(e, "a director")}`);
      throw e;
    }
  });
  if (!r.ok || !r.result) return r;
  const { clusterId, ...f } = r.result;
  revalidatePath(`/clusters/${clusterId}`, "layout");
  return { ok: true, message: `Switched over: ${f.to} is MASTER (took the VIPs from ${f.from} in ${f.ms} ms).`, failover: f };
}
