"use client";
import { useActionState } from "react";
import { deleteClusterAction, updateClusterAction } from "@/app/actions/clusters";
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

export function ClusterDeleteForm({ cluster, disabled }: { cluster: Cluster; disabled: boolean }) {
  const [state, action] = useActionState(deleteClusterAction, {});
  return (
    <form action={action} className="space-y-3" noValidate>
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="space-y-3">
        <input type="hidden" name="id" value={cluster.id} />
        <input type="hidden" name="version" value={cluster.version} />
        <p className="text-sm text-zinc-500">Deleting removes the cluster&apos;s desired state from the panel (hosts, virtual services, real servers, apply history). It does not touch the director&apos;s kernel table.</p>
        <Field name="confirm" label="Type the cluster's name to confirm" errors={state.errors} autoComplete="off" />
        <SubmitButton className="btn btn-danger">Delete cluster</SubmitButton>
      </fieldset>
    </form>
  );
}
