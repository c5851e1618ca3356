// Drift: how an actual table differs from the desired one, as sets (the kernel's order means nothing).
import { destFieldDiff, destKey, normalizeService, serviceFieldDiff, serviceKey, type Service, type Table } from "./model";

export interface DestinationDifference {
  key: string;
  /** field names that differ: forward, weight, upperThreshold, lowerThreshold, tunnelType, tunnelPort, tunnelCsum */
  fields: string[];
}

export interface ServiceDifference {
  key: string;
  /** service fields that differ: scheduler, persistent, netmask, ops, pe, flags */
  fields: string[];
  /** real servers desired but absent (keys) */
  missing: string[];
  /** real servers present but not desired (keys) */
  unexpected: string[];
  different: DestinationDifference[];
}

export interface TableDiff {
  /** desired services absent from the actual table */
  missing: Service[];
  /** actual services that are not desired */
  unexpected: Service[];
  different: ServiceDifference[];
}

/** Compares desired (normalised with the DR/TUN port rule first) with actual. Sorted by key. */
export function diffTables(desired: Table, actual: Table): TableDiff {
  const act = new Map(actual.services.map((s) => [serviceKey(s), s]));
  const out: TableDiff = { missing: [], unexpected: [], different: [] };
  const seen = new Set<string>();
  for (const raw of desired.services) {
    const d = normalizeService(raw).service;
    const key = serviceKey(d);
    seen.add(key);
    const a = act.get(key);
    if (!a) { out.missing.push(d); continue; }
    const sd = diffService(d, a);
    if (sd) out.different.push(sd);
  }
  for (const [key, s] of act) if (!seen.has(key)) out.unexpected.push(s);
  const byKey = (x: Service, y: Service) => (serviceKey(x) < serviceKey(y) ? -1 : 1);
  out.missing.sort(byKey);
  out.unexpected.sort(byKey);
  out.different.sort((x, y) => (x.key < y.key ? -1 : 1));
  return out;
}

/** The difference of two services with the same key, or null when they are equal. */
export function diffService(desired: Service, actual: Service): ServiceDifference | null {
  const fields = serviceFieldDiff(desired, actual);
  const act = new Map(actual.destinations.map((x) => [destKey(x), x]));
  const missing: string[] = [], different: DestinationDifference[] = [];
  for (const dd of desired.destinations) {
    const k = destKey(dd);
    const ad = act.get(k);
    act.delete(k);
    if (!ad) { missing.push(k); continue; }
    const f = destFieldDiff(dd, ad);
    if (f.length) different.push({ key: k, fields: f });
  }
  const unexpected = [...act.keys()];
  if (!fields.length && !missing.length && !unexpected.length && !different.length) return null;
  return { key: serviceKey(desired), fields, missing: missing.sort(), unexpected: unexpected.sort(), different: different.sort((a, b) => (a.key < b.key ? -1 : 1)) };
}

/** True when both tables hold the same services with the same real servers and options. */
export function tablesEqual(a: Table, b: Table): boolean {
  const d = diffTables(a, b);
  return d.missing.length === 0 && d.unexpected.length === 0 && d.different.length === 0;
}
