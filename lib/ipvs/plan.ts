// The reconcile planner: desired table vs actual table (read from the kernel, never remembered) →
// ordered steps. Pure; the SSH side renders and runs them, then reads the table again.
//
// Order: (1) new services, each followed by its real servers; (2) service edits; (3) real servers
// added to / edited in existing services; (4) real servers removed (or drained); (5) services
// removed (or drained). Within each group, by key. New capacity is in place before old goes away.
import { activeConnsIndex, drainDestination, drainService, type ActiveConns, type Draining } from "./drain";
import {
  destFieldDiff, destKey, normalizeService, serviceEqual, serviceFieldDiff, serviceId, serviceKey, cmp,
  type Service, type Table,
} from "./model";
import type { Listing } from "./parse-list";
import type { Step } from "./steps";

export interface PlanOptions {
  /**
   * Keys (serviceKey) of the services this panel owns on the director. Default: the desired keys.
   * An actual service that is owned but no longer desired is removed; one that is not owned is left
   * alone unless `prune`. A desired key that exists but is not owned is a conflict unless `adopt`.
   */
  owned?: Iterable<string>;
  /** take over existing services that are desired but not owned (edit them to match) */
  adopt?: boolean;
  /** remove actual services that are neither desired nor owned */
  prune?: boolean;
  /** remove real servers and services by draining (weight 0) first; delete once active conns are 0 */
  graceful?: boolean;
  /** active connections for graceful removal: an -Ln listing, or an index from activeConnsIndex */
  connections?: Listing | ActiveConns;
  /**
   * Identity changes (protocol, address, port or fwmark), which ipvsadm cannot edit in place:
   * new service key → the actual key it replaces. The old service is deleted (even if not owned)
   * and both halves are flagged disruptive.
   */
  renames?: ReadonlyMap<string, string> | Record<string, string>;
}

export interface Conflict {
  key: string;
  reason: string;
}

export interface PlanReport {
  steps: Step[];
  /** desired services left alone because an unowned service with the same key exists (use adopt) */
  conflicts: Conflict[];
  /** graceful removals still waiting for connections to end */
  draining: Draining[];
}

/** plan(desired, actual, opts) → ordered steps; [] when in sync. See planReport for the details. */
export function plan(desired: Table, actual: Table, opts: PlanOptions = {}): Step[] {
  return planReport(desired, actual, opts).steps;
}

