"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { presentedKey, trustHostKey } from "@/lib/operations/host-keys";
import { db } from "@/lib/db";

const hostIdSchema = z.object({ hostId: z.string().min(1, "is required") });

/** Reads the key the host presents (no credentials sent) so an operator can compare it. */
export async function fetchHostKeyAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("trust-host-key", hostIdSchema, form, async (input) => presentedKey(await db(), input.hostId));
  if (!r.ok || !r.result) return r;
  const k = r.result;
  const message = k.status === "changed"
    ? `HOST KEY CHANGED: ${k.host.name} presents ${k.fingerprint} (${k.algorithm}), but ${k.pinned} is ${k.host.hostKeyFingerprint ? "pinned" : `the key trusted before for ${k.host.address}:${k.host.sshPort}`}. This can be a reinstalled host or an attack. Only an admin can accept it.`
    : k.status === "same" ? `${k.host.name} presents the pinned key ${k.fingerprint}.` : k.knownSince ? `${k.host.name} presents ${k.algorithm} ${k.fingerprint}, the key trusted for this address since ${k.knownSince.toISOString().slice(0, 10)}.`
      : `${k.host.name} presents ${k.algorithm} ${k.fingerprint}. Compare it with ssh-keygen -lf on the host before trusting it.`;
  return { ok: k.status !== "changed", message, values: { hostId: k.host.id, fingerprint: k.fingerprint, algorithm: k.algorithm, status: k.status } };
}

const trustSchema = hostIdSchema.extend({ fingerprint: z.string().trim().min(1, "is required") });

export async function trustHostKeyAction(_prev: FormState, form: FormData): Promise<FormState> {
  const r = await formAction("trust-host-key", trustSchema, form, async (input, user) => trustHostKey(await db(), user, input.hostId, input.fingerprint));
  if (!r.ok || !r.result) return r;
  revalidatePath("/hosts");
  revalidatePath(`/clusters/${r.result.host.clusterId}`);
  return { ok: true, message: r.result.changed ? `Trusted ${r.result.host.name}'s host key ${r.result.host.hostKeyFingerprint}.` : `${r.result.host.name}'s key was already trusted.`, values: { status: "trusted" } };
}
