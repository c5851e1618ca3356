"use client";
import { useActionState } from "react";
import { createUserAction } from "@/app/actions/users";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

export function UserCreateForm() {
  const [state, action] = useActionState(createUserAction, {});
  const v = state.values ?? {};
  return (
    <form action={action} className="space-y-3" noValidate>
      <FormMessage state={state} />
      <div className="grid gap-3 sm:grid-cols-2">
        <Field name="name" label="Name" errors={state.errors} defaultValue={v.name} />
        <Field name="email" label="Email" type="email" errors={state.errors} defaultValue={v.email} />
        <Field name="password" label="Password" type="password" errors={state.errors} autoComplete="new-password" hint="At least 10 characters." />
        <Field name="role" label="Role" errors={state.errors}>
          <select key={`r-${v.role}`} id="role" name="role" className="input" defaultValue={v.role ?? "viewer"}>
            <option value="viewer">viewer — reads everything</option>
            <option value="operator">operator — edits and applies</option>
            <option value="admin">admin — also users and SSH keys</option>
          </select>
        </Field>
      </div>
      <SubmitButton>Create user</SubmitButton>
    </form>
  );
}
