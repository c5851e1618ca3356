// What the health checker wants the kernel to hold, and the steps that get it there — planned
// against the table the director prints in the same exec that runs them (lib/director applyDirector),
// never against what the checker did last time. It only touches what health decides:
//   - a real server that is down: weight 0 (quiesce) or deleted (remove), per service;
//   - a real server that is up again: its configured weight back (or re-added after a remove);
//   - the sorry server: in when fewer than `quorum` real servers can take traffic, out otherwise;
//     while it is in, the remaining real servers are quiesced so clients get one consistent answer.
// Everything else (services, schedulers, other real servers, thresholds) is the operator's Apply.
import { readTable, type ActualRead, type IpvsCore, type PlannedStep } from "@/lib/director/core";
import { configuredRealServer, sorryServer, type ServiceRow } from "@/lib/desired/desired";
import { canonicalAddress } from "@/lib/ipvs/address";
import { MAX_THRESHOLD, MAX_WEIGHT, destKey, serviceKey, type Destination, type ServiceId, type Table } from "@/lib/ipvs/model";
import { parseSave } from "@/lib/ipvs/parse-save";
import { TableMismatchError } from "@/lib/ipvs/errors";
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

type VsRow = ServiceRow;

/** Destinations as the console builds them (one real server at a time, so ids map exactly). */
export function configuredDestination(vs: VsRow, rs: VsRow["realServers"][number]): Destination | null {
  return acceptable(configuredRealServer(vs, rs));
}

export function sorryDestination(vs: VsRow): Destination | null {
  const d = sorryServer(vs);
  return d && acceptable(d);
}

const within = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;

/**
 * Health's steps go to ipvsadm without the console's validation (ipvsCore.validate), so a row holding
 * what ipvsadm would refuse (only possible by editing the database: the forms and the API check) is
 * refused here, as lib/ipvs's parser did when the destinations were rendered and parsed back.
 */
function acceptable(d: Destination): Destination {
  const bad = canonicalAddress(d.address)?.address !== d.address ? `address "${d.address}" is not a canonical IPv4 or IPv6 address`
    : !within(d.port, 65535) ? `port ${d.port} is not 0..65535`
    : !within(d.weight, MAX_WEIGHT) ? `weight ${d.weight} is not 0..${MAX_WEIGHT}`
    : !within(d.upperThreshold, MAX_THRESHOLD) || !within(d.lowerThreshold, MAX_THRESHOLD) ? `thresholds ${d.upperThreshold}/${d.lowerThreshold} are not 0..${MAX_THRESHOLD}`
    : null;
  if (bad) throw new Error(`real server ${destKey(d)}: ${bad}`);
  return d;
}

/** lib/director's readTable; when the two reads disagree (a race between them) the -S table alone, thresholds unknown. */
function actualTable(actual: ActualRead): Table {
  try {
    return readTable(actual).table;
  } catch (e) {
    if (e instanceof TableMismatchError) return parseSave(actual.save);
    throw e;
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
    return healthSteps(desired, actualTable(actual)).map((s) => ({ argv: stepArgs(s), text: stepCommand(s), disruptive: s.disruptive, reason: s.reason, step: s }));
  },
  verify(desired, actual) {
    return healthSteps(desired, actualTable(actual)).map((s) => `still to do: ${s.reason}`);
  },
};
