"use client";
import { useActionState, useState } from "react";
import { createRealServerAction } from "@/app/actions/realservers";
import { FORWARDING_LABEL, FORWARDING_METHODS } from "@/lib/ipvs/model";
import { portLock } from "@/lib/validation/virtual-service";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

type Host = { id: string; name: string; address: string };
type Svc = { id: string; protocol: string; port: number | null };


/** Add a real server: a known host or a typed RIP; in DR/TUN the port is locked to the service port, with the reason. */
export function RealServerForm({ service, hosts, defaultMethod, disabled }: { service: Svc; hosts: Host[]; defaultMethod: string; disabled: boolean }) {
  const [state, action] = useActionState(createRealServerAction, {});
  const v = state.values ?? {};
  const [method, setMethod] = useState(v.forwardingMethod ?? defaultMethod);
  const reason = portLock(service, method).reason;
  return (
    <form action={action} className="space-y-3" noValidate data-testid="realserver-form">
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="grid gap-3 sm:grid-cols-3">
        <input type="hidden" name="virtualServiceId" value={service.id} />
        <Field name="hostId" label="Known host" errors={state.errors}>
          <select key={`h-${v.hostId}`} id="hostId" name="hostId" className="input" defaultValue={v.hostId ?? ""}>
            <option value="">— type an address —</option>
            {hosts.map((h) => <option key={h.id} value={h.id}>{h.name} ({h.address})</option>)}
          </select>
        </Field>
        <Field name="address" label="Real server address (RIP)" errors={state.errors} defaultValue={v.address} placeholder="empty: the host's address" />
        <Field name="forwardingMethod" label="Method" errors={state.errors}>
          <select key={`m-${v.forwardingMethod}`} id="forwardingMethod" name="forwardingMethod" className="input" defaultValue={method} onChange={(e) => setMethod(e.target.value)}>
            {FORWARDING_METHODS.map((m) => <option key={m} value={m}>{FORWARDING_LABEL[m]}</option>)}
          </select>
        </Field>
        {reason ? (
          <Field name="port" label="Port" errors={state.errors} hint={<span data-testid="port-lock-reason">{reason}</span>}>
            <>
              <input id="port" name="port" className="input bg-zinc-100 dark:bg-zinc-800" value={String(service.port ?? "")} readOnly aria-readonly data-locked="true" />
            </>
          </Field>
        ) : (
          <Field name="port" label="Port" errors={state.errors} defaultValue={v.port ?? (service.port ? String(service.port) : "")} inputMode="numeric" />
        )}
        <Field name="weight" label="Weight" errors={state.errors} defaultValue={v.weight ?? "1"} inputMode="numeric" hint="0..2147483647; 0 takes no new connections." />
        <Field name="upperThreshold" label="Upper threshold (-x)" errors={state.errors} defaultValue={v.upperThreshold ?? ""} inputMode="numeric" placeholder="0: none" />
        <Field name="lowerThreshold" label="Lower threshold (-y)" errors={state.errors} defaultValue={v.lowerThreshold ?? ""} inputMode="numeric" placeholder="0: none" />
        <div className="flex items-end"><SubmitButton>Add real server</SubmitButton></div>
      </fieldset>
    </form>
  );
}
