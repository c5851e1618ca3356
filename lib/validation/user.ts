import { z } from "zod";
import { ROLES } from "../roles";

export const emailSchema = z.string({ error: "is required" }).trim().toLowerCase().max(254, "must be at most 254 characters")
  .pipe(z.email({ error: "must be an email address" }));

export const passwordSchema = z.string({ error: "is required" }).min(10, "must be at least 10 characters").max(200, "must be at most 200 characters");

export const userCreateSchema = z.object({
  email: emailSchema,
  name: z.string().trim().min(1, "is required").max(100, "must be at most 100 characters"),
  password: passwordSchema,
  role: z.enum(ROLES, { error: "must be admin, operator or viewer" }),
});

export const setupSchema = userCreateSchema.omit({ role: true }).extend({ confirm: z.string() })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "does not match the password" });

export const loginSchema = z.object({ email: emailSchema, password: z.string().min(1).max(200) });
