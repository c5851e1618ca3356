import { z } from "zod";
import { nameSchema } from "./common";

export const sshKeyCreateSchema = z.object({
  name: nameSchema,
  mode: z.enum(["generate", "import"], { error: "must be generate or import" }),
  privateKey: z.string().max(16_384, "is too long for an SSH private key").default(""),
}).refine((v) => v.mode === "generate" || v.privateKey.trim().length > 0, { path: ["privateKey"], message: "is required when importing a key" });
