// What the health checker wants the kernel to hold, and the steps that get it there — planned
// against the table the director prints in the same exec that runs them (lib/director applyDirector),
// never against what the checker did last time. It only touches what health decides:
//   - a real server that is down: weight 0 (quiesce) or deleted (remove), per service;
//   - a real server that is up again: its configured weight back (or re-added after a remove);
//   - the sorry server: in when fewer than `quorum` real servers can take traffic, out otherwise;
//     while it is in, the remaining real servers are quiesced so clients get one consistent answer.
// Everything else (services, schedulers, other real servers, thresholds) is the operator's Apply.
import type { IpvsCore, PlannedStep } from "@/lib/director/core";
import { renderService } from "@/lib/console/desired";
import { destKey, serviceKey, type Destination, type ServiceId, type Table } from "@/lib/ipvs/model";
import { parseSave } from "@/lib/ipvs/parse-save";
import { parseList } from "@/lib/ipvs/parse-list";
import { mergeThresholds } from "@/lib/ipvs/merge";
import { stepArgs, stepCommand } from "@/lib/ipvs/render";
import type { Step } from "@/lib/ipvs/steps";
import type { HealthStatus } from "./state";

export interface HealthMember {
  /** RealServer.id */
  id: string;
  /** the configured destination (configured weight) */
  dest: Destination;
  status: HealthStatus;
}

export interface HealthService {
  /** VirtualService.id */
  id: string;
  sid: ServiceId;
  onFail: "quiesce" | "remove";
  quorum: number;
  /** real servers the operator has active (draining/disabled ones are the operator's business) */
  members: HealthMember[];
  sorry: Destination | null;
}

export interface HealthDesired {
  services: HealthService[];
}

/** Real servers able to take new connections by health: up or not yet checked, with a weight above 0. */
export function healthyCount(s: HealthService): number {
  return s.members.filter((m) => m.status !== "down" && m.dest.weight > 0).length;
}

/** Below quorum with a sorry server configured: the sorry server serves alone. */
export function sorryWanted(s: HealthService): boolean {
  return !!s.sorry && healthyCount(s) < Math.max(1, s.quorum);
}

type VsRow = Parameters<typeof renderService>[0];

/** Destinations as the console renders them (one real server at a time, so ids map exactly). */
export function configuredDestination(vs: VsRow, rs: VsRow["realServers"][number]): Destination | null {
  const lines = renderService({ ...vs, sorryAddress: null, sorryPort: null, realServers: [{ ...rs, state: "active" }] });
  const t = parseSave(lines.join("\n") + "\n");
  return t.services[0]?.destinations[0] ?? null;
}

export function sorryDestination(vs: VsRow): Destination | null {
  if (!vs.sorryAddress || vs.sorryPort === null) return null;
  const t = parseSave(renderService({ ...vs, realServers: [] }).join("\n") + "\n");
  return t.services[0]?.destinations[0] ?? null;
}

function actualTable(actual: { save: string; thresholds: string }): Table {
  const save = parseSave(actual.save);
  if (!actual.thresholds.trim()) return save;
  try {
    return mergeThresholds(save, parseList(actual.thresholds));
  } catch {
    return save; // a race between the two reads: thresholds unknown, -e would reset them, so skip edits below
  }
}

/** The ipvs steps health wants now, given the kernel's table. Pure. */
export function healthSteps(desired: HealthDesired, table: Table): Step[] {
  const byKey = new Map(table.services.map((s) => [serviceKey(s), s]));
  const restore: Step[] = [], sorryIn: Step[] = [], quiesce: Step[] = [], sorryOut: Step[] = [];
  for (const s of desired.services) {
    const k = byKey.get(serviceKey(s.sid));
    if (!k) continue; // the service is not in the kernel: nothing for health to do
    const kd = new Map(k.destinations.map((d) => [destKey(d), d]));
    const sorry = sorryWanted(s);
    for (const m of s.members) {
      const key = destKey(m.dest);
      if (s.sorry && key === destKey(s.sorry)) continue;
      const have = kd.get(key);
      if (m.status === "down" && s.onFail === "remove") {
        if (have) quiesce.push({ op: "delete-destination", service: s.sid, destination: { address: have.address, port: have.port }, disruptive: false, reason: `${key} is down: removed` });
      } else if (m.status === "down" || (sorry && m.status !== "unknown")) {
        if (have && have.weight !== 0) quiesce.push({ op: "edit-destination", service: s.sid, destination: { ...have, weight: 0 }, fields: ["weight"], drain: true, disruptive: false, reason: m.status === "down" ? `${key} is down: weight 0` : `below quorum, sorry server in: ${key} weight 0` });
      } else if (m.status === "up") {
        if (have && have.weight === 0 && m.dest.weight > 0) restore.push({ op: "edit-destination", service: s.sid, destination: { ...have, weight: m.dest.weight }, fields: ["weight"], drain: false, disruptive: false, reason: `${key} is up: weight ${m.dest.weight} restored` });
        else if (!have && s.onFail === "remove") restore.push({ op: "add-destination", service: s.sid, destination: m.dest, disruptive: false, reason: `${key} is up: added back` });
      }
    }
    if (s.sorry) {
      const sk = destKey(s.sorry);
      const have = kd.get(sk);
      if (sorry && !have) sorryIn.push({ op: "add-destination", service: s.sid, destination: s.sorry, disruptive: false, reason: `no real server up: sorry server ${sk} in` });
      else if (sorry && have && have.weight === 0) sorryIn.push({ op: "edit-destination", service: s.sid, destination: { ...have, weight: Math.max(1, s.sorry.weight) }, fields: ["weight"], drain: false, disruptive: false, reason: `no real server up: sorry server ${sk} in` });
      else if (!sorry && have) sorryOut.push({ op: "delete-destination", service: s.sid, destination: { address: have.address, port: have.port }, disruptive: false, reason: `a real server is up: sorry server ${sk} out` });
    }
  }
  // never a moment with nothing to answer: restore and sorry-in before quiescing, sorry-out last
  return [...restore, ...sorryIn, ...quiesce, ...sorryOut];
}

export const healthCore: IpvsCore<HealthDesired> = {
  validate(input) {
    const d = input as HealthDesired;
    if (!d || !Array.isArray(d.services)) throw new Error("health: desired state must be { services: [...] }");
    return d;
  },
  plan(desired, actual): PlannedStep[] {
    return healthSteps(desired, actualTable(actual)).map((s) => ({ argv: stepArgs(s), text: stepCommand(s), disruptive: s.disruptive }));
  },
  verify(desired, actual) {
    return healthSteps(desired, actualTable(actual)).map((s) => `still to do: ${s.reason}`);
  },
};
