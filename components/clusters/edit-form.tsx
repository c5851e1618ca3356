"use client";
import { useActionState } from "react";
import { deleteClusterAction, updateClusterAction, type DeleteClusterState } from "@/app/actions/clusters";
import { leftRunning } from "@/lib/operations/teardown-plan";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";
import { ForwardingSelect } from "./forwarding-select";

type Cluster = { id: string; name: string; description: string; defaultForwardingMethod: string; version: number };

export function ClusterEditForm({ cluster, disabled }: { cluster: Cluster; disabled: boolean }) {
  const [state, action] = useActionState(updateClusterAction, {});
  const v = state.values ?? {};
  // After a successful save the server hands back the new version, so a second save from this form works.
  const version = state.ok && v.version ? v.version : String(cluster.version);
  return (
    <form action={action} className="space-y-3" noValidate>
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="space-y-3">
        <input type="hidden" name="id" value={cluster.id} />
        <input type="hidden" name="version" value={version} />
        <Field name="name" label="Name" errors={state.errors} defaultValue={v.name ?? cluster.name} />
        <Field name="description" label="Description" errors={state.errors} defaultValue={v.description ?? cluster.description} />
        <ForwardingSelect errors={state.errors} defaultValue={v.defaultForwardingMethod ?? cluster.defaultForwardingMethod} />
        <SubmitButton>Save</SubmitButton>
      </fieldset>
    </form>
  );
}

/**
 * Delete: first the director is read. When it still runs the cluster's virtual services or VIPs, the
 * form shows them (the exact commands) and the two ways on: remove them from the director too, or
 * delete and leave them running. Nothing is deleted until one is chosen.
 */
export function ClusterDeleteForm({ cluster, disabled }: { cluster: Cluster; disabled: boolean }) {
  const [state, action] = useActionState<DeleteClusterState, FormData>(deleteClusterAction, {});
  const plan = state.teardown;
  return (
    <form action={action} className="space-y-3" noValidate data-testid="cluster-delete-form">
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="space-y-3">
        <input type="hidden" name="id" value={cluster.id} />
        <input type="hidden" name="version" value={cluster.version} />
        <p className="text-sm text-zinc-500">Deleting removes the cluster&apos;s desired state from the panel (hosts, virtual services, real servers). Its apply history and audit records are kept. The director is read first: while it still runs this cluster&apos;s virtual services, you choose whether they go too.</p>
        {plan && (
          <div className="space-y-2 rounded-md border border-amber-300 p-3 text-sm" data-testid="teardown-plan">
            {plan.error ? <p>The director {plan.director} could not be read: {plan.error}</p> : <>
              <p>On the director <strong>{plan.director}</strong>, removing this cluster too would run:</p>
              <pre className="mono overflow-x-auto text-xs" data-testid="teardown-commands">{[...plan.services.map((x) => x.command), ...plan.vips.map((v) => v.command)].join("\n")}</pre>
            </>}
            {!plan.error && <label className="flex items-start gap-2"><input type="radio" name="director" value="remove" defaultChecked />
              <span>Remove them from the director too, then delete the cluster (the traffic to these virtual services stops; recorded in the apply history).</span></label>}
            <label className="flex items-start gap-2"><input type="radio" name="director" value="leave" defaultChecked={!!plan.error} />
              <span>Delete the cluster and leave the director as it is: {plan.error ? "whatever it runs of this cluster" : leftRunning(plan)} keep{plan.services.length + plan.vips.length === 1 && !plan.error ? "s" : ""} running, and the panel no longer manages {plan.services.length + plan.vips.length === 1 && !plan.error ? "it" : "them"}.</span></label>
          </div>
        )}
        <Field name="confirm" label="Type the cluster's name to confirm" errors={state.errors} autoComplete="off" defaultValue={state.values?.confirm} />
        <SubmitButton className="btn btn-danger">{plan ? "Delete cluster as chosen" : "Delete cluster"}</SubmitButton>
      </fieldset>
    </form>
  );
}
