"use client";
import { useActionState, useState } from "react";
import { createWebhookAction, deleteWebhookAction, saveHealthCheckAction, saveHealthOverrideAction, testWebhookAction, updateWebhookAction } from "@/app/actions/health";
import type { FormState } from "@/lib/action-state";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

export type CheckValues = {
  enabled: boolean; kind: string; port: number | null; path: string; hostHeader: string | null; expectStatus: string; bodyContains: string | null;
  intervalMs: number; timeoutMs: number; rise: number; fall: number; runFrom: string; onFail: string; quorum: number;
};
export type OverrideValues = Partial<Record<"kind" | "path" | "hostHeader" | "expectStatus" | "bodyContains", string | null> & Record<"port" | "timeoutMs" | "rise" | "fall", number | null>> & { enabled?: boolean | null };

const str = (v: string | number | null | undefined) => (v === null || v === undefined ? "" : String(v));

/** A virtual service's health check: keepalived's TCP_CHECK / HTTP_GET / SSL_GET, rise/fall, what a fall does. */
export function HealthCheckForm({ virtualServiceId, check, defaults, disabled }: { virtualServiceId: string; check: (CheckValues & { version: number }) | null; defaults: CheckValues; disabled: boolean }) {
  const [state, action] = useActionState<FormState, FormData>(saveHealthCheckAction, {});
  const v = state.values ?? {};
  const c = check ?? defaults;
  const [kind, setKind] = useState(v.kind ?? c.kind);
  const val = (k: keyof CheckValues) => v[k] ?? str(c[k] as string | number | null);
  return (
    <form action={action} className="space-y-3" noValidate data-testid="health-check-form">
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="grid gap-3 sm:grid-cols-3">
        <input type="hidden" name="virtualServiceId" value={virtualServiceId} />
        {/* the version this form was opened at (0: no check yet): a save by someone else meanwhile is refused */}
        <input type="hidden" name="version" value={check?.version ?? 0} />
        <Field name="enabled" label="Checking" errors={state.errors}>
          <label className="flex items-center gap-1 text-sm"><input key={`e-${v.enabled}`} type="checkbox" id="enabled" name="enabled" defaultChecked={v.enabled !== undefined ? v.enabled === "on" : check ? c.enabled : true} /> enabled</label>
        </Field>
        <Field name="kind" label="Check" errors={state.errors}>
          {/* uncontrolled (React 19 resets a form after its action): remounted with what was sent */}
          <select key={`k-${v.kind ?? c.kind}`} id="kind" name="kind" className="input" defaultValue={v.kind ?? c.kind} onChange={(e) => setKind(e.target.value)}>
            <option value="tcp">TCP connect</option><option value="http">HTTP GET</option><option value="https">HTTPS GET</option>
          </select>
        </Field>
        <Field name="port" label="Check port" errors={state.errors} defaultValue={val("port")} inputMode="numeric" placeholder="the real server's port" />
        {kind !== "tcp" && <>
          <Field name="path" label="Path" errors={state.errors} defaultValue={val("path")} placeholder="/" />
          <Field name="hostHeader" label="Host header" errors={state.errors} defaultValue={val("hostHeader")} placeholder="the real server's address" />
          <Field name="expectStatus" label="Expected status" errors={state.errors} defaultValue={val("expectStatus")} placeholder="200-399" hint="e.g. 200-399 or 200,204" />
          <Field name="bodyContains" label="Body contains" errors={state.errors} defaultValue={val("bodyContains")} placeholder="optional" />
        </>}
        <Field name="intervalMs" label="Interval (ms)" errors={state.errors} defaultValue={val("intervalMs")} inputMode="numeric" hint="500..3600000" />
        <Field name="timeoutMs" label="Timeout (ms)" errors={state.errors} defaultValue={val("timeoutMs")} inputMode="numeric" hint="100..60000, at most the interval" />
        <Field name="rise" label="Rise" errors={state.errors} defaultValue={val("rise")} inputMode="numeric" hint="successes before up" />
        <Field name="fall" label="Fall" errors={state.errors} defaultValue={val("fall")} inputMode="numeric" hint="failures before down" />
        <Field name="runFrom" label="Runs from" errors={state.errors}>
          <select key={`r-${v.runFrom}`} id="runFrom" name="runFrom" className="input" defaultValue={v.runFrom ?? c.runFrom}>
            <option value="director">the director (the traffic&apos;s path)</option><option value="panel">the panel host</option>
          </select>
        </Field>
        <Field name="onFail" label="On fall" errors={state.errors}>
          <select key={`f-${v.onFail}`} id="onFail" name="onFail" className="input" defaultValue={v.onFail ?? c.onFail}>
            <option value="quiesce">quiesce (weight 0, connections finish)</option><option value="remove">remove from the table</option>
          </select>
        </Field>
        <Field name="quorum" label="Quorum" errors={state.errors} defaultValue={val("quorum")} inputMode="numeric" hint="healthy real servers needed; below it the sorry server is put in" />
        <div className="flex items-end"><SubmitButton>Save health check</SubmitButton></div>
      </fieldset>
    </form>
  );
}

