// What the director's kernel sends where right now, read from `ipvsadm -Ln` (never from the database
// alone: an apply may not have run, or may have run from elsewhere). Used before anything that drops
// traffic: undoing DR on a real server the director still feeds, removing a real server, deleting a
// virtual service, an apply with disruptive steps. Pure: the listing comes in as text.
import { hostPort } from "@/lib/ipvs/address";
import { parseList } from "@/lib/ipvs/parse-list";
import { serviceKey } from "@/lib/ipvs/model";

/** One real server of one kernel service, as listed. */
export interface KernelDest {
  service: string; // "TCP 10.78.0.100:80"
  vip: string | null; // null for fwmark services
  dest: string; // "10.78.0.11:80"
  address: string;
  port: number;
  forward: string | null;
  weight: number;
  activeConns: number;
  inactConns: number;
}

/** Every real server of every service in an `ipvsadm -Ln` text (throws on text that is not a listing). */
export function kernelDests(listText: string): KernelDest[] {
  const out: KernelDest[] = [];
  for (const s of parseList(listText).services) {
    for (const d of s.destinations) {
      out.push({ service: serviceKey(s), vip: s.address, dest: hostPort(d.address, d.port), address: d.address, port: d.port, forward: d.forward,
        weight: d.weight ?? 0, activeConns: d.activeConns ?? 0, inactConns: d.inactConns ?? 0 });
    }
  }
  return out;
}

/**
 * The kernel entries that still send traffic to `address` through the VIPs undo would take off its lo:
 * DR (route) or TUN real servers with weight > 0 of a service on one of `vips` (or a fwmark service,
 * whose VIPs the table does not name). NAT real servers do not need the VIP on lo.
 */
export function liveDrTraffic(dests: readonly KernelDest[], address: string, vips: readonly string[]): KernelDest[] {
  return dests.filter((d) => d.address === address && d.weight > 0 && (d.forward === "route" || d.forward === "tunnel") && (d.vip === null || vips.includes(d.vip)));
}

/** "TCP 10.78.0.100:80 → 10.78.0.11:80 (weight 1, 3 active connections)" */
export function describeDest(d: KernelDest): string {
  return `${d.service} → ${d.dest} (weight ${d.weight}, ${conns(d.activeConns)})`;
}

export function conns(n: number): string {
  return `${n} active connection${n === 1 ? "" : "s"}`;
}

/** A disruptive step's target, from its ipvsadm command: `-D -t VIP:PORT` (a service) or `-d … -r RIP:PORT` (one real server). */
export function stepTarget(command: string): { service: string; dest: string | null } | null {
  const m = /\s-(t|u|f|-sctp-service)\s+(\S+)(?:.*?\s-r\s+(\S+))?/.exec(command);
  if (!m) return null;
  const proto = m[1] === "t" ? "TCP" : m[1] === "u" ? "UDP" : m[1] === "f" ? "FWM" : "SCTP";
  return { service: `${proto} ${m[2]}`, dest: m[3] ?? null };
}

/** The active connections a disruptive step would cut now: those of its real server, or of its whole service. */
export function activeConnsCut(dests: readonly KernelDest[], command: string): number | null {
  const t = stepTarget(command);
  if (!t) return null;
  return dests.filter((d) => d.service === t.service && (t.dest === null || d.dest === t.dest)).reduce((n, d) => n + d.activeConns, 0);
}
