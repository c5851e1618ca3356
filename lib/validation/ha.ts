import { z } from "zod";
import { versionSchema } from "./common";

// A cluster's director-HA settings (the form, PATCH /clusters/{id}/ha, the CLI). keepalived's limits:
// virtual_router_id 1-255, priority 1-254 (255 is the address owner's), PASS at most 8 characters.
const bool = z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean());

export const haSettingsSchema = z.object({
  id: z.string().min(1),
  version: versionSchema,
  haEnabled: bool,
  vrrpRouterId: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be 1-255").max(255, "must be 1-255"),
  vrrpInterface: z.string().trim().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/, "must be an interface name such as eth0 (at most 15 characters)"),
  // whole seconds: a fractional advert_int needs VRRPv3, which has no authentication
  vrrpAdvertInt: z.coerce.number({ error: "must be a number" }).int("must be whole seconds (1-255)").min(1, "must be 1-255 seconds").max(255, "must be 1-255 seconds"),
  vrrpPreempt: bool,
  vrrpPreemptDelay: z.coerce.number({ error: "must be a number" }).int("must be whole seconds").min(0, "must be 0-1000 s").max(1000, "must be 0-1000 s"),
  vrrpUnicast: bool,
  vrrpAuthPass: z.string().trim().max(8, "keepalived's PASS authentication takes at most 8 characters")
    .regex(/^[A-Za-z0-9._+=@%-]*$/, "may contain letters, digits and . _ + = @ % -")
    .transform((s) => (s === "" ? null : s)),
  syncDaemon: bool,
});
export type HaSettingsInput = z.infer<typeof haSettingsSchema>;

export const vrrpPrioritySchema = z.object({
  hostId: z.string().min(1),
  vrrpPriority: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be 1-254").max(254, "must be 1-254"),
});
export type VrrpPriorityInput = z.infer<typeof vrrpPrioritySchema>;

/**
 * The settings form: the PASS password is write-only (never sent to the browser), so a blank field
 * KEEPS the stored one and the "remove the password" box clears it.
 */
export const haSettingsFormSchema = haSettingsSchema.extend({ vrrpAuthPassClear: bool });

// The API (PATCH /clusters/{id}/ha, merged over the stored settings): JSON booleans only (the form's
// "on" would let `"haEnabled": "yes"` mean false), and vrrpAuthPass null clears it, omitted keeps it.
const jsonBool = z.boolean({ error: "must be true or false" });
export const haSettingsApiSchema = haSettingsSchema.extend({
  haEnabled: jsonBool, vrrpPreempt: jsonBool, vrrpUnicast: jsonBool, syncDaemon: jsonBool,
  vrrpAuthPass: haSettingsSchema.shape.vrrpAuthPass.nullable().transform((v) => v ?? null),
});

/** A planned switchover (the form's Switch over, POST /clusters/{id}/failover): to a named director, or the best ready backup. */
export const failoverSchema = z.object({
  to: z.string().trim().max(100, "must be at most 100 characters").optional().transform((v) => v || undefined),
});
