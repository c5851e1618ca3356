"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { audit } from "@/lib/audit";
import { createWebhook, healthCheckFormSchema, saveHealthCheck, saveHealthOverride, updateWebhookForm } from "@/lib/data/health-checks";
import { db } from "@/lib/db";
import { UserError } from "@/lib/errors";
import { testWebhook } from "@/lib/notify";
import { deleteWebhook } from "@/lib/notify/manage";

// Health-check configuration and webhooks: desired state only (the worker acts on it at its next round).

const anyForm = z.record(z.string(), z.string());

export async function saveHealthCheckAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", healthCheckFormSchema, form, async (input, user) => saveHealthCheck(await db(), { actor: user.email, source: "ui" }, input));
  if (!r.ok || !r.result) return r;
  revalidatePath(`/clusters/${r.result.vs.clusterId}`, "layout");
  const c = r.result.check;
  return { ok: true, message: `Saved the health check (${c.kind.toUpperCase()}, every ${c.intervalMs} ms, rise ${c.rise}, fall ${c.fall}${c.enabled ? "" : ", disabled"}). The worker applies it at its next round.` };
}

export async function saveHealthOverrideAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", anyForm, form, async (input, user) => saveHealthOverride(await db(), user.email, input));
  if (!r.ok || !r.result) return r;
  revalidatePath(`/clusters/${r.result.rs.virtualService.clusterId}`, "layout");
  return { ok: true, message: `Saved the override for ${r.result.label}.` };
}

export async function createWebhookAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", anyForm, form, async (input, user) => createWebhook(await db(), user.email, input));
  // the signing secret is never sent back to the browser, not even to re-fill the form
  if (!r.ok || !r.result) return { ...r, values: r.values ? { ...r.values, secret: "" } : undefined };
  revalidatePath("/clusters", "layout");
  return { ok: true, message: `Added webhook ${r.result.name}. Use its Test button to check delivery.` };
}

export async function updateWebhookAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", anyForm, form, async (input, user) => updateWebhookForm(await db(), user.email, input));
  if (!r.ok || !r.result) return { ...r, values: undefined };
  revalidatePath("/clusters", "layout");
  return { ok: true, message: `Saved webhook ${r.result.name}${r.result.enabled ? "" : " (disabled: nothing is sent)"}.` };
}

export async function deleteWebhookAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", z.object({ id: z.string().min(1, "is required") }), form, async (input, user) => deleteWebhook(await db(), user.email, input.id));
  if (!r.ok || !r.result) return r;
  revalidatePath("/clusters", "layout");
  return { ok: true, message: `Deleted webhook ${r.result.name}.` };
}

/**
 * The webhook's test button: one immediate delivery of a "test" event. It says only whether the test
 * was delivered: a status code or an errno would make the button a port scanner of the panel's network.
 */
export async function testWebhookAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", z.object({ id: z.string().min(1, "is required") }), form, async (input, user) => {
    const prisma = await db();
    const hook = await prisma.webhook.findUnique({ where: { id: input.id } });
    if (!hook) throw new UserError("This webhook no longer exists.");
    const res = await testWebhook(prisma, hook.id, user.email);
    await audit(prisma, { actor: user.email, action: "webhook.test", target: `webhook:${hook.name}`, after: { delivered: res.ok } });
    return { ok: res.ok, name: hook.name };
  });
  if (!r.ok || !r.result) return r;
  const t = r.result;
  return t.ok ? { ok: true, message: `Test delivery to ${t.name}: delivered.` } : { ok: false, message: `Test delivery to ${t.name}: not delivered.` };
}
