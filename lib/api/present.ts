// What the API returns for each resource, and the form-shaped input a PATCH is merged over.
import { hostPort } from "@/lib/ipvs/address";
import { flagsFromBits, type Scheduler } from "@/lib/ipvs/model";
import { contentEtag, versionEtag } from "./http";
import { serviceRef } from "./refs";

type ClusterRow = { id: string; name: string; description: string; defaultForwardingMethod: string; version: number; createdAt: Date; updatedAt: Date };
export const clusterJson = (c: ClusterRow) => ({
  id: c.id, name: c.name, description: c.description, defaultForwardingMethod: c.defaultForwardingMethod, version: c.version,
  etag: versionEtag(c.version), createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString(),
});

type HostRow = { id: string; clusterId: string; name: string; address: string; sshPort: number; sshUser: string; sshKeyId: string | null; role: string;
  vrrpPriority: number; hostKeyFingerprint: string | null; hostKeyAlgorithm: string | null; updatedAt: Date };
export const hostEtag = (h: HostRow) => contentEtag("host", h.id, h.updatedAt.toISOString(), h.hostKeyFingerprint);
export const hostJson = (h: HostRow) => ({
  id: h.id, clusterId: h.clusterId, name: h.name, address: h.address, sshPort: h.sshPort, sshUser: h.sshUser, sshKeyId: h.sshKeyId, role: h.role,
  // a director's VRRP priority (director HA); real servers have none
  vrrpPriority: h.role === "director" ? h.vrrpPriority : null,
  hostKey: h.hostKeyFingerprint ? { fingerprint: h.hostKeyFingerprint, algorithm: h.hostKeyAlgorithm } : null, etag: hostEtag(h),
});

type RealServerRow = { id: string; virtualServiceId: string; hostId: string | null; address: string; port: number; weight: number; forwardingMethod: string;
  upperThreshold: number; lowerThreshold: number; state: string; version: number; updatedAt: Date };
/** A real server's ETag is its version, as a cluster's and a service's are. */
export const realServerEtag = (r: RealServerRow) => versionEtag(r.version);
export const realServerJson = (r: RealServerRow) => ({
  id: r.id, ref: hostPort(r.address, r.port), virtualServiceId: r.virtualServiceId, hostId: r.hostId, address: r.address, port: r.port, weight: r.weight,
  forwardingMethod: r.forwardingMethod, upperThreshold: r.upperThreshold, lowerThreshold: r.lowerThreshold, state: r.state, version: r.version, etag: realServerEtag(r),
});

type VsRow = { id: string; clusterId: string; protocol: string; address: string | null; port: number | null; fwmark: number | null; family: string;
  scheduler: string; schedulerFlags: string[]; persistenceTimeout: number | null; persistenceNetmask: string | null; onePacket: boolean;
  persistenceEngine: string | null; sorryAddress: string | null; sorryPort: number | null; description: string; forwardingMethod: string; version: number };
export const serviceJson = (s: VsRow, realServers?: RealServerRow[]) => ({
  id: s.id, ref: serviceRef(s), clusterId: s.clusterId, protocol: s.protocol, address: s.address, port: s.port, fwmark: s.fwmark, family: s.family,
  scheduler: s.scheduler, schedulerFlags: s.schedulerFlags, persistenceTimeout: s.persistenceTimeout, persistenceNetmask: s.persistenceNetmask,
  onePacket: s.onePacket, persistenceEngine: s.persistenceEngine, sorryAddress: s.sorryAddress, sorryPort: s.sorryPort, description: s.description,
  forwardingMethod: s.forwardingMethod, version: s.version, etag: versionEtag(s.version),
  ...(realServers ? { realServers: realServers.map(realServerJson) } : {}),
});

const str = (n: number | null) => (n === null ? null : String(n));

/** A service row as the service form would submit it (the base a PATCH body is merged over). */
export function serviceFormInput(s: VsRow): Record<string, unknown> {
  const has = (bit: number) => flagsFromBits(s.scheduler as Scheduler, bit).some((f) => s.schedulerFlags.includes(f));
  return {
    protocol: s.protocol, address: s.address, port: str(s.port), fwmark: str(s.fwmark), family: s.family, scheduler: s.scheduler,
    persistenceTimeout: str(s.persistenceTimeout), persistenceNetmask: s.persistenceNetmask, onePacket: s.onePacket,
    flag1: has(1), flag2: has(2), flag3: has(4), sorryAddress: s.sorryAddress, sorryPort: str(s.sorryPort), description: s.description,
    forwardingMethod: s.forwardingMethod,
  };
}

/** A real-server row as its form would submit it. */
export function realServerFormInput(r: RealServerRow): Record<string, unknown> {
  return {
    hostId: r.hostId, address: r.address, port: String(r.port), weight: String(r.weight), forwardingMethod: r.forwardingMethod,
    upperThreshold: String(r.upperThreshold), lowerThreshold: String(r.lowerThreshold),
  };
}
