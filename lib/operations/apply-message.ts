import { LeaseLost, DirectorBusy, type DirectorProbe } from "@/lib/director";
import { UserError } from "@/lib/errors";
import { isSshError } from "@/lib/ssh";

/** An SSH failure in words: code, message and what to do. */
export function sshMessage(e: unknown): string {
  if (isSshError(e)) return `${e.code}: ${e.message}. ${e.hint}`;
  return e instanceof Error ? e.message : String(e);
}

/** An apply's failure in words for the run's page: SSH's vocabulary, never a raw database message. */
export function applyMessage(e: unknown, directorName: string): string {
  if (isSshError(e, "timeout")) return `The director ${directorName} did not answer in time: ${e.message}. ${e.hint}`;
  if (isSshError(e)) return sshMessage(e);
  if (e instanceof LeaseLost || e instanceof DirectorBusy || e instanceof UserError) return e.message;
  const name = e instanceof Error ? e.name + " " + (e.constructor?.name ?? "") : "";
  if (/Prisma|DriverAdapter/.test(name) || /prisma\.|Transaction API error/.test(e instanceof Error ? e.message : "")) {
    return "The panel could not record the apply in its database (see the server log); the director may have been changed: open the plan to see.";
  }
  return e instanceof Error ? e.message : String(e);
}

/** The interface that faces a VIP on the director: the default route's. */
export function vipIface(p: Pick<DirectorProbe, "defaultRoute"> | null): string {
  return p?.defaultRoute?.dev ?? "eth0";
}
