import type { FieldErrors } from "@/lib/validation/common";
import { Field } from "../forms/field";

export function ForwardingSelect({ errors, defaultValue }: { errors?: FieldErrors; defaultValue?: string }) {
  return (
    <Field name="defaultForwardingMethod" label="Default forwarding method" errors={errors}>
      <select key={defaultValue} id="defaultForwardingMethod" name="defaultForwardingMethod" className="input" defaultValue={defaultValue ?? "route"}>
        <option value="route">Direct Routing (DR, -g)</option>
        <option value="masq">NAT / masquerading (-m)</option>
        <option value="tunnel">IP tunnelling (TUN, -i)</option>
      </select>
    </Field>
  );
}
