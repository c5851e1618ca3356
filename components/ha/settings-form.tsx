"use client";
import { useActionState } from "react";
import { updateHaSettingsAction } from "@/app/actions/ha";
import type { FormState } from "@/lib/action-state";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

/** The settings as the form shows them: the password only as set / not set (it never reaches the browser). */
export type HaSettingsShown = {
  id: string; version: number; haEnabled: boolean; vrrpRouterId: number; vrrpInterface: string; vrrpAdvertInt: number; vrrpPreempt: boolean;
  vrrpPreemptDelay: number; vrrpUnicast: boolean; authPassSet: boolean; syncDaemon: boolean; directors: number;
};

function Check({ name, label, checked, errors, hint }: { name: string; label: string; checked: boolean; errors?: FormState["errors"]; hint?: React.ReactNode }) {
  const messages = errors?.[name];
  return (
    <div className="space-y-1">
      <label className="flex items-center gap-2 text-sm font-medium"><input type="checkbox" id={name} name={name} defaultChecked={checked} aria-invalid={messages ? true : undefined} /> {label}</label>
      {hint && !messages && <p className="text-xs text-zinc-500">{hint}</p>}
      {messages && <p role="alert" className="text-xs text-red-600 dark:text-red-400" data-field-error={name}>{label} {messages.join("; ")}</p>}
    </div>
  );
}

// Checkboxes and selects are keyed by the echoed values: React 19 resets a form after its action.
export function HaSettingsForm({ s, disabled }: { s: HaSettingsShown; disabled: boolean }) {
  const [state, action] = useActionState(updateHaSettingsAction, {});
  const v = state.values ?? {};
  const version = state.ok && v.version ? v.version : String(s.version);
  const echoed = !state.ok && state.values;
  const on = (name: string, stored: boolean) => (echoed ? v[name] === "on" : stored);
  const k = JSON.stringify(v);
  return (
    <form action={action} className="space-y-4" noValidate data-testid="ha-settings-form">
      <FormMessage state={state} />
      <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200" data-testid="ha-warning">
        <p><strong>Turning HA on:</strong> saving changes nothing on the machines. The next Apply writes keepalived&apos;s VRRP configuration on every director of the cluster and reloads keepalived there; from then on <strong>keepalived, not the panel, binds the VIPs</strong> (on the MASTER only). Each director needs keepalived installed; a director that does not verify is held out of MASTER.</p>
        <p><strong>Turning HA off:</strong> saving changes nothing on the machines. The next Apply (its plan lists it as a step that cuts connections) first stops keepalived and removes its configuration on every director, so for a moment no director holds the VIPs, then binds them on the first director by name, which alone gets the rules from then on. Connections through another director are cut.</p>
      </div>
      <fieldset disabled={disabled} className="grid gap-3 sm:grid-cols-2" key={k}>
        <input type="hidden" name="id" value={s.id} />
        <input type="hidden" name="version" value={version} />
        <div className="sm:col-span-2">
          <Check name="haEnabled" label="Director HA (keepalived VRRP between the directors)" checked={on("haEnabled", s.haEnabled)} errors={state.errors}
            hint={s.directors < 2 ? `Needs two directors; this cluster has ${s.directors}. Add one on the Hosts page.` : `${s.directors} directors.`} />
        </div>
        <Field name="vrrpInterface" label="Interface" errors={state.errors} defaultValue={v.vrrpInterface ?? s.vrrpInterface} hint="The directors' interface on the VIPs' subnet: VRRP adverts and the VIPs go there." />
        <Field name="vrrpRouterId" label="virtual_router_id" errors={state.errors} defaultValue={v.vrrpRouterId ?? String(s.vrrpRouterId)} inputMode="numeric" hint="1-255; unique among the VRRP routers on that network." />
        <Field name="vrrpAdvertInt" label="advert_int (seconds)" errors={state.errors} defaultValue={v.vrrpAdvertInt ?? String(s.vrrpAdvertInt)} inputMode="decimal" hint="A backup takes over after about 3 × advert_int without adverts." />
        <Field name="vrrpPreemptDelay" label="Preempt delay (seconds)" errors={state.errors} defaultValue={v.vrrpPreemptDelay ?? String(s.vrrpPreemptDelay)} inputMode="numeric" hint="How long a returning higher-priority director waits (its sync catch-up) before it takes the VIPs back." />
        <Check name="vrrpPreempt" label="Preempt" checked={on("vrrpPreempt", s.vrrpPreempt)} errors={state.errors} hint="Off: nopreempt, the MASTER keeps the VIPs until it fails." />
        <Check name="vrrpUnicast" label="Unicast adverts" checked={on("vrrpUnicast", s.vrrpUnicast)} errors={state.errors} hint="Between the directors' addresses (IPv4); off: multicast 224.0.0.18." />
        <Check name="syncDaemon" label="Connection sync daemon" checked={on("syncDaemon", s.syncDaemon)} errors={state.errors} hint="IPVS sync follows the VRRP role, so a failover keeps established connections." />
        <div className="space-y-2">
          <Field name="vrrpAuthPass" label="Auth password (PASS)" errors={state.errors} type="password" autoComplete="new-password" defaultValue=""
            hint={<>Currently <strong data-testid="auth-pass-state">{s.authPassSet ? "set" : "not set"}</strong>. Blank keeps it; at most 8 characters.</>} />
          {s.authPassSet && <Check name="vrrpAuthPassClear" label="Remove the password" checked={false} errors={state.errors} />}
        </div>
        <div className="flex items-end sm:col-span-2"><SubmitButton>Save HA settings</SubmitButton></div>
      </fieldset>
    </form>
  );
}
