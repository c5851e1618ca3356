// One planned change = one ipvsadm command. Every step carries a sentence for the UI (reason) and
// whether it cuts connections (disruptive).
import type { Destination, Service, ServiceId } from "./model";

interface StepBase {
  /** why, in words the UI can show */
  reason: string;
  /** true when the step is part of a delete + add that ipvsadm cannot do in place (connections are cut) */
  disruptive: boolean;
}

export type Step =
  | (StepBase & { op: "add-service"; service: Service })
  /** -E restates the whole service (every option; it does not merge). `fields` says what changed. */
  | (StepBase & { op: "edit-service"; service: Service; fields: string[] })
  | (StepBase & { op: "delete-service"; service: ServiceId })
  | (StepBase & { op: "add-destination"; service: ServiceId; destination: Destination })
  /** -e restates the whole real server. `drain` marks the weight-0 step of a graceful removal. */
  | (StepBase & { op: "edit-destination"; service: ServiceId; destination: Destination; fields: string[]; drain: boolean })
  | (StepBase & { op: "delete-destination"; service: ServiceId; destination: Pick<Destination, "address" | "port"> });

export type StepOp = Step["op"];
