"use client";
import { useActionState } from "react";
import { setupAction } from "@/app/actions/users";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

export function SetupForm({ token }: { token: string }) {
  const [state, action] = useActionState(setupAction, {});
  const v = state.values ?? {};
  return (
    <form action={action} className="space-y-3" noValidate>
      <FormMessage state={state} />
      <Field name="setupToken" label="Setup token" errors={state.errors} defaultValue={v.setupToken ?? token} autoComplete="off" spellCheck={false}
        hint={<>Printed by <code>npm start</code> when the database has no user; also in <code>setup-token</code> in its data directory (<code>LVS_PANEL_DATA_DIR</code>, default <code>.data</code>).</>} />
      <Field name="name" label="Name" errors={state.errors} defaultValue={v.name} autoComplete="name" />
      <Field name="email" label="Email" type="email" errors={state.errors} defaultValue={v.email} autoComplete="username" />
      <Field name="password" label="Password" type="password" errors={state.errors} autoComplete="new-password" hint="At least 10 characters." />
      <Field name="confirm" label="Confirm password" type="password" errors={state.errors} autoComplete="new-password" />
      <SubmitButton className="btn btn-primary w-full justify-center">Create admin</SubmitButton>
    </form>
  );
}
