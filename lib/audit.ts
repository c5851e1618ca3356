import type { Prisma, PrismaClient } from "@/generated/prisma/client";

type Tx = PrismaClient | Prisma.TransactionClient;

/** Every mutation writes one, in the same transaction as the change it describes. */
export async function audit(tx: Tx, e: { actor: string; action: string; target: string; before?: unknown; after?: unknown }) {
  await tx.auditEvent.create({
    data: {
      actor: e.actor,
      action: e.action,
      target: e.target,
      before: e.before === undefined ? undefined : (JSON.parse(JSON.stringify(e.before)) as Prisma.InputJsonValue),
      after: e.after === undefined ? undefined : (JSON.parse(JSON.stringify(e.after)) as Prisma.InputJsonValue),
    },
  });
}

/** The actor of a request made with an API token: who, and through which token. */
export function tokenActor(email: string, tokenName: string): string {
  return `${email} (API token ${tokenName})`;
}