/** One real server's override of the service's check: a blank field inherits. */
export function HealthOverrideForm({ realServerId, override, inherited, disabled }: { realServerId: string; override: OverrideValues | null; inherited: CheckValues; disabled: boolean }) {
  const [state, action] = useActionState<FormState, FormData>(saveHealthOverrideAction, {});
  const v = state.values ?? {};
  const o = override ?? {};
  const val = (k: keyof OverrideValues) => v[k] ?? str(o[k] as string | number | null | undefined);
  const ph = (k: keyof CheckValues) => `inherit: ${str(inherited[k] as string | number | null) || "default"}`;
  return (
    <form action={action} className="space-y-3" noValidate data-testid="health-override-form">
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="grid gap-3 sm:grid-cols-3">
        <input type="hidden" name="realServerId" value={realServerId} />
        <Field name="enabled" label="Checking this server" errors={state.errors}>
          <select key={`e-${v.enabled}`} id="enabled" name="enabled" className="input" defaultValue={v.enabled ?? (o.enabled === true ? "on" : o.enabled === false ? "off" : "")}>
            <option value="">inherit ({inherited.enabled ? "enabled" : "disabled"})</option><option value="on">enabled</option><option value="off">disabled (never changed by health)</option>
          </select>
        </Field>
        <Field name="kind" label="Check" errors={state.errors}>
          <select key={`k-${v.kind}`} id="kind" name="kind" className="input" defaultValue={v.kind ?? o.kind ?? ""}>
            <option value="">inherit ({inherited.kind})</option><option value="tcp">TCP connect</option><option value="http">HTTP GET</option><option value="https">HTTPS GET</option>
          </select>
        </Field>
        <Field name="port" label="Check port" errors={state.errors} defaultValue={val("port")} inputMode="numeric" placeholder={ph("port")} />
        <Field name="path" label="Path" errors={state.errors} defaultValue={val("path")} placeholder={ph("path")} />
        <Field name="hostHeader" label="Host header" errors={state.errors} defaultValue={val("hostHeader")} placeholder={ph("hostHeader")} />
        <Field name="expectStatus" label="Expected status" errors={state.errors} defaultValue={val("expectStatus")} placeholder={ph("expectStatus")} />
        <Field name="bodyContains" label="Body contains" errors={state.errors} defaultValue={val("bodyContains")} placeholder={ph("bodyContains")} />
        <Field name="timeoutMs" label="Timeout (ms)" errors={state.errors} defaultValue={val("timeoutMs")} inputMode="numeric" placeholder={ph("timeoutMs")} />
        <Field name="rise" label="Rise" errors={state.errors} defaultValue={val("rise")} inputMode="numeric" placeholder={ph("rise")} />
        <Field name="fall" label="Fall" errors={state.errors} defaultValue={val("fall")} inputMode="numeric" placeholder={ph("fall")} />
        <label className="flex items-center gap-1 self-end text-sm"><input type="checkbox" name="inherit" /> clear the override (inherit everything)</label>
        <div className="flex items-end"><SubmitButton>Save override</SubmitButton></div>
      </fieldset>
    </form>
  );
}

