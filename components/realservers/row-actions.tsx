"use client";
import { useActionState } from "react";
import { deleteRealServerAction, setRealServerStateAction } from "@/app/actions/realservers";
import { ConfirmSubmit } from "../forms/confirm-submit";
import { SubmitButton } from "../forms/submit-button";

/** What the director's kernel holds for this real server now (read when the page was rendered). */
export type KernelNow = { known: false; error: string } | { known: true; inTable: boolean; activeConns: number; weight: number };

function breaks(label: string, k: KernelNow): string {
  if (!k.known) return `The director's table could not be read (${k.error}): its active connections are unknown.`;
  if (!k.inTable) return `The director does not send ${label} traffic now: nothing breaks.`;
  if (k.activeConns === 0) return `The director sends it new requests now (weight ${k.weight}), with no active connection at this moment: after the next apply it gets none.`;
  return `The director sends it traffic now (weight ${k.weight}) with ${k.activeConns} active connection${k.activeConns === 1 ? "" : "s"}: at the next apply they break.`;
}

/**
 * Drain (weight 0), enable, disable, remove: each saves desired state; Apply pushes it. Remove asks first.
 * Each posts the version the page was rendered at, so a change made by someone else meanwhile is refused.
 */
export function RealServerActions({ id, version, state: rsState, label, service, kernel, disabled }: { id: string; version: number; state: string; label: string; service: string; kernel: KernelNow; disabled: boolean }) {
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
        <ConfirmSubmit className="btn btn-danger px-2 py-0.5 text-xs" disabled={disabled} aria-label={`Remove ${label}`} title={`Remove ${label} from ${service}?`} confirmLabel={`Yes, remove ${label}`}
          body={<><p>It leaves the desired state now; the next apply deletes it from the director&apos;s table, and connections it still serves are cut.</p>
            <p className="font-semibold" data-testid="remove-rs-conns">{breaks(label, kernel)}</p>
            {rsState !== "draining" && kernel.known && kernel.inTable && kernel.activeConns > 0 && <p>Drain first (weight 0, apply, wait for ActiveConn to reach 0) to let them finish.</p>}</>}>Remove</ConfirmSubmit>
      </form>
      {msg.message && <span role={msg.ok ? "status" : "alert"} className={msg.ok ? "text-xs text-emerald-700" : "text-xs text-red-700"}>{msg.message}</span>}
    </div>
  );
}
