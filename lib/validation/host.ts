import { z } from "zod";
import { IPV4_MAPPED_RULE, isIPv4Mapped } from "@/lib/ipvs/address";
import { NUMBER_SPACES_RULE, spacedNumber } from "@/lib/ipvs/schema";
import { nameSchema } from "./common";

// A host is reached over SSH: an IPv4/IPv6 address or a DNS name, never anything a shell could read.
export const hostAddressSchema = z.string({ error: "is required" }).trim().min(1, "is required").max(253, "must be at most 253 characters")
  .refine((v) => z.ipv4().safeParse(v).success || z.ipv6().safeParse(v).success || z.hostname().safeParse(v).success,
    "must be an IPv4 or IPv6 address or a host name")
  .refine((v) => !isIPv4Mapped(v), IPV4_MAPPED_RULE);

export const sshUserSchema = z.string().trim().min(1, "is required").max(32, "must be at most 32 characters")
  .regex(/^[a-z_][a-z0-9_-]*$/, "must be a Unix user name (lower-case letters, digits, '_' and '-')");

/** A director's VRRP priority (keepalived: 1-254, higher is the preferred MASTER); blank or omitted: unchanged (100 for a new director). */
export const vrrpPriorityField = z.union([z.int(), z.string()], { error: "must be a number" }).optional().transform((v, ctx) => {
  if (v === undefined || v === "") return undefined;
  if (typeof v === "string" && spacedNumber(v)) { ctx.addIssue({ code: "custom", message: `${NUMBER_SPACES_RULE} (got ${JSON.stringify(v)})` }); return z.NEVER; }
  const n = typeof v === "number" ? v : /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) { ctx.addIssue({ code: "custom", message: "must be a whole number" }); return z.NEVER; }
  if (n < 1 || n > 254) { ctx.addIssue({ code: "custom", message: "must be 1-254 (255 is reserved for the address owner)" }); return z.NEVER; }
  return n;
});

export const hostCreateSchema = z.object({
  clusterId: z.string({ error: "is required" }).min(1, "is required"),
  name: nameSchema,
  address: hostAddressSchema,
  // " 22" is refused like every number field (lib/ipvs NUMBER_SPACES_RULE), not trimmed
  sshPort: z.union([z.int(), z.string()], { error: "must be a number" }).optional().transform((v, ctx) => {
    if (v === undefined || v === "") return 22;
    if (spacedNumber(v)) { ctx.addIssue({ code: "custom", message: `${NUMBER_SPACES_RULE} (got ${JSON.stringify(v)})` }); return z.NEVER; }
    const n = typeof v === "number" ? v : /^\d+$/.test(v) ? Number(v) : /^\d*\.\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isNaN(n)) { ctx.addIssue({ code: "custom", message: "must be a number" }); return z.NEVER; }
    if (!Number.isInteger(n)) { ctx.addIssue({ code: "custom", message: "must be a whole number" }); return z.NEVER; }
    if (n < 1 || n > 65535) { ctx.addIssue({ code: "custom", message: "must be 1..65535" }); return z.NEVER; }
    return n;
  }),
  sshUser: sshUserSchema.default("root"),
  sshKeyId: z.string().trim().transform((v) => (v === "" ? null : v)).nullable().default(null),
  role: z.enum(["director", "real_server"], { error: "must be director or real server" }),
  vrrpPriority: vrrpPriorityField,
});
// vrrpPriority optional in the type too (callers that add real servers leave it out)
type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
export type HostCreate = Optional<z.infer<typeof hostCreateSchema>, "vrrpPriority">;

/** Edit a host: where and how the panel logs in (its cluster and role stay; remove and add it to change those). */
export const hostUpdateSchema = hostCreateSchema.omit({ clusterId: true, role: true }).extend({ id: z.string({ error: "is required" }).min(1, "is required") });
export type HostUpdate = Optional<z.infer<typeof hostUpdateSchema>, "vrrpPriority">;

