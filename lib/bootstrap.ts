import { db } from "./db";
import { UserError } from "./errors";
import { createFirstAdmin } from "@/lib/data/users";
import { setupSchema } from "./validation/user";

/** ADMIN_EMAIL / ADMIN_PASSWORD create the first admin on an empty database, instead of the setup page. */
export async function bootstrapAdminFromEnv(): Promise<void> {
  const email = process.env.ADMIN_EMAIL;
  const password = process.env.ADMIN_PASSWORD;
  if (!email || !password) return;
  const prisma = await db();
  if ((await prisma.user.count()) > 0) return;
  const parsed = setupSchema.safeParse({ email, password, confirm: password, name: process.env.ADMIN_NAME ?? "Administrator" });
  if (!parsed.success) {
    console.error(`ADMIN_EMAIL/ADMIN_PASSWORD not used: ${parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join("; ")}`);
    return;
  }
  try {
    await createFirstAdmin(prisma, parsed.data);
    console.log(`Created the first admin ${parsed.data.email} from ADMIN_EMAIL.`);
  } catch (e) {
    if (!(e instanceof UserError)) throw e; // another instance created it first
  }
}
