"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, type FormState } from "@/lib/action-state";
import { liveRealServersAfter, type LiveRealServer } from "@/lib/live/live-tick";
import { LiveTrafficError, realServerOp, type LiveHost } from "@/lib/operations/cluster";
import { db } from "@/lib/db";

const schema = z.object({
  clusterId: z.string().min(1),
  hostId: z.string().optional().transform((v) => (v ? v : undefined)),
  op: z.enum(["prepare", "undo", "probe"], { error: "must be prepare, undo or probe" }),
  // the hosts (by name, comma-separated) whose live traffic the operator agreed to drop; undo only
  confirmDropTraffic: z.string().max(2000).optional().transform((v) => (v ? v.split(",").map((x) => x.trim()).filter(Boolean) : [])),
});

/** The form's state: `live` asks for a confirmation (undo on hosts the director still feeds); `realServers` refresh the ARP panel. */
export type PrepareState = FormState & { live?: LiveHost[]; realServers?: LiveRealServer[] };

type Result = Awaited<ReturnType<typeof realServerOp>>[number];

/** One host's line of the result: after an undo, "not DR-ready" is the expected outcome, said so. */
function line(op: "prepare" | "undo" | "probe", x: Result): string {
  if (x.error) return `${x.host}: ${x.error}`;
  const problems = x.report?.verdicts.flatMap((v) => v.problems).join("; ") ?? "";
  if (op === "undo") return x.report?.ready ? `${x.host}: undo ran, but it still looks DR-ready` : `${x.host}: no longer DR-ready (VIP off lo, ARP sysctls back), as expected after an undo`;
  return `${x.host}: ${x.report?.ready ? "DR-ready" : `not ready: ${problems}`}`;
}

/** "Prepare real servers for DR" (ARP sysctls + VIP on lo), its undo, or a fresh probe: per cluster or per host. */
export async function realServerOpAction(_prev: PrepareState, form: FormData): Promise<PrepareState> {
  let live: LiveHost[] | undefined;
  const r = await formAction((input) => (input.op === "probe" ? "read" : "apply"), schema, form, async (input, user) => {
    try {
      const hosts = await realServerOp(await db(), user.email, input.clusterId, input.op, input.hostId, { confirmDropTraffic: input.confirmDropTraffic });
      return { input, hosts };
    } catch (e) {
      if (e instanceof LiveTrafficError) live = e.live;
      throw e;
    }
  });
  if (live) return { ...r, live };
  if (!r.ok || !r.result) return r;
  // everything below comes from the parsed input, never from the raw form (a field may be forged twice)
  const { input: { clusterId, op }, hosts } = r.result;
  revalidatePath(`/clusters/${clusterId}`, "layout");
  const verb = { prepare: "Prepared", undo: "Undid the preparation on", probe: "Probed" }[op];
  const realServers = await liveRealServersAfter(await db(), clusterId, hosts);
  return { ok: hosts.every((x) => !x.error), message: `${verb} ${hosts.map((x) => x.host).join(", ")}. ${hosts.map((x) => line(op, x)).join(" · ")}`, realServers };
}
