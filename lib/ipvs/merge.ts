// Joining reads of the same table: the save format (configuration) with the listings it lacks
// (thresholds) and with counters (-Ln, --stats, --rate), matched on service / real-server key.
import { TableMismatchError } from "./errors";
import { destKey, serviceKey, type Destination, type Service, type Table } from "./model";
import type { Counters, Listing } from "./parse-list";

/**
 * The actual table = `-S -n` (which does not save -x/-y) + `-Ln --thresholds`.
 * Throws TableMismatchError when the two reads do not list the same services and real servers
 * (the table changed between them): read both again.
 */
export function mergeThresholds(save: Table, thresholds: Listing): Table {
  if (thresholds.format !== "thresholds") throw new TypeError(`mergeThresholds needs ipvsadm -Ln --thresholds output, got ${thresholds.format}`);
  const listed = new Map(thresholds.services.map((s) => [serviceKey(s), s]));
  const problems: string[] = [];
  const services = save.services.map((s) => {
    const key = serviceKey(s);
    const l = listed.get(key);
    listed.delete(key);
    if (!l) { problems.push(`${key} is missing from --thresholds`); return s; }
    const ld = new Map(l.destinations.map((d) => [destKey(d), d]));
    const destinations = s.destinations.map((d) => {
      const dk = destKey(d);
      const x = ld.get(dk);
      ld.delete(dk);
      if (!x) { problems.push(`${key} -> ${dk} is missing from --thresholds`); return d; }
      return { ...d, upperThreshold: x.upperThreshold ?? 0, lowerThreshold: x.lowerThreshold ?? 0 };
    });
    for (const dk of ld.keys()) problems.push(`${key} -> ${dk} is missing from -S`);
    return { ...s, destinations };
  });
  for (const key of listed.keys()) problems.push(`${key} is missing from -S`);
  if (problems.length) throw new TableMismatchError(problems);
  return { services };
}

export interface CountedDestination extends Destination { counters: Counters }
export interface CountedService extends Omit<Service, "destinations"> { counters: Counters; destinations: CountedDestination[] }
export interface CountedTable { services: CountedService[] }

const COUNTER_KEYS = [
  "activeConns", "inactConns", "persistConns", "conns", "inPkts", "outPkts", "inBytes", "outBytes", "cps", "inPps", "outPps", "inBps", "outBps",
] as const;

function pick(from: Counters, into: Counters): void {
  for (const k of COUNTER_KEYS) if (from[k] !== undefined) into[k] = from[k];
}

/**
 * Attaches counters from any number of listings (-Ln, --stats --exact, --rate --exact, ...) to a table.
 * Services or real servers that a listing lacks (a race) simply get no counters from it.
 * A service's activeConns / inactConns are the sums over its real servers when no listing gives them.
 */
export function attachCounters(table: Table, ...listings: Listing[]): CountedTable {
  const idx = new Map<string, Counters>();
  for (const l of listings) {
    for (const s of l.services) {
      const sk = serviceKey(s);
      pick(s, idx.get(sk) ?? idx.set(sk, {}).get(sk) as Counters);
      for (const d of s.destinations) {
        const k = `${sk} -> ${destKey(d)}`;
        pick(d, idx.get(k) ?? idx.set(k, {}).get(k) as Counters);
      }
    }
  }
  return {
    services: table.services.map((s) => {
      const sk = serviceKey(s);
      const destinations = s.destinations.map((d) => ({ ...d, counters: { ...idx.get(`${sk} -> ${destKey(d)}`) } }));
      const counters: Counters = { ...idx.get(sk) };
      for (const k of ["activeConns", "inactConns", "persistConns"] as const) {
        if (counters[k] === undefined && destinations.length > 0 && destinations.every((d) => d.counters[k] !== undefined))
          counters[k] = destinations.reduce((a, d) => a + (d.counters[k] as number), 0);
      }
      return { ...s, counters, destinations };
    }),
  };
}
