"use client";
import Link from "next/link";
import { useActionState, useEffect, useState } from "react";
import { realServerOpAction, type PrepareState } from "@/app/actions/prepare";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";
import { PROBES_EVENT } from "../live/format";

function Hidden({ clusterId, hostId, op }: { clusterId: string; hostId?: string; op: string }) {
  return <><input type="hidden" name="clusterId" value={clusterId} />{hostId && <input type="hidden" name="hostId" value={hostId} />}<input type="hidden" name="op" value={op} /></>;
}

/** "Prepare real servers for DR", its undo and a fresh probe, for the whole cluster or one host. */
export function PrepareButtons({ clusterId, hostId, hostName, disabled }: { clusterId: string; hostId?: string; hostName?: string; disabled: boolean }) {
  const [state, action] = useActionState(realServerOpAction, {} as PrepareState);
  // the banner waits until the ARP panel has the new state (same render), so it never claims what the panel does not show yet
  const [shown, setShown] = useState<{ state: PrepareState; n: number }>({ state: {}, n: 0 });
  useEffect(() => {
    if (state.realServers?.length) window.dispatchEvent(new CustomEvent(PROBES_EVENT, { detail: state.realServers }));
    setShown((s) => ({ state, n: s.n + 1 }));
  }, [state]);
  const suffix = hostName ? ` ${hostName}` : " real servers";
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap gap-2">
        {(["prepare", "undo"] as const).map((op) => (
          <form key={op} action={action}>
            <Hidden clusterId={clusterId} hostId={hostId} op={op} />
            <SubmitButton className={op === "prepare" ? "btn" : "btn btn-danger"} disabled={disabled}>{op === "prepare" ? `Prepare${suffix} for DR` : `Undo DR preparation${hostName ? ` on ${hostName}` : ""}`}</SubmitButton>
          </form>
        ))}
        <form action={action}>
          <Hidden clusterId={clusterId} hostId={hostId} op="probe" />
          <SubmitButton className="btn">{`Probe${hostName ? ` ${hostName}` : ""} now`}</SubmitButton>
        </form>
      </div>
      {/* each answer remounts the warning: its confirmation always names exactly the hosts it shows */}
      {shown.state.live?.length ? <LiveWarning key={shown.n} state={shown.state} clusterId={clusterId} hostId={hostId} action={action} disabled={disabled} /> : <FormMessage state={shown.state} />}
    </div>
  );
}

/** Undo was refused: the director still sends these hosts traffic. Say what breaks, offer the safe way, and the explicit override. */
function LiveWarning({ state, clusterId, hostId, action, disabled }: { state: PrepareState; clusterId: string; hostId?: string; action: (f: FormData) => void; disabled: boolean }) {
  const live = state.live ?? [];
  return (
    <div role="alert" data-testid="undo-warning" className="max-w-2xl space-y-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
      <p className="font-medium">Nothing was changed: undoing now would drop live traffic.</p>
      <ul className="list-disc pl-5">
        {live.map((h) => <li key={h.hostId}><b>{h.host}</b> still receives requests: {h.entries.join("; ")}. Without the VIP on its lo, {h.host} drops them and clients time out.</li>)}
      </ul>
      <p>Safer: drain and remove it from the service first, apply, then undo.</p>
      <div className="flex flex-wrap gap-2">
        {live.flatMap((h) => (h.services.length ? h.services : [null]).map((s) => (
          <Link key={`${h.hostId}-${s?.id ?? "plan"}`} className="btn" href={s ? `/clusters/${clusterId}/services/${s.id}` : `/clusters/${clusterId}/plan`}>
            {s ? `Drain and remove ${h.host} from ${s.label} first` : `Apply the removal of ${h.host} first`}
          </Link>
        )))}
        <form action={action}>
          <Hidden clusterId={clusterId} hostId={hostId} op="undo" />
          <input type="hidden" name="confirmDropTraffic" value={live.map((h) => h.host).join(",")} />
          <SubmitButton className="btn btn-danger" disabled={disabled}>{`Undo anyway and drop ${live.map((h) => h.host).join(", ")}'s traffic`}</SubmitButton>
        </form>
      </div>
    </div>
  );
}
