"use client";
import { useActionState, useEffect, useRef, useState } from "react";
import { createSshKeyAction } from "@/app/actions/ssh-keys";
import { Field } from "../forms/field";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

export function SshKeyCreateForm({ disabled }: { disabled: boolean }) {
  const [state, action] = useActionState(createSshKeyAction, {});
  const [mode, setMode] = useState<"generate" | "import">("generate");
  const v = state.values ?? {};
  // React 19 resets the form after its action, radios included: put the radio back on the mode still shown
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    form.current?.querySelectorAll<HTMLInputElement>('input[name="mode"]').forEach((r) => { r.checked = r.value === mode; });
  }, [state, mode]);
  return (
    <form ref={form} action={action} className="space-y-3" noValidate>
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="space-y-3">
        <Field name="name" label="Name" errors={state.errors} defaultValue={v.name} placeholder="panel-prod" />
        <div className="flex gap-4 text-sm">
          <label className="flex items-center gap-1.5"><input type="radio" name="mode" value="generate" checked={mode === "generate"} onChange={() => setMode("generate")} /> Generate an Ed25519 key here</label>
          <label className="flex items-center gap-1.5"><input type="radio" name="mode" value="import" checked={mode === "import"} onChange={() => setMode("import")} /> Import a private key</label>
        </div>
        {mode === "import" && (
          <Field name="privateKey" label="Private key" errors={state.errors}>
            <textarea id="privateKey" name="privateKey" rows={6} className="input mono" placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" aria-invalid={state.errors?.privateKey ? true : undefined} />
          </Field>
        )}
        <p className="text-xs text-zinc-500">The private key is encrypted at rest (AES-256-GCM) and never shown again.</p>
        <SubmitButton>{mode === "generate" ? "Generate key" : "Import key"}</SubmitButton>
      </fieldset>
    </form>
  );
}
