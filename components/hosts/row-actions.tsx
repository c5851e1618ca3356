"use client";
import { useActionState, useState } from "react";
import { deleteHostAction, testHostAction, updateHostAction } from "@/app/actions/hosts";
import type { FormState } from "@/lib/action-state";
import { ConfirmSubmit } from "../forms/confirm-submit";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

type Host = { id: string; name: string; address: string; sshPort: number; sshUser: string; sshKeyId: string | null; role: string; realServers: number; vrrpPriority?: number };

/** On the Hosts list: test the connection (in words), edit where and how the panel logs in, delete (asked first). */
export function HostRowActions({ host, keys, canEdit }: { host: Host; keys: Array<{ id: string; name: string }>; canEdit: boolean }) {
  const [test, testAction] = useActionState(testHostAction, {});
  const [del, delAction] = useActionState(deleteHostAction, {});
  const [editing, setEditing] = useState(false);
  const btn = "btn px-2 py-0.5 text-xs";
  return (
    <div className="max-w-[16rem] space-y-1 whitespace-normal">
      <div className="flex flex-wrap gap-1">
        <form action={testAction}><input type="hidden" name="id" value={host.id} /><SubmitButton className={btn} aria-label={`Test connection to ${host.name}`}>Test connection</SubmitButton></form>
        <button type="button" className={btn} disabled={!canEdit} onClick={() => setEditing((e) => !e)} aria-expanded={editing} aria-label={`Edit ${host.name}`}>{editing ? "Close" : "Edit"}</button>
        <form action={delAction}>
          <input type="hidden" name="id" value={host.id} />
          <ConfirmSubmit className="btn btn-danger px-2 py-0.5 text-xs" disabled={!canEdit} aria-label={`Delete ${host.name}`} title={`Delete host ${host.name}?`} confirmLabel={`Yes, delete ${host.name}`}
            body={<><p>The panel forgets how to reach {host.name} ({host.address}) and its pinned host key. Nothing is run on the machine itself.</p>
              {host.role === "real_server" && host.realServers > 0 && <p className="font-semibold">{host.realServers} real-server entr{host.realServers === 1 ? "y keeps" : "ies keep"} its address but lose{host.realServers === 1 ? "s" : ""} the host: the panel can no longer prepare or probe it for DR. Undo its DR preparation first if it is done with.</p>}
              {host.role === "director" && <p className="font-semibold">It is a director: without it the cluster cannot be planned, applied or watched.</p>}</>}>Delete</ConfirmSubmit>
        </form>
      </div>
      {test.message && <p role={test.ok ? "status" : "alert"} data-testid="host-test" className={`break-words text-xs ${test.ok ? "text-emerald-700" : "text-red-700"}`}>{test.message}</p>}
      {del.message && <FormMessage state={del} />}
      {editing && <HostEditForm host={host} keys={keys} />}
    </div>
  );
}

function HostEditForm({ host, keys }: { host: Host; keys: Array<{ id: string; name: string }> }) {
  const [state, action] = useActionState<FormState, FormData>(updateHostAction, {});
  const v = state.values ?? {};
  return (
    <form action={action} className="card max-w-md space-y-2 p-3" noValidate data-testid={`host-edit-${host.name}`}>
      <FormMessage state={state} />
      <input type="hidden" name="id" value={host.id} />
      <Field id={`${host.id}-name`} name="name" label="Name" errors={state.errors} defaultValue={v.name ?? host.name} />
      <Field id={`${host.id}-address`} name="address" label="Address" errors={state.errors} defaultValue={v.address ?? host.address} hint="Changing it (or the port) drops the pinned host key: trust it again." />
      <Field id={`${host.id}-sshPort`} name="sshPort" label="SSH port" errors={state.errors} defaultValue={v.sshPort ?? String(host.sshPort)} inputMode="numeric" />
      <Field id={`${host.id}-sshUser`} name="sshUser" label="SSH user" errors={state.errors} defaultValue={v.sshUser ?? host.sshUser} />
      <Field id={`${host.id}-sshKeyId`} name="sshKeyId" label="SSH key" errors={state.errors}>
        <select key={`k-${v.sshKeyId}`} id={`${host.id}-sshKeyId`} name="sshKeyId" className="input" defaultValue={v.sshKeyId ?? host.sshKeyId ?? ""}>
          <option value="">No key (the panel cannot log in)</option>
          {keys.map((k) => <option key={k.id} value={k.id}>{k.name}</option>)}
        </select>
      </Field>
      {host.role === "director" && (
        <Field id={`${host.id}-vrrpPriority`} name="vrrpPriority" label="VRRP priority" errors={state.errors} defaultValue={v.vrrpPriority ?? String(host.vrrpPriority ?? 100)} inputMode="numeric"
          hint="1-254; with director HA the highest is the preferred MASTER. The next Apply writes it to keepalived." />
      )}
      <SubmitButton>Save host</SubmitButton>
    </form>
  );
}
