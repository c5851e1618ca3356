"use client";
import { useActionState } from "react";
import { revokeApiTokenAction } from "@/app/(panel)/api-tokens/actions";
import { SubmitButton } from "../forms/submit-button";

export function RevokeTokenButton({ id, name }: { id: string; name: string }) {
  const [state, action] = useActionState(revokeApiTokenAction, {});
  return (
    <form action={action} className="inline">
      <input type="hidden" name="id" value={id} />
      <SubmitButton className="btn" aria-label={`Revoke ${name}`}>Revoke</SubmitButton>
      {state.message && !state.ok && <span role="alert" className="ml-2 text-xs text-red-600">{state.message}</span>}
    </form>
  );
}
