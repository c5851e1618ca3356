"use client";
import { startTransition, useActionState, useState } from "react";
import { importAction, type ImportState } from "@/app/actions/import";
import { FormMessage } from "../forms/form-message";
import { SubmitButton } from "../forms/submit-button";

const KIND_LABEL = { mapped: "mapped", noted: "mapped with a note", refused: "refused", pending: "not yet" } as const;
const KIND_TONE = { mapped: "", noted: "text-amber-700", refused: "text-red-700 font-semibold", pending: "text-zinc-500" } as const;

/**
 * Paste or upload keepalived.conf or the YAML/JSON document (or read the director's kernel), see the
 * preview (each directive with its line: mapped, mapped with a note, refused; what would change), then
 * Confirm stores it as one new version. Nothing is stored before the confirm.
 */
export function ImportForm({ clusterId, disabled }: { clusterId: string; disabled: boolean }) {
  const [state, action, pending] = useActionState<ImportState, FormData>(importAction, {});
  const v = state.values ?? {};
  const [text, setText] = useState<string | null>(null);
  const [format, setFormat] = useState<string | null>(null);
  const shownText = text ?? v.text ?? "";
  const shownFormat = format ?? v.format ?? "keepalived";
  const p = state.preview;
  const onFile = async (f: File | undefined) => {
    if (!f) return;
    setText(await f.text());
    if (/\.ya?ml$/i.test(f.name)) setFormat("yaml");
    else if (/\.json$/i.test(f.name)) setFormat("json");
    else setFormat("keepalived");
  };
  return (
    // dispatched from onSubmit, not the form's action prop: React resets a form after its action, which would
    // put the select back on its first option while the preview (and the confirm) is of another format
    <form className="space-y-3" noValidate data-testid="import-form" onSubmit={(e) => {
      e.preventDefault();
      const data = new FormData(e.currentTarget, (e.nativeEvent as SubmitEvent).submitter);
      startTransition(() => action(data));
    }}>
      <FormMessage state={state} />
      <fieldset disabled={disabled} className="space-y-3">
        <input type="hidden" name="id" value={clusterId} />
        <div className="flex flex-wrap items-end gap-3 text-sm">
          <label className="space-y-1"><span className="block font-medium">From</span>
            <select name="format" className="input" value={shownFormat} onChange={(e) => { setFormat(e.target.value); }}>
              <option value="keepalived">keepalived.conf</option><option value="yaml">YAML document</option><option value="json">JSON document</option>
              <option value="kernel">what the director&apos;s kernel holds now</option>
            </select>
          </label>
          {shownFormat !== "kernel" && <label className="space-y-1"><span className="block font-medium">Upload a file</span>
            <input type="file" className="text-sm" data-testid="import-file" onChange={(e) => void onFile(e.target.files?.[0])} /></label>}
        </div>
        {shownFormat !== "kernel" && (
          <label className="block space-y-1 text-sm"><span className="block font-medium">Or paste it</span>
            <textarea name="text" className="input mono h-64 w-full text-xs" value={shownText} onChange={(e) => setText(e.target.value)} data-testid="import-text" />
          </label>
        )}
        <SubmitButton disabled={pending}>{pending ? "Working…" : "Preview"}</SubmitButton>
        {p && (
          <div className="space-y-3" data-testid="import-preview">
            {p.errors.length > 0 && <ul className="mono space-y-0.5 text-xs text-red-700" role="alert">{p.errors.map((e, i) => (
              <li key={i}>{e.line !== null ? `line ${e.line}: ` : ""}{e.path ? `${e.path}: ` : ""}{e.message}</li>))}</ul>}
            {p.items.length > 0 && (
              <table className="table text-xs" data-testid="import-items">
                <thead><tr><th>Line</th><th>Directive</th><th>Result</th><th /></tr></thead>
                <tbody>{p.items.map((i, n) => (
                  <tr key={n} data-kind={i.kind}><td className="tabular-nums">{i.line}</td><td className="mono">{i.keyword}</td>
                    <td className={KIND_TONE[i.kind]}>{KIND_LABEL[i.kind]}</td><td>{i.message}</td></tr>))}</tbody>
              </table>
            )}
            {p.notes.length > 0 && <ul className="text-xs text-amber-700">{p.notes.map((n, i) => <li key={i}>{n}</li>)}</ul>}
            {p.ok && (
              <div className="card space-y-2 text-sm">
                <h3 className="font-medium">What it changes in the desired state</h3>
                {!p.changes.length ? <p className="text-zinc-500">Nothing: the desired state already is this.</p> : (
                  <ul className="mono space-y-0.5 text-xs" data-testid="import-changes">{p.changes.map((c, i) => (
                    <li key={i} className={c.kind === "add" ? "text-emerald-700" : c.kind === "remove" ? "text-red-700" : ""}>{c.kind === "add" ? "+ " : c.kind === "remove" ? "- " : "~ "}{c.text}</li>))}</ul>
                )}
                <input type="hidden" name="version" value={p.version ?? ""} />
                <SubmitButton name="confirm" value="1" disabled={pending}>Confirm: store as a new version</SubmitButton>
              </div>
            )}
          </div>
        )}
      </fieldset>
    </form>
  );
}
