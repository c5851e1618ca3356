"use client";
import { useActionState } from "react";
import { fetchHostKeyAction, trustHostKeyAction } from "@/app/actions/hostkeys";
import { SubmitButton } from "../forms/submit-button";

/**
 * Cockpit's trust flow: fetch the key the host presents, show its SHA256 fingerprint, trust it
 * deliberately. A changed key is shown in red and only an admin gets the button to accept it.
 */
export function HostKeyTrust({ hostId, hostName, pinned, canTrust, canRetrust }: { hostId: string; hostName: string; pinned: string | null; canTrust: boolean; canRetrust: boolean }) {
  const [fetched, fetchAction] = useActionState(fetchHostKeyAction, {});
  const [trusted, trustAction] = useActionState(trustHostKeyAction, {});
  const v = fetched.values ?? {};
  const changed = v.status === "changed";
  const done = trusted.ok && trusted.values?.status === "trusted";
  return (
    <div className="space-y-1" data-testid={`hostkey-${hostName}`}>
      {pinned ? <span className="mono text-xs" data-testid="pinned-fingerprint">{pinned}</span>
        : <span className="badge bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100">not trusted yet</span>}
      {canTrust && !done && (
        <form action={fetchAction} className="inline">
          <input type="hidden" name="hostId" value={hostId} />
          <SubmitButton className="btn ml-2 px-2 py-0.5 text-xs">{pinned ? "Check key" : "Fetch key"}</SubmitButton>
        </form>
      )}
      {fetched.message && !done && (
        <div role={fetched.ok ? "status" : "alert"} className={changed ? "rounded border-2 border-red-600 bg-red-50 p-2 text-xs font-semibold text-red-900 dark:bg-red-950 dark:text-red-200" : "text-xs"}>
          {fetched.message}
          {v.fingerprint && <div className="mono mt-1" data-testid="presented-fingerprint">{v.algorithm} {v.fingerprint}</div>}
        </div>
      )}
      {v.fingerprint && (v.status === "new" || (changed && canRetrust)) && !done && (
        <form action={trustAction}>
          <input type="hidden" name="hostId" value={hostId} />
          <input type="hidden" name="fingerprint" value={v.fingerprint} />
          <SubmitButton className={changed ? "btn btn-danger px-2 py-0.5 text-xs" : "btn btn-primary px-2 py-0.5 text-xs"}>{changed ? "Accept the changed key" : "Trust this key"}</SubmitButton>
        </form>
      )}
      {trusted.message && <p role={trusted.ok ? "status" : "alert"} className={trusted.ok ? "text-xs text-emerald-700" : "text-xs text-red-700"}>{trusted.message}</p>}
    </div>
  );
}
