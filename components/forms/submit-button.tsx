"use client";
import { useFormStatus } from "react-dom";

/** A spinning ring for work in progress (prepare, undo, probe, apply): the button says it is busy. */
export function Spinner() {
  return <span aria-hidden="true" data-spinner="" className="inline-block h-3 w-3 animate-spin rounded-full border-2 border-current border-t-transparent align-[-2px]" />;
}

/** Disabled, with a spinner, while its form's action runs (`disabled` from the caller is kept too). */
export function SubmitButton({ children, className = "btn btn-primary", disabled, ...rest }: React.ButtonHTMLAttributes<HTMLButtonElement>) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className} {...rest} disabled={pending || disabled} aria-busy={pending}>
      {pending ? <span className="inline-flex items-center gap-1.5"><Spinner />Working…</span> : children}
    </button>
  );
}
