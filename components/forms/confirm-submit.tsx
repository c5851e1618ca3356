"use client";
import { useRef } from "react";
import { useFormStatus } from "react-dom";
import { Spinner, SubmitButton } from "./submit-button";

/**
 * A submit button that asks first: it opens a modal dialog that names what will break, and only the
 * dialog's own button submits the surrounding form. For anything that drops traffic.
 */
export function ConfirmSubmit({ children, title, body, confirmLabel, className = "btn btn-danger", disabled, ...rest }: {
  children: React.ReactNode; title: string; body: React.ReactNode; confirmLabel: string; className?: string; disabled?: boolean; "aria-label"?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const { pending } = useFormStatus();
  return (
    <>
      <button type="button" className={className} disabled={disabled || pending} aria-busy={pending} onClick={() => ref.current?.showModal()} {...rest}>
        {pending ? <span className="inline-flex items-center gap-1.5"><Spinner />Working…</span> : children}</button>
      {/* a click on the backdrop (the dialog element itself, outside the padded content) cancels */}
      <dialog ref={ref} aria-label={title} className="card max-w-lg p-0 text-left text-sm font-normal backdrop:bg-black/40" onClick={(e) => e.target === ref.current && ref.current?.close()}>
        <div className="space-y-3 p-4">
          <h3 className="font-medium">{title}</h3>
          <div className="space-y-2">{body}</div>
          <div className="flex justify-end gap-2">
            <button type="button" className="btn" onClick={() => ref.current?.close()}>Cancel</button>
            <SubmitButton className="btn btn-danger" onClick={() => setTimeout(() => ref.current?.close(), 0)}>{confirmLabel}</SubmitButton>
          </div>
        </div>
      </dialog>
    </>
  );
}
