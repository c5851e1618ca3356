/** Field errors keyed by field name, the shape forms render next to each input. */
export type FieldErrors = Record<string, string[] | undefined>;

/** A request that cannot be carried out as asked; the message is for the operator, fields for the form. */
export class UserError extends Error {
  constructor(message: string, readonly fields: FieldErrors = {}) {
    super(message);
    this.name = "UserError";
  }
}

/** Someone else saved first (optimistic `version` check failed). */
export class StaleError extends UserError {
  constructor(what: string) {
    super(`${what} was changed by someone else since you opened it. Reload to see their change, then edit again.`);
    this.name = "StaleError";
  }
}

/** Prisma's unique-constraint failure (P2002), whatever the driver adapter wraps it in. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string; cause?: { code?: string } } | null;
  return err?.code === "P2002" || err?.cause?.code === "23505" || /Unique constraint failed|duplicate key value/i.test(err?.message ?? "");
}
