import type { FieldErrors } from "@/lib/validation/common";
import { FORWARDING_LABEL, FORWARDING_METHODS } from "@/lib/ipvs/model";
import { Field } from "../forms/field";

export function ForwardingSelect({ errors, defaultValue }: { errors?: FieldErrors; defaultValue?: string }) {
  return (
    <Field name="defaultForwardingMethod" label="Default forwarding method" errors={errors}>
      <select key={defaultValue} id="defaultForwardingMethod" name="defaultForwardingMethod" className="input" defaultValue={defaultValue ?? "route"}>
        {FORWARDING_METHODS.map((m) => <option key={m} value={m}>{FORWARDING_LABEL[m]}</option>)}
      </select>
    </Field>
  );
}
