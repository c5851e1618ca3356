// What the health checker wants the kernel to hold, as steps against a table (the kernel's, or the
// desired table for the overlay). Pure. It only touches what health decides:
//   - a real server that is down: weight 0 (quiesce) or deleted (remove), per virtual service;
//   - a real server that is up again: its configured weight back (or re-added after a remove);
//   - the sorry server: in when fewer than `quorum` real servers can take traffic, out otherwise;
//     while it is in, the remaining real servers are quiesced so clients get one consistent answer.
// Everything else (virtual services, schedulers, other real servers, thresholds) is the operator's Apply.
import { destKey, serviceKey, type Destination, type ServiceId, type Table } from "./model";
import type { Step } from "./steps";

/** The checker's verdict on one real server (lib/health/state keeps it). */
export type HealthStatus = "unknown" | "up" | "down";

export interface HealthRealServer {
  /** RealServer.id */
  id: string;
  /** as configured (the configured weight) */
  realServer: Destination;
  status: HealthStatus;
}

export interface HealthService {
  /** VirtualService.id */
  id: string;
  sid: ServiceId;
  onFail: "quiesce" | "remove";
  quorum: number;
  /** real servers the operator has active (draining/disabled ones are the operator's business) */
  realServers: HealthRealServer[];
  sorry: Destination | null;
}

export interface HealthDesired {
  services: HealthService[];
}

/** Real servers able to take new connections by health: up or not yet checked, with a weight above 0. */
export function healthyCount(s: HealthService): number {
  return s.realServers.filter((r) => r.status !== "down" && r.realServer.weight > 0).length;
}

/** Below quorum with a sorry server configured: the sorry server serves alone. */
export function sorryWanted(s: HealthService): boolean {
  return !!s.sorry && healthyCount(s) < Math.max(1, s.quorum);
}

/** The ipvs steps health wants now, given a table. */
export function healthSteps(desired: HealthDesired, table: Table): Step[] {
  const byKey = new Map(table.services.map((s) => [serviceKey(s), s]));
  const restore: Step[] = [], sorryIn: Step[] = [], quiesce: Step[] = [], sorryOut: Step[] = [];
  for (const s of desired.services) {
    const k = byKey.get(serviceKey(s.sid));
    if (!k) continue; // the virtual service is not in the table: nothing for health to do
    const listed = new Map(k.destinations.map((d) => [destKey(d), d]));
    const sorry = sorryWanted(s);
    for (const r of s.realServers) {
      const key = destKey(r.realServer);
      if (s.sorry && key === destKey(s.sorry)) continue;
      const have = listed.get(key);
      const edit = (weight: number, drain: boolean, reason: string): Step =>
        ({ op: "edit-destination", service: s.sid, destination: { ...have!, weight }, fields: ["weight"], drain, disruptive: false, reason });
      if (r.status === "down" && s.onFail === "remove") {
        if (have) {
          const destination = { address: have.address, port: have.port };
          quiesce.push({ op: "delete-destination", service: s.sid, destination, disruptive: false, reason: `${key} is down: removed` });
        }
      } else if (r.status === "down" || (sorry && r.status !== "unknown")) {
        const why = r.status === "down" ? `${key} is down: weight 0` : `below quorum, sorry server in: ${key} weight 0`;
        if (have && have.weight !== 0) quiesce.push(edit(0, true, why));
      } else if (r.status === "up") {
        const weight = r.realServer.weight;
        if (have && have.weight === 0 && weight > 0) restore.push(edit(weight, false, `${key} is up: weight ${weight} restored`));
        else if (!have && s.onFail === "remove") {
          restore.push({ op: "add-destination", service: s.sid, destination: r.realServer, disruptive: false, reason: `${key} is up: added back` });
        }
      }
    }
    if (s.sorry) sorrySteps(s, sorry, listed.get(destKey(s.sorry)), sorryIn, sorryOut);
  }
  // never a moment with nothing to answer: restore and sorry-in before quiescing, sorry-out last
  return [...restore, ...sorryIn, ...quiesce, ...sorryOut];
}

function sorrySteps(s: HealthService, wanted: boolean, have: Destination | undefined, sorryIn: Step[], sorryOut: Step[]) {
  const sorry = s.sorry!;
  const sk = destKey(sorry);
  if (wanted && !have) {
    sorryIn.push({ op: "add-destination", service: s.sid, destination: sorry, disruptive: false, reason: `no real server up: sorry server ${sk} in` });
  } else if (wanted && have && have.weight === 0) {
    const destination = { ...have, weight: Math.max(1, sorry.weight) };
    sorryIn.push({ op: "edit-destination", service: s.sid, destination, fields: ["weight"], drain: false, disruptive: false, reason: `no real server up: sorry server ${sk} in` });
  } else if (!wanted && have) {
    const destination = { address: have.address, port: have.port };
    sorryOut.push({ op: "delete-destination", service: s.sid, destination, disruptive: false, reason: `a real server is up: sorry server ${sk} out` });
  }
}
