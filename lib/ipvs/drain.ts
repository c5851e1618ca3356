// Graceful removal, on its own (as kube-proxy's graceful termination): a real server that is going
// away first gets weight 0 (no new connections), and is deleted once its active connections are
// gone; a service is deleted once all its real servers are drained. Pure: the caller reads the
// connection counts (ipvsadm -Ln) and re-plans until nothing is left draining.
import { destKey, serviceId, serviceKey, type Destination, type Service, type ServiceId } from "./model";
import type { Listing } from "./parse-list";
import type { Step } from "./steps";

/** Active connections by "SERVICE_KEY -> DEST_KEY", from any -Ln flavour that prints ActiveConn. */
export type ActiveConns = ReadonlyMap<string, number>;

export function connKey(service: ServiceId, dest: Pick<Destination, "address" | "port">): string {
  return `${serviceKey(service)} -> ${destKey(dest)}`;
}

/** Indexes ActiveConn of a listing (-Ln, --thresholds, --persistent-conn, --tun-info). */
export function activeConnsIndex(listing: Listing): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of listing.services)
    for (const d of s.destinations) if (d.activeConns !== undefined) m.set(connKey(s, d), d.activeConns);
  return m;
}

/** Something left draining: it has weight 0 but active connections (or their count is unknown). */
export interface Draining {
  service: string;
  destination: string | null;
  /** null when no connection counts were given */
  activeConns: number | null;
}

export interface DrainResult {
  steps: Step[];
  draining: Draining[];
}

/** Steps for removing one real server gracefully. */
export function drainDestination(service: ServiceId, dest: Destination, conns: ActiveConns | undefined, reason: string): DrainResult {
  const sid = serviceId(service);
  if (dest.weight !== 0) {
    return {
      steps: [{ op: "edit-destination", service: sid, destination: { ...dest, weight: 0 }, fields: ["weight"], drain: true, disruptive: false, reason: `${reason}: draining (weight 0) before removal` }],
      draining: [{ service: serviceKey(service), destination: destKey(dest), activeConns: conns?.get(connKey(service, dest)) ?? null }],
    };
  }
  const active = conns?.get(connKey(service, dest));
  if (active === 0) {
    return { steps: [{ op: "delete-destination", service: sid, destination: { address: dest.address, port: dest.port }, disruptive: false, reason: `${reason}: drained (no active connections)` }], draining: [] };
  }
  return { steps: [], draining: [{ service: serviceKey(service), destination: destKey(dest), activeConns: active ?? null }] };
}

/** Steps for removing a whole service gracefully: drain every real server, delete when all are idle. */
export function drainService(service: Service, conns: ActiveConns | undefined, reason: string): DrainResult {
  const sid = serviceId(service);
  const steps: Step[] = [];
  const draining: Draining[] = [];
  let idle = true;
  for (const d of service.destinations) {
    const active = conns?.get(connKey(service, d));
    if (d.weight !== 0) {
      steps.push({ op: "edit-destination", service: sid, destination: { ...d, weight: 0 }, fields: ["weight"], drain: true, disruptive: false, reason: `${reason}: draining (weight 0) before removal` });
      idle = false;
      draining.push({ service: serviceKey(service), destination: destKey(d), activeConns: active ?? null });
    } else if (active !== 0) {
      idle = false;
      draining.push({ service: serviceKey(service), destination: destKey(d), activeConns: active ?? null });
    }
  }
  if (idle) steps.push({ op: "delete-service", service: sid, disruptive: false, reason: `${reason}: drained (no active connections)` });
  return { steps, draining };
}
