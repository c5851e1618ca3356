import type { FieldErrors } from "@/lib/validation/common";

type Props = {
  name: string;
  label: string;
  errors?: FieldErrors;
  hint?: React.ReactNode;
  children?: React.ReactNode;
} & React.InputHTMLAttributes<HTMLInputElement>;

/** A labelled input with its server-side errors right under it. Pass children to replace the input. */
/** `id`: when two forms on one page have the same field (a row's edit form beside the add form); default the name. */
export function Field({ name, label, errors, hint, children, id = name, ...input }: Props) {
  const messages = errors?.[name];
  const errId = `${id}-error`;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">{label}</label>
      {children ?? <input id={id} name={name} className="input" aria-invalid={messages ? true : undefined} aria-describedby={messages ? errId : undefined} {...input} />}
      {hint && !messages && <p className="text-xs text-zinc-500">{hint}</p>}
      {messages && (
        <p id={errId} role="alert" className="text-xs text-red-600 dark:text-red-400" data-field-error={name}>
          {label} {messages.join("; ")}
        </p>
      )}
    </div>
  );
}
