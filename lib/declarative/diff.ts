// A readable diff between two cluster documents (the history page, `lvs diff`, a version's summary):
// services, real servers, weights and states, checks, one line per change. Pure.
import { DEFAULT_VRRP_PRIORITY } from "@/lib/ha/model";
import { jsonEqual } from "./compact";
import { haSchema, type ClusterDocument, type DocumentHa, type DocumentRealServer, type DocumentService } from "./schema";

export interface DiffLine {
  kind: "add" | "remove" | "change";
  /** the service it is about ("TCP 10.0.0.100:80", "FWM 7"), or "cluster" */
  service: string;
  text: string;
}

const bracket = (a: string) => (a.includes(":") ? `[${a}]` : a);
/** "TCP 10.0.0.100:80", "FWM 7 IPv6": how operators (and ipvsadm -Ln) name a service. */
export function documentServiceLabel(s: DocumentService): string {
  return s.protocol === "fwmark" ? `FWM ${s.fwmark}${s.family === "inet6" ? " IPv6" : ""}` : `${s.protocol.toUpperCase()} ${bracket(s.address ?? "")}:${s.port}`;
}
const rsLabel = (r: DocumentRealServer) => `${bracket(r.address)}:${r.port ?? 0}`;
const show = (v: unknown) => (v === undefined || v === null ? "none" : typeof v === "object" ? JSON.stringify(v) : String(v));

const SERVICE_FIELDS = ["scheduler", "flags", "persistence", "ops", "forward", "sorryServer", "description"] as const;
const RS_FIELDS = ["weight", "state", "upperThreshold", "lowerThreshold", "forward"] as const;

function serviceChanges(a: DocumentService, b: DocumentService, label: string, out: DiffLine[]) {
  for (const f of SERVICE_FIELDS) if (!jsonEqual(a[f] ?? null, b[f] ?? null)) out.push({ kind: "change", service: label, text: `${label}: ${f} ${show(a[f])} → ${show(b[f])}` });
  const ca = a.healthCheck, cb = b.healthCheck;
  if (!ca && cb) out.push({ kind: "add", service: label, text: `${label}: add a ${cb.kind} health check${cb.enabled ? "" : " (disabled)"}` });
  else if (ca && !cb) out.push({ kind: "remove", service: label, text: `${label}: remove the ${ca.kind} health check` });
  else if (ca && cb) {
    const keys = (Object.keys(cb) as (keyof typeof cb)[]).filter((k) => !jsonEqual(ca[k], cb[k]));
    if (keys.length) out.push({ kind: "change", service: label, text: `${label}: health check ${keys.map((k) => `${k} ${show(ca[k])} → ${show(cb[k])}`).join(", ")}` });
  }
  const ra = new Map(a.realServers.map((r) => [rsLabel(r), r])), rb = new Map(b.realServers.map((r) => [rsLabel(r), r]));
  for (const [k, r] of ra) if (!rb.has(k)) out.push({ kind: "remove", service: label, text: `${label}: remove real server ${k} (weight ${r.weight})` });
  for (const [k, r] of rb) {
    const before = ra.get(k);
    if (!before) {
      out.push({ kind: "add", service: label, text: `${label}: add real server ${k} (weight ${r.weight}${r.state === "active" ? "" : `, ${r.state}`})` });
      continue;
    }
    const d = RS_FIELDS.filter((f) => !jsonEqual(before[f] ?? null, r[f] ?? null));
    if (d.length) out.push({ kind: "change", service: label, text: `${label}: real server ${k} ${d.map((f) => `${f} ${show(before[f])} → ${show(r[f])}`).join(", ")}` });
  }
}

const HA_DEFAULT = haSchema.parse({});
const HA_WORDS: Record<Exclude<keyof DocumentHa, "directors" | "enabled">, string> = {
  interface: "interface", virtualRouterId: "virtual router id", advertInt: "advert interval (s)", preempt: "preempt", preemptDelay: "preempt delay (s)",
  unicast: "unicast", syncDaemon: "connection sync",
};
const onOff = (v: unknown) => (v === true ? "on" : v === false ? "off" : String(v));

/** HA lines: a document without `ha` holds the defaults (documentOf leaves them out), each director at priority 100 unless listed. */
function haChanges(a: DocumentHa | undefined, b: DocumentHa | undefined, out: DiffLine[]) {
  const ha = a ?? HA_DEFAULT, hb = b ?? HA_DEFAULT;
  const line = (text: string) => out.push({ kind: "change", service: "cluster", text });
  if (ha.enabled !== hb.enabled) line(`director HA ${hb.enabled ? "on" : "off"}`);
  for (const [f, w] of Object.entries(HA_WORDS) as [keyof typeof HA_WORDS, string][])
    if (ha[f] !== hb[f]) line(`HA ${w} ${onOff(ha[f])} → ${onOff(hb[f])}`);
  const pa = new Map(ha.directors.map((d) => [d.name, d.priority])), pb = new Map(hb.directors.map((d) => [d.name, d.priority]));
  const dflt = DEFAULT_VRRP_PRIORITY;
  for (const [name, p] of pb) if ((pa.get(name) ?? dflt) !== p) line(`HA director ${name} priority ${pa.get(name) ?? dflt} → ${p}`);
  for (const [name, p] of pa) {
    if (pb.has(name)) continue;
    if (b) line(`HA director ${name} no longer listed (priority ${p})`);
    else if (p !== dflt) line(`HA director ${name} priority ${p} → ${dflt}`);
  }
}

/** What changes from `a` to `b` (null `a`: everything in `b` is added). */
export function diffDocuments(a: ClusterDocument | null, b: ClusterDocument): DiffLine[] {
  const out: DiffLine[] = [];
  if (a && (a.cluster?.description ?? "") !== (b.cluster?.description ?? ""))
    out.push({ kind: "change", service: "cluster", text: `cluster description ${show(a.cluster?.description ?? "")} → ${show(b.cluster?.description ?? "")}` });
  const sa = new Map((a?.services ?? []).map((s) => [documentServiceLabel(s), s])), sb = new Map(b.services.map((s) => [documentServiceLabel(s), s]));
  for (const [k, s] of sa) if (!sb.has(k)) out.push({ kind: "remove", service: k, text: `remove ${k} (${s.realServers.length} real server${s.realServers.length === 1 ? "" : "s"})` });
  for (const [k, s] of sb) {
    const before = sa.get(k);
    if (!before) {
      out.push({ kind: "add", service: k, text: `add ${k} (${s.scheduler}, ${s.forward}, ${s.realServers.length} real server${s.realServers.length === 1 ? "" : "s"})` });
      for (const r of s.realServers) out.push({ kind: "add", service: k, text: `${k}: add real server ${rsLabel(r)} (weight ${r.weight}${r.state === "active" ? "" : `, ${r.state}`})` });
      if (s.healthCheck) out.push({ kind: "add", service: k, text: `${k}: add a ${s.healthCheck.kind} health check` });
    } else serviceChanges(before, s, k, out);
  }
  haChanges(a?.ha, b.ha, out);
  return out;
}
