"use client";
import { useActionState } from "react";
import { createApiTokenAction } from "@/app/(panel)/api-tokens/actions";
import type { Role } from "@/lib/roles";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

const ORDER: Role[] = ["viewer", "operator", "admin"];
const LABEL: Record<Role, string> = { viewer: "viewer — reads only", operator: "operator — edits and applies", admin: "admin — also re-trusts changed host keys" };

export function ApiTokenCreateForm({ role }: { role: Role }) {
  const [state, action] = useActionState(createApiTokenAction, {});
  const v = state.values ?? {};
  const roles = ORDER.slice(0, ORDER.indexOf(role) + 1);
  return (
    <form action={action} className="space-y-3" noValidate>
      <FormMessage state={state} />
      {state.ok && v.token && (
        <div className="space-y-1">
          <label htmlFor="new-token" className="block text-sm font-medium">Your new token</label>
          <input id="new-token" readOnly value={v.token} className="input mono" data-testid="new-token" onFocus={(e) => e.currentTarget.select()} />
          <p className="text-xs text-zinc-500">Use it as <code>Authorization: Bearer …</code>, or run <code>lvs login {typeof window === "undefined" ? "URL" : window.location.origin}</code> and paste it.</p>
        </div>
      )}
      <div className="grid gap-3 sm:grid-cols-3">
        <Field name="name" label="Name" errors={state.errors} defaultValue={state.ok ? "" : v.name} hint="What uses it, e.g. deploy-pipeline." />
        <Field name="role" label="Role" errors={state.errors} hint="At most your own role.">
          <select id="role" name="role" className="input" defaultValue={v.role ?? roles[0]}>
            {roles.map((r) => <option key={r} value={r}>{LABEL[r]}</option>)}
          </select>
        </Field>
        <Field name="expiresInDays" label="Expires after (days)" type="number" min={1} max={366} errors={state.errors} defaultValue={v.expiresInDays ?? "90"} />
      </div>
      <SubmitButton>Create token</SubmitButton>
    </form>
  );
}
