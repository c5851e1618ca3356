import { z } from "zod";
import { descriptionSchema, nameSchema, versionSchema } from "./common";

import { FORWARDING_METHODS } from "@/lib/ipvs/model";

export const clusterCreateSchema = z.object({
  name: nameSchema,
  description: descriptionSchema,
  defaultForwardingMethod: z.enum(FORWARDING_METHODS, { error: "must be route (DR), masq (NAT) or tunnel (TUN)" }).default("route"),
});
export const clusterUpdateSchema = clusterCreateSchema.extend({ id: z.string().min(1), version: versionSchema });

export type ClusterCreate = z.infer<typeof clusterCreateSchema>;
export type ClusterUpdate = z.infer<typeof clusterUpdateSchema>;
