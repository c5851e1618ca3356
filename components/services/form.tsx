"use client";
import { useActionState, useState } from "react";
import { createServiceAction, deleteServiceAction, updateServiceAction } from "@/app/actions/services";
import { SCHEDULER_HELP } from "@/lib/validation/virtual-service";
import { FORWARDING_LABEL, FORWARDING_METHODS } from "@/lib/ipvs/model";
import type { FormState } from "@/lib/action-state";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { ConfirmSubmit } from "../forms/confirm-submit";
import { SubmitButton } from "../forms/submit-button";

export type ServiceValues = {
  id?: string; version?: number; protocol: string; address: string | null; port: number | null; fwmark: number | null; family: string;
  scheduler: string; schedulerFlags: string[]; persistenceTimeout: number | null; persistenceNetmask: string | null; onePacket: boolean;
  sorryAddress: string | null; sorryPort: number | null; description: string; forwardingMethod: string;
};

const str = (v: string | number | null | undefined) => (v === null || v === undefined ? "" : String(v));

/** One form for add and edit: protocol, VIP and port (or fwmark), scheduler with its one-line explanation, persistence, flags, sorry server. */
export function ServiceForm({ clusterId, service, schedulers, disabled, defaultMethod }: {
  clusterId: string; service?: ServiceValues; schedulers: string[]; disabled: boolean; defaultMethod: string;
}) {
  const [state, action] = useActionState<FormState, FormData>(service ? updateServiceAction : createServiceAction, {});
  const v = state.values ?? {};
  const s = service;
  // selects are uncontrolled (React 19 resets a form after its action) and remounted with what was sent
  const [protocol, setProtocol] = useState(v.protocol ?? s?.protocol ?? "tcp");
  const [scheduler, setScheduler] = useState(v.scheduler ?? s?.scheduler ?? "wlc");
  const version = state.ok && v.version ? v.version : str(s?.version);
  const flagOn = (n: 1 | 2 | 3) => {
    if (v[`flag${n}`] !== undefined) return v[`flag${n}`] === "on";
    const names = s?.schedulerFlags ?? [];
    return n === 1 ? names.some((f) => f.endsWith("fallback") || f === "flag-1") : n === 2 ? names.some((f) => f.endsWith("-port") || f === "flag-2") : names.includes("flag-3");
  };
  const named = scheduler === "sh" || scheduler === "mh";
  return (
    <form action={action} className="space-y-3" noValidate data-testid="service-form">
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="grid gap-3 sm:grid-cols-2">
        <input type="hidden" name="clusterId" value={clusterId} />
        {s?.id && <input type="hidden" name="id" value={s.id} />}
        {s?.id && <input type="hidden" name="version" value={version} />}
        <Field name="protocol" label="Protocol" errors={state.errors}>
          <select key={`p-${v.protocol}`} id="protocol" name="protocol" className="input" defaultValue={protocol} onChange={(e) => setProtocol(e.target.value)}>
            <option value="tcp">TCP (-t)</option><option value="udp">UDP (-u)</option><option value="sctp">SCTP (--sctp-service)</option><option value="fwmark">Firewall mark (-f)</option>
          </select>
        </Field>
        {protocol === "fwmark" ? (<>
          <Field name="fwmark" label="Firewall mark" errors={state.errors} defaultValue={v.fwmark ?? str(s?.fwmark)} inputMode="numeric" hint="Set by iptables/nftables (-j MARK); groups several ports under one service." />
          <Field name="family" label="Address family" errors={state.errors}>
            <select key={`fam-${v.family}`} id="family" name="family" className="input" defaultValue={v.family ?? s?.family ?? "inet"}><option value="inet">IPv4</option><option value="inet6">IPv6 (-6)</option></select>
          </Field>
        </>) : (<>
          <Field name="address" label="VIP" errors={state.errors} defaultValue={v.address ?? str(s?.address)} placeholder="10.0.0.100" />
          <Field name="port" label="Port" errors={state.errors} defaultValue={v.port ?? str(s?.port)} inputMode="numeric" placeholder="80" />
        </>)}
        <Field name="scheduler" label="Scheduler" errors={state.errors} hint={<span data-testid="scheduler-help">{SCHEDULER_HELP[scheduler as keyof typeof SCHEDULER_HELP] ?? "Not a scheduler this panel knows."}</span>}>
          <select key={`s-${v.scheduler}`} id="scheduler" name="scheduler" className="input" defaultValue={scheduler} onChange={(e) => setScheduler(e.target.value)}>
            {schedulers.map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </Field>
        {/* flags mean something to sh and mh only (ipvsadm(8) -b); elsewhere shown only when a stored service has one set */}
        {named || flagOn(1) || flagOn(2) || flagOn(3) ? (
          <Field name="flag1" label="Scheduler flags" errors={state.errors} hint={named ? "fallback skips an unavailable server, port adds the source port to the hash." : `${scheduler} ignores these flags: only sh and mh use them.`}>
            <div className="flex flex-wrap gap-3 text-sm" key={`flags-${scheduler}-${v.flag1}${v.flag2}${v.flag3}`}>
              <label className="flex items-center gap-1"><input type="checkbox" name="flag1" defaultChecked={flagOn(1)} /> {named ? `${scheduler}-fallback` : "flag-1"}</label>
              <label className="flex items-center gap-1"><input type="checkbox" name="flag2" defaultChecked={flagOn(2)} /> {named ? `${scheduler}-port` : "flag-2"}</label>
              {flagOn(3) && <label className="flex items-center gap-1"><input type="checkbox" name="flag3" defaultChecked /> flag-3</label>}
            </div>
          </Field>
        ) : (
          <div className="space-y-1" data-testid="no-sched-flags"><p className="text-sm font-medium">Scheduler flags</p><p className="text-sm text-zinc-500">None for {scheduler}: only sh and mh take flags (fallback, port).</p>
            {state.errors?.flag1 && <p role="alert" className="text-xs text-red-600" data-field-error="flag1">Scheduler flags {state.errors.flag1.join("; ")}</p>}</div>
        )}
        <Field name="forwardingMethod" label="Forwarding method" errors={state.errors}
          hint="New real servers take it (and the document's forward); each real server keeps its own method.">
          <select key={`fm-${v.forwardingMethod}`} id="forwardingMethod" name="forwardingMethod" className="input" defaultValue={v.forwardingMethod ?? s?.forwardingMethod ?? defaultMethod}>
            {FORWARDING_METHODS.map((m) => <option key={m} value={m}>{FORWARDING_LABEL[m]}</option>)}
          </select>
        </Field>
        <Field name="persistenceTimeout" label="Persistence timeout (s)" errors={state.errors} defaultValue={v.persistenceTimeout ?? str(s?.persistenceTimeout)} inputMode="numeric" placeholder="empty: not persistent" hint="A client keeps its real server for this long (-p); 1..2678400." />
        <Field name="persistenceNetmask" label="Persistence netmask" errors={state.errors} defaultValue={v.persistenceNetmask ?? str(s?.persistenceNetmask)} placeholder="255.255.255.255" hint="Clients in the same masked network share a real server (-M)." />
        <Field name="onePacket" label="One-packet scheduling" errors={state.errors} hint="UDP only (-o): schedule each datagram on its own.">
          <label className="flex items-center gap-1 text-sm"><input key={`o-${v.onePacket}`} type="checkbox" id="onePacket" name="onePacket" defaultChecked={v.onePacket !== undefined ? v.onePacket === "on" : !!s?.onePacket} /> enabled</label>
        </Field>
        <Field name="sorryAddress" label="Sorry server address" errors={state.errors} defaultValue={v.sorryAddress ?? str(s?.sorryAddress)} hint="Put in the table only when no real server takes connections." />
        <Field name="sorryPort" label="Sorry server port" errors={state.errors} defaultValue={v.sorryPort ?? str(s?.sorryPort)} inputMode="numeric" />
        <Field name="description" label="Description" errors={state.errors} defaultValue={v.description ?? s?.description ?? ""} />
        <div className="flex items-end"><SubmitButton>{s ? "Save service" : "Add virtual service"}</SubmitButton></div>
      </fieldset>
    </form>
  );
}

/** Remove the service: always asked first, naming the active connections the director holds for it now. */
export function ServiceDeleteForm({ id, version, label, traffic, kernelError, disabled }: {
  id: string; version: number; label: string; traffic: { activeConns: number; realServers: number } | null; kernelError: string | null; disabled: boolean;
}) {
  const [state, action] = useActionState(deleteServiceAction, {});
  const now = traffic === null ? `The director's table could not be read (${kernelError}): its active connections are unknown.`
    : traffic.realServers === 0 ? "The director has no real servers for it now: no connection breaks."
      : `The director holds ${traffic.activeConns} active connection${traffic.activeConns === 1 ? "" : "s"} for it now (over ${traffic.realServers} real server${traffic.realServers === 1 ? "" : "s"}).`;
  return (
    <form action={action} className="space-y-2" noValidate>
      <FormMessage state={state} />
      <input type="hidden" name="id" value={id} /><input type="hidden" name="version" value={version} />
      <p className="text-sm text-zinc-500">Removes the service and its real servers from the desired state; the next apply deletes it from the director (disruptive).</p>
      <ConfirmSubmit disabled={disabled} title={`Remove ${label}?`} confirmLabel="Remove the virtual service"
        body={<><p>At the next apply the director deletes {label}: every connection through it breaks and new ones are refused.</p><p className="font-semibold" data-testid="delete-service-conns">{now}</p>
          <p>To let clients finish, drain its real servers first and wait for ActiveConn to reach 0.</p></>}>Remove virtual service</ConfirmSubmit>
    </form>
  );
}
