"use client";
import { useActionState } from "react";
import { createHostAction } from "@/app/actions/hosts";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

type Option = { id: string; name: string };

// Selects are keyed by the echoed value: React 19 resets a form after its action, and a select only
// picks up a changed defaultValue when it is remounted.
export function HostCreateForm({ clusters, keys, clusterId, disabled }: { clusters: Option[]; keys: Option[]; clusterId?: string; disabled: boolean }) {
  const [state, action] = useActionState(createHostAction, {});
  const v = state.values ?? {};
  return (
    <form action={action} className="space-y-3" noValidate>
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="grid gap-3 sm:grid-cols-2">
        <Field name="clusterId" label="Cluster" errors={state.errors}>
          <select key={`c-${v.clusterId}`} id="clusterId" name="clusterId" className="input" defaultValue={v.clusterId ?? clusterId ?? ""}>
            <option value="">Choose…</option>
            {clusters.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </Field>
        <Field name="role" label="Role" errors={state.errors}>
          <select key={`r-${v.role}`} id="role" name="role" className="input" defaultValue={v.role ?? "real_server"}>
            <option value="director">Director (runs ipvsadm)</option>
            <option value="real_server">Real server</option>
          </select>
        </Field>
        <Field name="name" label="Name" errors={state.errors} defaultValue={v.name} placeholder="rs1" />
        <Field name="address" label="Address" errors={state.errors} defaultValue={v.address} placeholder="10.0.0.11" hint="Where the panel reaches SSH (management address)." />
        <Field name="sshPort" label="SSH port" errors={state.errors} defaultValue={v.sshPort ?? "22"} inputMode="numeric" />
        <Field name="sshUser" label="SSH user" errors={state.errors} defaultValue={v.sshUser ?? "root"} hint="Not root? Commands run through sudo -n." />
        <Field name="sshKeyId" label="SSH key" errors={state.errors}>
          <select key={`k-${v.sshKeyId}`} id="sshKeyId" name="sshKeyId" className="input" defaultValue={v.sshKeyId ?? keys[0]?.id ?? ""}>
            <option value="">{keys.length ? "No key (choose one before connecting)" : "No SSH keys yet: add one on the SSH keys page"}</option>
            {keys.map((k) => <option key={k.id} value={k.id}>{k.name}</option>)}
          </select>
        </Field>
        <Field name="vrrpPriority" label="VRRP priority (directors)" errors={state.errors} defaultValue={v.vrrpPriority ?? ""} inputMode="numeric" placeholder="100"
          hint="Directors only, used with director HA: 1-254, the highest is the preferred MASTER. Blank: 100." />
        <div className="flex items-end"><SubmitButton>Add host</SubmitButton></div>
      </fieldset>
    </form>
  );
}
