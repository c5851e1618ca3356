"use client";
import { useActionState } from "react";
import { realServerOpAction } from "@/app/actions/prepare";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

/** "Prepare real servers for DR" and its undo, for the whole cluster or one host. */
export function PrepareButtons({ clusterId, hostId, hostName, disabled }: { clusterId: string; hostId?: string; hostName?: string; disabled: boolean }) {
  const [state, action] = useActionState(realServerOpAction, {});
  const suffix = hostName ? ` ${hostName}` : " real servers";
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap gap-2">
        {(["prepare", "undo"] as const).map((op) => (
          <form key={op} action={action}>
            <input type="hidden" name="clusterId" value={clusterId} />
            {hostId && <input type="hidden" name="hostId" value={hostId} />}
            <input type="hidden" name="op" value={op} />
            <SubmitButton className={op === "prepare" ? "btn" : "btn btn-danger"} disabled={disabled}>{op === "prepare" ? `Prepare${suffix} for DR` : `Undo DR preparation${hostName ? ` on ${hostName}` : ""}`}</SubmitButton>
          </form>
        ))}
      </div>
      <FormMessage state={state} />
    </div>
  );
}
