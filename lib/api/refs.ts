// Path parameters as operators and scripts write them: a cluster by name (or id), a virtual service
// as "tcp:10.0.0.100:80" / "10.0.0.100:80" / "udp:[2001:db8::1]:53" / "fwm:3" (or id), a real server
// as "10.0.0.11", "10.0.0.11:8080" or "[2001:db8::11]:80" (or id), a host by name (or id).
import type { PrismaClient } from "@/generated/prisma/client";
import { canonicalAddress, hostPort, splitHostPort } from "@/lib/ipvs/address";
import { ApiProblem } from "./problem";

const ID_RE = /^c[a-z0-9]{20,32}$/;

export async function findCluster(prisma: PrismaClient, ref: string) {
  const c = ID_RE.test(ref) ? await prisma.cluster.findUnique({ where: { id: ref } }) : null;
  const byName = c ?? (await prisma.cluster.findUnique({ where: { name: ref } }));
  if (!byName) throw new ApiProblem("not-found", `No cluster named ${JSON.stringify(ref.slice(0, 100))}.`);
  return byName;
}

export async function findHost(prisma: PrismaClient, clusterId: string, ref: string) {
  const h = ID_RE.test(ref) ? await prisma.host.findFirst({ where: { id: ref, clusterId } }) : null;
  const byName = h ?? (await prisma.host.findFirst({ where: { clusterId, name: ref } }));
  if (!byName) throw new ApiProblem("not-found", `No host ${JSON.stringify(ref.slice(0, 100))} in this cluster.`);
  return byName;
}

export type ServiceRef =
  | { kind: "id"; id: string }
  | { kind: "addr"; protocol: "tcp" | "udp" | "sctp"; address: string; port: number }
  | { kind: "fwmark"; fwmark: number; family: "inet" | "inet6" };

/** Parses a service reference; null when it is none of the accepted forms. */
export function parseServiceRef(ref: string): ServiceRef | null {
  if (ID_RE.test(ref)) return { kind: "id", id: ref };
  const fw = /^(fwm|fwmark|fwm6|fwmark6)[:/ ](\d{1,10})$/i.exec(ref);
  if (fw) {
    const n = Number(fw[2]);
    if (n < 1 || n > 4294967295) return null;
    return { kind: "fwmark", fwmark: n, family: fw[1]!.endsWith("6") ? "inet6" : "inet" };
  }
  const m = /^(?:(tcp|udp|sctp)[:/ ])?(.+)$/i.exec(ref);
  if (!m) return null;
  const hp = splitHostPort(m[2]!);
  if (!hp) return null;
  const a = canonicalAddress(hp.address);
  if (!a) return null;
  return { kind: "addr", protocol: (m[1]?.toLowerCase() ?? "tcp") as "tcp", address: a.address, port: hp.port };
}

/** The canonical reference of a service row (what the API returns as `ref`). */
export function serviceRef(s: { protocol: string; address: string | null; port: number | null; fwmark: number | null; family: string }): string {
  if (s.protocol === "fwmark") return `${s.family === "inet6" ? "fwm6" : "fwm"}:${s.fwmark}`;
  return `${s.protocol}:${hostPort(s.address ?? "", s.port ?? 0)}`;
}

export async function findService(prisma: PrismaClient, clusterId: string, ref: string) {
  const r = parseServiceRef(ref);
  if (!r) throw new ApiProblem("not-found", `${JSON.stringify(ref.slice(0, 100))} is not a virtual service reference (tcp:VIP:PORT, udp:VIP:PORT, fwm:MARK or an id).`);
  const s = r.kind === "id" ? await prisma.virtualService.findFirst({ where: { id: r.id, clusterId } })
    : r.kind === "fwmark" ? await prisma.virtualService.findFirst({ where: { clusterId, protocol: "fwmark", fwmark: r.fwmark, family: r.family } })
    : await prisma.virtualService.findFirst({ where: { clusterId, protocol: r.protocol, address: r.address, port: r.port } });
  if (!s) throw new ApiProblem("not-found", `No virtual service ${JSON.stringify(ref.slice(0, 100))} in this cluster.`);
  return s;
}

/** A real server: "RIP" (when only one port of it serves the service), "RIP:PORT", "[RIP6]:PORT", or an id. */
export async function findRealServer(prisma: PrismaClient, virtualServiceId: string, ref: string) {
  if (ID_RE.test(ref)) {
    const r = await prisma.realServer.findFirst({ where: { id: ref, virtualServiceId } });
    if (r) return r;
  }
  const hp = splitHostPort(ref);
  const a = canonicalAddress(hp ? hp.address : ref.replace(/^\[(.*)\]$/, "$1"));
  if (!a) throw new ApiProblem("not-found", `${JSON.stringify(ref.slice(0, 100))} is not a real server reference (RIP, RIP:PORT, [RIP6]:PORT or an id).`);
  const rows = await prisma.realServer.findMany({ where: { virtualServiceId, address: a.address, ...(hp ? { port: hp.port } : {}) } });
  if (rows.length > 1) throw new ApiProblem("conflict", `${a.address} serves this service on several ports (${rows.map((r) => r.port).join(", ")}): name the port.`);
  if (!rows[0]) throw new ApiProblem("not-found", `No real server ${JSON.stringify(ref.slice(0, 100))} in this virtual service.`);
  return rows[0];
}
