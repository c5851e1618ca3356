"use client";
import { useActionState } from "react";
import { applyAction } from "@/app/actions/apply";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

export function ApplyButton({ clusterId, label = "Apply", disabled }: { clusterId: string; label?: string; disabled: boolean }) {
  const [state, action] = useActionState(applyAction, {});
  return (
    <form action={action} className="inline-flex items-center gap-2">
      <input type="hidden" name="clusterId" value={clusterId} />
      <SubmitButton className="btn btn-primary" disabled={disabled}>{label}</SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}
