// The health checker's side of lib/ipvs's health planner (lib/ipvs/health-plan.ts): real servers from
// the rows, refused when ipvsadm would refuse them, and the IpvsCore that plans and verifies health's
// steps against the table the director prints in the same exec that runs them (lib/director
// applyDirector), never against what the checker did last time.
import { readTable, type ActualRead, type IpvsCore, type PlannedStep } from "@/lib/director/core";
import { configuredRealServer, sorryServer, type ServiceRow } from "@/lib/desired/desired";
import { canonicalAddress } from "@/lib/ipvs/address";
import { MAX_THRESHOLD, MAX_WEIGHT, destKey, type Destination, type Table } from "@/lib/ipvs/model";
import { healthSteps, type HealthDesired } from "@/lib/ipvs/health-plan";
import { parseSave } from "@/lib/ipvs/parse-save";
import { TableMismatchError } from "@/lib/ipvs/errors";
import { stepArgs, stepCommand } from "@/lib/ipvs/render";

type VsRow = ServiceRow;

/** A real server as lib/desired builds it (one at a time, so ids map exactly), refused if ipvsadm would. */
export function acceptedRealServer(vs: VsRow, rs: VsRow["realServers"][number]): Destination | null {
  return acceptable(configuredRealServer(vs, rs));
}

export function acceptedSorryServer(vs: VsRow): Destination | null {
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
