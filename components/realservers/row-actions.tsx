"use client";
import { useActionState } from "react";
import { deleteRealServerAction, setRealServerStateAction } from "@/app/actions/realservers";
import { SubmitButton } from "../forms/submit-button";

/**
 * Drain (weight 0), enable, disable, remove: each saves desired state; Apply pushes it. Each posts the
 * version the page was rendered at, so a change made by someone else meanwhile is refused, not overwritten.
 */
export function RealServerActions({ id, version, state: rsState, label, disabled }: { id: string; version: number; state: string; label: string; disabled: boolean }) {
  const [st, stateAction] = useActionState(setRealServerStateAction, {});
  const [del, delAction] = useActionState(deleteRealServerAction, {});
  const msg = del.message ? del : st;
  const btn = "btn px-2 py-0.5 text-xs";
  return (
    <div className="flex flex-wrap items-center gap-1">
      {(["active", "draining", "disabled"] as const).filter((s) => s !== rsState).map((s) => (
        <form key={s} action={stateAction}>
          <input type="hidden" name="id" value={id} /><input type="hidden" name="version" value={version} /><input type="hidden" name="state" value={s} />
          <SubmitButton className={btn} disabled={disabled} aria-label={`${s === "active" ? "Enable" : s === "draining" ? "Drain" : "Disable"} ${label}`}>{s === "active" ? "Enable" : s === "draining" ? "Drain" : "Disable"}</SubmitButton>
        </form>
      ))}
      <form action={delAction}>
        <input type="hidden" name="id" value={id} /><input type="hidden" name="version" value={version} />
        <SubmitButton className="btn btn-danger px-2 py-0.5 text-xs" disabled={disabled} aria-label={`Remove ${label}`}>Remove</SubmitButton>
      </form>
      {msg.message && <span role={msg.ok ? "status" : "alert"} className={msg.ok ? "text-xs text-emerald-700" : "text-xs text-red-700"}>{msg.message}</span>}
    </div>
  );
}
