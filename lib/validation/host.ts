import { z } from "zod";
import { nameSchema } from "./common";

// A host is reached over SSH: an IPv4/IPv6 address or a DNS name, never anything a shell could read.
export const hostAddressSchema = z.string({ error: "is required" }).trim().min(1, "is required").max(253, "must be at most 253 characters")
  .refine((v) => z.ipv4().safeParse(v).success || z.ipv6().safeParse(v).success || z.hostname().safeParse(v).success,
    "must be an IPv4 or IPv6 address or a host name");

export const sshUserSchema = z.string().trim().min(1, "is required").max(32, "must be at most 32 characters")
  .regex(/^[a-z_][a-z0-9_-]*$/, "must be a Unix user name (lower-case letters, digits, '_' and '-')");

export const hostCreateSchema = z.object({
  clusterId: z.string({ error: "is required" }).min(1, "is required"),
  name: nameSchema,
  address: hostAddressSchema,
  sshPort: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be 1..65535").max(65535, "must be 1..65535").default(22),
  sshUser: sshUserSchema.default("root"),
  sshKeyId: z.string().trim().transform((v) => (v === "" ? null : v)).nullable().default(null),
  role: z.enum(["director", "real_server"], { error: "must be director or real server" }),
});
export type HostCreate = z.infer<typeof hostCreateSchema>;
