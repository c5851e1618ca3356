// The kernel as a pure, in-memory model: applies steps to a table the way ipvsadm + IPVS would,
// failing with the real tool's messages. Used in production by the health overlay (lib/health/overlay:
// health's steps applied to the desired table, not to a director) and by the tests' convergence
// checks (plan, apply, plan again → []).
import { destKey, forcesServicePort, serviceKey, tunnelDefaults, type Service, type Table } from "./model";
import type { Step } from "./steps";

export class KernelError extends Error {
  override readonly name = "KernelError";
  constructor(message: string, readonly step: Step) {
    super(message);
  }
}

/** Returns a new table with the steps applied in order; throws KernelError like ipvsadm would (exit 255). */
export function applySteps(table: Table, steps: readonly Step[]): Table {
  const svcs = new Map<string, Service>(table.services.map((s) => [serviceKey(s), { ...s, destinations: [...s.destinations] }]));
  for (const step of steps) {
    const key = serviceKey(step.service);
    const svc = svcs.get(key);
    switch (step.op) {
      case "add-service":
        if (svc) throw new KernelError("Service already exists", step);
        svcs.set(key, { ...step.service, destinations: [] });
        break;
      case "edit-service":
        if (!svc) throw new KernelError("No such service", step);
        svcs.set(key, { ...step.service, destinations: svc.destinations });
        break;
      case "delete-service":
        if (!svc) throw new KernelError("No such service", step);
        svcs.delete(key);
        break;
      default: {
        if (!svc) throw new KernelError("Service not defined", step);
        const d = step.destination;
        const port = step.op !== "delete-destination" && forcesServicePort(svc, step.destination.forward) ? (svc.port ?? 0) : d.port;
        const k = destKey({ address: d.address, port });
        const i = svc.destinations.findIndex((x) => destKey(x) === k);
        if (step.op === "add-destination") {
          if (i !== -1) throw new KernelError("Destination already exists", step);
          if (step.destination.lowerThreshold > step.destination.upperThreshold) throw new KernelError("Numerical result out of range", step);
          svc.destinations.push({ ...step.destination, port, ...tunnelDefaults(step.destination) });
        } else if (step.op === "edit-destination") {
          if (i === -1) throw new KernelError("No such destination", step);
          if (step.destination.lowerThreshold > step.destination.upperThreshold) throw new KernelError("Numerical result out of range", step);
          svc.destinations[i] = { ...step.destination, port, ...tunnelDefaults(step.destination) };
        } else {
          if (i === -1) throw new KernelError("No such destination", step);
          svc.destinations.splice(i, 1);
        }
      }
    }
  }
  return { services: [...svcs.values()] };
}
