// Validates a cluster document and returns it normalised (canonical addresses and netmasks, explicit
// real-server ports, ipvsadm's own DR/TUN port rewrite), or errors naming the path
// (`services[2].realServers[0].weight`). The IPVS rules are lib/ipvs's validateService, run per service.
import type { z } from "zod";
import { canonicalAddress, IPV4_MAPPED_RULE, isIPv4Mapped } from "@/lib/ipvs/address";
import { serviceKey } from "@/lib/ipvs/model";
import { validateService } from "@/lib/ipvs/schema";
import { documentSchema, type ClusterDocument, type DocumentService } from "./schema";

export type PathPart = string | number;
export interface DocumentError { path: string; parts: PathPart[]; message: string }
export interface DocumentNotice { path: string; message: string }
export type DocumentResult =
  | { ok: true; document: ClusterDocument; notices: DocumentNotice[] }
  | { ok: false; errors: DocumentError[] };

/** ["services", 2, "realServers", 0, "weight"] → "services[2].realServers[0].weight". */
export function formatPath(parts: readonly PathPart[]): string {
  let out = "";
  for (const p of parts) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

// lib/ipvs's field names → the document's, under services[i]
const IPVS_FIELD: Record<string, PathPart[]> = { persistent: ["persistence", "timeout"], netmask: ["persistence", "netmask"], pe: ["persistence", "engine"] };
function ipvsPath(dotted: string): PathPart[] {
  const parts = dotted === "" ? [] : dotted.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (parts[0] === "destinations") return ["realServers", ...parts.slice(1)];
  const mapped = IPVS_FIELD[String(parts[0])];
  return mapped ? [...mapped, ...parts.slice(1)] : parts;
}

function zodErrors(e: z.ZodError): DocumentError[] {
  return e.issues.map((i) => {
    const parts = i.path.map((p) => (typeof p === "number" ? p : String(p)));
    const what = i.code === "unrecognized_keys" ? `unknown field ${i.keys.map((k) => JSON.stringify(k)).join(", ")}` : i.message;
    return { parts, path: formatPath(parts), message: what };
  });
}

/** Validates an already-parsed value (from YAML, JSON or code). */
export function validateDocument(value: unknown): DocumentResult {
  const r = documentSchema.safeParse(value);
  if (!r.success) return { ok: false, errors: zodErrors(r.error) };
  const errors: DocumentError[] = [], notices: DocumentNotice[] = [];
  const err = (parts: PathPart[], message: string) => errors.push({ parts, path: formatPath(parts), message });
  const seen = new Map<string, number>();
  const services = r.data.services.map((s, i) => {
    const n = normalizeService(s, i, err, notices);
    if (n) {
      const k = n.key;
      const j = seen.get(k);
      if (j !== undefined) err(["services", i], `service ${k} is listed twice (also at services[${j}])`);
      else seen.set(k, i);
    }
    return n?.out;
  });
  const names = new Map<string, number>();
  r.data.ha?.directors.forEach((d, j) => {
    const k = names.get(d.name);
    if (k !== undefined) err(["ha", "directors", j, "name"], `director ${d.name} is listed twice (also at ha.directors[${k}])`);
    else names.set(d.name, j);
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, document: { ...r.data, services: services as DocumentService[] }, notices };
}

function normalizeService(s: DocumentService, i: number, err: (p: PathPart[], m: string) => void, notices: DocumentNotice[]): { out: DocumentService; key: string } | null {
  const at = (p: PathPart[]) => ["services", i, ...p];
  const v = validateService({
    protocol: s.protocol, family: s.family, address: s.address, port: s.port, fwmark: s.fwmark, scheduler: s.scheduler, flags: s.flags,
    persistent: s.persistence?.timeout ?? null, netmask: s.persistence?.netmask ?? null, pe: s.persistence?.engine ?? null, ops: s.ops,
    destinations: s.realServers.map((r) => ({ address: r.address, port: r.port, forward: r.forward ?? s.forward, weight: r.weight, upperThreshold: r.upperThreshold, lowerThreshold: r.lowerThreshold })),
  });
  let sorry = s.sorryServer;
  if (sorry) {
    const a = canonicalAddress(sorry.address.replace(/^\[(.*)\]$/, "$1"));
    if (!a) err(at(["sorryServer", "address"]), "sorry server address must be a valid IPv4 (a.b.c.d) or IPv6 address");
    else if (isIPv4Mapped(a.address)) err(at(["sorryServer", "address"]), `sorry server address ${IPV4_MAPPED_RULE}`);
    else sorry = { ...sorry, address: a.address };
  }
  if (!v.ok) {
    for (const e of v.errors) err(at(ipvsPath(e.path)), e.message);
    return null;
  }
  const hc = s.healthCheck;
  if (hc?.enabled && hc.port === null && v.value.destinations.some((d) => d.port === 0))
    err(at(["healthCheck", "port"]), "a check needs a port when a real server's port is 0 (fwmark or all-ports services)");
  for (const n of v.notices) notices.push({ path: formatPath(at(ipvsPath(n.path))), message: n.message });
  const n = v.value;
  const fwmark = n.protocol === "fwmark";
  const out: DocumentService = {
    ...s,
    ...(fwmark ? { family: n.family, fwmark: n.fwmark ?? undefined } : { address: n.address ?? undefined, port: n.port ?? undefined }),
    flags: n.flags,
    persistence: n.persistent === null ? null : { timeout: n.persistent, netmask: n.netmask ?? undefined, ...(n.pe ? { engine: n.pe } : {}) },
    sorryServer: sorry,
    // a real server's forward only when it differs from the service's
    realServers: s.realServers.map(({ address: _a, port: _p, forward, ...rest }, j) => ({
      address: n.destinations[j]!.address, port: n.destinations[j]!.port, ...rest, ...(forward && forward !== s.forward ? { forward } : {}),
    })),
  };
  if (!fwmark) delete out.family;
  return { out, key: serviceKey(n) };
}