export function WebhookForm({ disabled }: { disabled: boolean }) {
  const [state, action] = useActionState<FormState, FormData>(createWebhookAction, {});
  const v = state.values ?? {};
  return (
    <form action={action} className="space-y-3" noValidate data-testid="webhook-form">
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="grid gap-3 sm:grid-cols-3">
        <Field name="name" label="Webhook name" errors={state.errors} defaultValue={v.name} />
        <Field name="url" label="URL" errors={state.errors} defaultValue={v.url} placeholder="https://hooks.example/lvs" />
        <Field name="secret" label="Signing secret" errors={state.errors} type="password" autoComplete="off" placeholder="optional, 16+ characters" />
        <div className="text-sm sm:col-span-2"><span className="font-medium">Events</span> (none ticked: all)
          <div className="flex flex-wrap gap-3">{["health.transition", "apply.failed", "drift", "split-brain"].map((e) => (
            <label key={e} className="flex items-center gap-1"><input type="checkbox" name={`event_${e}`} defaultChecked={v[`event_${e}`] === "on"} /> {e}</label>))}</div>
        </div>
        <div className="flex items-end"><SubmitButton>Add webhook</SubmitButton></div>
      </fieldset>
    </form>
  );
}

export function WebhookTestButton({ id, name, disabled }: { id: string; name: string; disabled: boolean }) {
  const [state, action] = useActionState<FormState, FormData>(testWebhookAction, {});
  return (
    <form action={action} className="inline-flex flex-wrap items-center gap-2" data-webhook={name}>
      <input type="hidden" name="id" value={id} />
      <SubmitButton className="btn px-2 py-0.5 text-xs" disabled={disabled} aria-label={`Test webhook ${name}`}>Test</SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}

const EVENTS = ["health.transition", "apply.failed", "drift", "split-brain"] as const;

/**
 * One webhook's edit form (inside its row's details): the URL and the secret are never sent to the
 * browser, so blank keeps them. Unique ids per webhook, several forms live on one page.
 */
export function WebhookEditForm({ hook }: { hook: { id: string; name: string; url: string; events: string[]; enabled: boolean; signed: boolean } }) {
  const [state, action] = useActionState<FormState, FormData>(updateWebhookAction, {});
  const id = (f: string) => `wh-${hook.id}-${f}`;
  const err = (f: string) => state.errors?.[f] && <p role="alert" className="text-xs text-red-600" data-field-error={f}>{state.errors[f]!.join("; ")}</p>;
  return (
    <form action={action} className="space-y-2" noValidate data-webhook-edit={hook.name}>
      <FormMessage state={state} />
      <input type="hidden" name="id" value={hook.id} />
      <div className="grid gap-2 sm:grid-cols-2">
        <div><label htmlFor={id("name")} className="block text-sm font-medium">Name</label><input id={id("name")} name="name" className="input" defaultValue={hook.name} />{err("name")}</div>
        <div><label htmlFor={id("url")} className="block text-sm font-medium">New URL</label>
          <input id={id("url")} name="url" className="input" placeholder={`${hook.url} (blank keeps it)`} autoComplete="off" />{err("url")}</div>
        <div><label htmlFor={id("secret")} className="block text-sm font-medium">New signing secret</label>
          <input id={id("secret")} name="secret" type="password" className="input" autoComplete="off" placeholder={hook.signed ? "blank keeps the current one" : "optional, 16+ characters"} />{err("secret")}
          {hook.signed && <label className="flex items-center gap-1 text-xs"><input type="checkbox" name="removeSecret" /> remove the secret (unsigned)</label>}</div>
        <div className="text-sm"><span className="font-medium">Events</span> (none ticked: all)
          <div className="flex flex-wrap gap-3">{EVENTS.map((e) => (
            <label key={e} className="flex items-center gap-1"><input type="checkbox" name={`event_${e}`} defaultChecked={hook.events.includes(e)} /> {e}</label>))}</div>
        </div>
        <label className="flex items-center gap-1 text-sm"><input type="checkbox" name="enabled" defaultChecked={hook.enabled} /> enabled (deliver events)</label>
      </div>
      <SubmitButton className="btn px-2 py-0.5 text-xs" aria-label={`Save webhook ${hook.name}`}>Save</SubmitButton>
    </form>
  );
}

export function WebhookDeleteButton({ id, name }: { id: string; name: string }) {
  const [state, action] = useActionState<FormState, FormData>(deleteWebhookAction, {});
  return (
    <form action={action} className="inline-flex flex-wrap items-center gap-2"
      onSubmit={(e) => { if (!window.confirm(`Delete webhook ${name}? Its queued deliveries are dropped.`)) e.preventDefault(); }}>
      <input type="hidden" name="id" value={id} />
      <SubmitButton className="btn px-2 py-0.5 text-xs text-red-700" aria-label={`Delete webhook ${name}`}>Delete</SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}
