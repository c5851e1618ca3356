"use client";
import { useActionState } from "react";
import { createClusterAction } from "@/app/actions/clusters";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";
import { ForwardingSelect } from "./forwarding-select";

export function ClusterCreateForm({ disabled }: { disabled: boolean }) {
  const [state, action] = useActionState(createClusterAction, {});
  const v = state.values ?? {};
  return (
    <form action={action} className="space-y-3" noValidate>
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="space-y-3">
        <Field name="name" label="Name" errors={state.errors} defaultValue={v.name} placeholder="web-prod" hint="Letters, digits, '.', '_' and '-'." />
        <Field name="description" label="Description" errors={state.errors} defaultValue={v.description} placeholder="Public web VIPs, rack B" />
        <ForwardingSelect errors={state.errors} defaultValue={v.defaultForwardingMethod} />
        <SubmitButton>Create cluster</SubmitButton>
      </fieldset>
    </form>
  );
}