export function planReport(desired: Table, actual: Table, opts: PlanOptions = {}): PlanReport {
  const conns: ActiveConns | undefined =
    opts.connections === undefined ? undefined : isListing(opts.connections) ? activeConnsIndex(opts.connections) : opts.connections;
  const renames = new Map<string, string>(
    opts.renames instanceof Map ? opts.renames : Object.entries((opts.renames ?? {}) as Record<string, string>),
  );
  const replaced = new Map<string, string>(); // old key -> new key
  for (const [n, o] of renames) replaced.set(o, n);

  const have = new Map<string, Service>();
  for (const s of actual.services) have.set(serviceKey(s), s);
  const want = new Map<string, Service>();
  const ownedSet = opts.owned === undefined ? null : new Set<string>(opts.owned);
  const isOwned = (key: string) => (ownedSet ? ownedSet.has(key) : want.has(key));

  // Steps are gathered per service with its key, and only the services that need steps are sorted:
  // a 10,000-service table in sync costs one pass and no sorting.
  type Group = { key: string; steps: Step[] };
  const adds: Group[] = [], edits: Group[] = [], destAddEdit: Group[] = [], destRemovals: Group[] = [], removals: Group[] = [];
  const conflicts: Conflict[] = [];
  const draining: Draining[] = [];

  for (const raw of desired.services) {
    const d = normalizeService(raw).service;
    const key = serviceKey(d);
    want.set(key, d);
    const a = have.get(key);
    if (!a) {
      const old = renames.get(key);
      const disruptive = old !== undefined && have.has(old);
      const why = disruptive ? `replaces ${old} (protocol, address, port or fwmark cannot be edited in place)` : "not in the kernel";
      const steps: Step[] = [{ op: "add-service", service: { ...d, destinations: [] }, disruptive, reason: `add ${key}: ${why}` }];
      for (const x of sortDests(d.destinations))
        steps.push({ op: "add-destination", service: serviceId(d), destination: x, disruptive, reason: `add ${destKey(x)} to new service ${key}` });
      adds.push({ key, steps });
      continue;
    }
    if (serviceEqual(d, a)) continue; // in sync
    if (!isOwned(key) && !opts.adopt) {
      conflicts.push({ key, reason: `${key} exists but was not created by the panel: adopt it to manage it` });
      continue;
    }
    const fields = serviceFieldDiff(d, a);
    if (fields.length) edits.push({ key, steps: [{ op: "edit-service", service: { ...d, destinations: [] }, fields, disruptive: false, reason: `edit ${key}: ${fields.join(", ")} changed (restating every option)` }] });
    const ad = new Map(a.destinations.map((x) => [destKey(x), x]));
    const addEdit: Step[] = [];
    for (const x of sortDests(d.destinations)) {
      const dk = destKey(x);
      const cur = ad.get(dk);
      ad.delete(dk);
      if (!cur) addEdit.push({ op: "add-destination", service: serviceId(d), destination: x, disruptive: false, reason: `add ${dk} to ${key}` });
      else {
        const f = destFieldDiff(x, cur);
        if (f.length) addEdit.push({ op: "edit-destination", service: serviceId(d), destination: x, fields: f, drain: false, disruptive: false, reason: `edit ${dk} of ${key}: ${f.join(", ")} changed (restating every option)` });
      }
    }
    if (addEdit.length) destAddEdit.push({ key, steps: addEdit });
    const gone: Step[] = [];
    for (const x of sortDests([...ad.values()])) {
      const why = `${destKey(x)} is no longer a real server of ${key}`;
      if (opts.graceful) {
        const r = drainDestination(a, x, conns, why);
        gone.push(...r.steps);
        draining.push(...r.draining);
      } else gone.push({ op: "delete-destination", service: serviceId(a), destination: { address: x.address, port: x.port }, disruptive: false, reason: `remove ${why}` });
    }
    if (gone.length) destRemovals.push({ key, steps: gone });
  }

  for (const [key, a] of have) {
    if (want.has(key)) continue;
    const newKey = replaced.get(key);
    const isRename = newKey !== undefined && want.has(newKey);
    if (!isRename && !isOwned(key) && !opts.prune) continue;
    const because = isRename ? `replaced by ${newKey}` : isOwned(key) ? "no longer desired" : "not managed by the panel (prune)";
    const why = `${key} ${because}`;
    if (opts.graceful) {
      const r = drainService(a, conns, why);
      removals.push({ key, steps: r.steps.map((s) => ({ ...s, disruptive: isRename && s.op === "delete-service" })) });
      draining.push(...r.draining);
    } else removals.push({ key, steps: [{ op: "delete-service", service: serviceId(a), disruptive: isRename, reason: `remove ${key}: ${because}` }] });
  }
  const flat = (gs: Group[]) => gs.sort((x, y) => cmp(x.key, y.key)).flatMap((g) => g.steps);
  draining.sort((x, y) => cmp(x.service, y.service) || cmp(x.destination ?? "", y.destination ?? ""));
  conflicts.sort((x, y) => cmp(x.key, y.key));
  return { steps: [...flat(adds), ...flat(edits), ...flat(destAddEdit), ...flat(destRemovals), ...flat(removals)], conflicts, draining };
}

function sortDests<T extends { address: string; port: number }>(ds: T[]): T[] {
  return [...ds].sort((a, b) => cmp(destKey(a), destKey(b)));
}

function isListing(x: Listing | ActiveConns): x is Listing {
  return !(x instanceof Map) && Array.isArray((x as Listing).services);
}
