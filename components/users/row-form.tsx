"use client";
import { useActionState } from "react";
import { updateUserAction } from "@/app/actions/users";
import { SubmitButton } from "../forms/submit-button";

/** `version` is the row's version when the page was rendered: a change by another admin meanwhile is refused. */
export function UserRowForm({ user, version }: { user: { id: string; email: string; role: string; disabled: boolean }; version: string }) {
  const [state, action] = useActionState(updateUserAction, {});
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={user.id} /><input type="hidden" name="version" value={version} />
      <select name="role" defaultValue={user.role} className="input w-auto" aria-label={`Role of ${user.email}`}>
        <option value="viewer">viewer</option><option value="operator">operator</option><option value="admin">admin</option>
      </select>
      <select name="disabled" defaultValue={String(user.disabled)} className="input w-auto" aria-label={`State of ${user.email}`}>
        <option value="false">active</option><option value="true">disabled</option>
      </select>
      <SubmitButton className="btn">Save</SubmitButton>
      {state.message && <span role={state.ok ? "status" : "alert"} className={`text-xs ${state.ok ? "text-emerald-600" : "text-red-600"}`}>{state.message}</span>}
    </form>
  );
}
