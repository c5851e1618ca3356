"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { realServerOp } from "@/lib/console/ops";
import { db } from "@/lib/db";

const schema = z.object({
  clusterId: z.string().min(1),
  hostId: z.string().optional().transform((v) => (v ? v : undefined)),
  op: z.enum(["prepare", "undo", "probe"], { error: "must be prepare, undo or probe" }),
});

/** "Prepare real servers for DR" (ARP sysctls + VIP on lo), its undo, or a fresh probe: per cluster or per host. */
export async function realServerOpAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction((input) => (input.op === "probe" ? "read" : "apply"), schema, form, async (input, user) => ({ input, hosts: await realServerOp(await db(), user.email, input.clusterId, input.op, input.hostId) }));
  if (!r.ok || !r.result) return r;
  const { input, hosts } = r.result;
  revalidatePath(`/clusters/${input.clusterId}`, "layout");
  const verb = { prepare: "Prepared", undo: "Undid the preparation on", probe: "Probed" }[input.op];
  const lines = hosts.map((x) => `${x.host}: ${x.error ?? (x.report?.ready ? "DR-ready" : `not ready: ${x.report?.verdicts.flatMap((v) => v.problems).join("; ")}`)}`);
  return { ok: hosts.every((x) => !x.error), message: `${verb} ${hosts.map((x) => x.host).join(", ")}. ${lines.join(" · ")}` };
}
