"use client";
import { useActionState } from "react";
import { applyAction } from "@/app/actions/apply";
import { ConfirmSubmit } from "../forms/confirm-submit";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

/** Apply; with `disruptive` steps in the plan it asks first, naming each one and the connections it cuts now. */
export function ApplyButton({ clusterId, label = "Apply", disabled, disruptive }: { clusterId: string; label?: string; disabled: boolean; disruptive?: Array<{ command: string; activeConns?: number | null }> }) {
  const [state, action] = useActionState(applyAction, {});
  return (
    <form action={action} className="inline-flex items-center gap-2">
      <input type="hidden" name="clusterId" value={clusterId} />
      {disruptive?.length ? (
        <ConfirmSubmit className="btn btn-primary" disabled={disabled} title="Apply disruptive changes?" confirmLabel="Apply and cut these connections"
          body={<>
            <p>This plan holds {disruptive.length} disruptive step{disruptive.length === 1 ? "" : "s"}: connections through them break at once.</p>
            <ul className="mono list-disc space-y-1 pl-5 text-xs" data-testid="disruptive-list">{disruptive.map((s) => (
              <li key={s.command}>{s.command}: <span className="font-sans font-semibold">{s.activeConns === null || s.activeConns === undefined ? "active connections unknown (the director's table could not be read)" : `${s.activeConns} active connection${s.activeConns === 1 ? "" : "s"} now`}</span></li>
            ))}</ul>
            <p>Draining first (weight 0, wait for ActiveConn to fall) avoids this.</p>
          </>}>{label}</ConfirmSubmit>
      ) : <SubmitButton className="btn btn-primary" disabled={disabled}>{label}</SubmitButton>}
      <FormMessage state={state} />
    </form>
  );
}
