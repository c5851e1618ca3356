"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { formAction, type FormState } from "@/lib/action-state";
import { hostPort } from "@/lib/ipvs/address";
import { createRealServer, deleteRealServer, setRealServerState, updateRealServer } from "@/lib/data/virtual-services";
import { realServerRefSchema, realServerSchema, realServerStateSchema, realServerUpdateSchema } from "@/lib/validation/virtual-service";
import { db } from "@/lib/db";

async function clusterPath(virtualServiceId: string) {
  const vs = await (await db()).virtualService.findUnique({ where: { id: virtualServiceId }, select: { clusterId: true } });
  if (vs) revalidatePath(`/clusters/${vs.clusterId}`, "layout");
}

export async function createRealServerAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", realServerSchema, form, async (input, user) => createRealServer(await db(), { actor: user.email, source: "ui" }, input));
  if (!r.ok || !r.result) return r;
  await clusterPath(r.result.realServer.virtualServiceId);
  const rs = r.result.realServer;
  return { ok: true, message: `Added real server ${hostPort(rs.address, rs.port)}.${r.result.notice ? ` ${r.result.notice}` : ""} Apply to push it to the director.` };
}

export async function updateRealServerAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", realServerUpdateSchema, form, async (input, user) => updateRealServer(await db(), { actor: user.email, source: "ui" }, input));
  if (!r.ok || !r.result) return r;
  await clusterPath(r.result.realServer.virtualServiceId);
  const rs = r.result.realServer;
  return { ok: true, message: `Saved real server ${hostPort(rs.address, rs.port)}.${r.result.notice ? ` ${r.result.notice}` : ""}` };
}

export async function setRealServerStateAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", realServerStateSchema, form, async (input, user) => setRealServerState(await db(), { actor: user.email, source: "ui" }, input.id, input.state, input.version));
  if (!r.ok || !r.result) return r;
  revalidatePath(`/clusters/${r.result.virtualService.clusterId}`, "layout");
  const what = { active: "enabled", draining: "set to drain (weight 0: no new connections)", disabled: "disabled (left out of the table)" }[r.result.state];
  return { ok: true, message: `${hostPort(r.result.address, r.result.port)} ${what}. Apply to push it.` };
}

export async function deleteRealServerAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("edit", realServerRefSchema, form, async (input, user) => deleteRealServer(await db(), { actor: user.email, source: "ui" }, input.id, input.version));
  if (!r.ok || !r.result) return r;
  const clusterId = r.result.virtualService.clusterId;
  revalidatePath(`/clusters/${clusterId}`, "layout");
  // the row (and the message beside it) is gone: the service page says it instead
  redirect(`/clusters/${clusterId}/services/${r.result.virtualServiceId}?removed=${encodeURIComponent(hostPort(r.result.address, r.result.port))}`);
}
