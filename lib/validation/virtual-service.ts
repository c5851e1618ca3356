import { z } from "zod";
import { versionSchema } from "@/lib/validation/common";
import { canonicalAddress, IPV4_MAPPED_RULE, isIPv4Mapped } from "@/lib/ipvs/address";
import { flagsFromBits, forcesServicePort, SCHEDULERS, sorryForward, FORWARDING_METHODS, type Forward, type ForwardingMethod, type Scheduler, type ServiceId } from "@/lib/ipvs/model";
import { destinationInputSchema, NUMBER_SPACES_RULE, spacedNumber, validateService, type FieldError } from "@/lib/ipvs/schema";

// The console's form schemas: one per form, used by the server actions AND by /api/v1 (lib/api), so
// every way in validates the same. The rules themselves are lib/ipvs's (`serviceInputSchema` via
// `validateService`, `destinationInputSchema`): these schemas only map the form's field names (the
// database's columns) onto lib/ipvs's input and its errors back onto the form's fields. So what the
// UI or the API accepts is exactly what the director core (lib/director ipvsCore) accepts.
// Numbers: JSON numbers and digit strings (FormData) alike.

/** One line per scheduler, shown next to the scheduler select. */
export const SCHEDULER_HELP: Record<Scheduler, string> = {
  rr: "Round robin: each real server in turn, ignoring weights and load.",
  wrr: "Weighted round robin: in turn, proportionally to weight.",
  lc: "Least connections: the server with the fewest active connections.",
  wlc: "Weighted least connections (kernel default): fewest connections relative to weight.",
  lblc: "Locality-based least connections: same destination IP to the same server unless it is overloaded (caches).",
  lblcr: "Locality-based with replication: a set of servers per destination IP (caches).",
  dh: "Destination hashing: the destination address picks the server.",
  sh: "Source hashing: the client address picks the server (sticky without persistence templates).",
  sed: "Shortest expected delay: (active + 1) / weight, smallest wins.",
  nq: "Never queue: an idle server if there is one, else shortest expected delay.",
  fo: "Weighted failover: always the available server with the highest weight.",
  ovf: "Weighted overflow: the highest-weight server until its active connections exceed its weight.",
  mh: "Maglev hashing: consistent hashing on the client address, minimal disruption on changes.",
  twos: "Random of two: picks two at random, uses the less loaded (not in every kernel).",
};


const empty = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");
/** Input of a number field: a JSON number or a string of digits (FormData); lib/ipvs judges the value. */
const numberIn = z.union([z.string(), z.int(), z.null()], { error: "must be a whole number" }).optional();
const requiredNumberIn = z.union([z.string(), z.int()], { error: (i) => (i.input === undefined ? "is required" : "must be a whole number") });
const stringIn = z.union([z.string(), z.null()]).optional();
const checkbox = z.union([z.boolean(), z.string()]).optional().transform((v) => v === "on" || v === "true" || v === true);
const nul = <T,>(v: T | undefined | null | "") => (empty(v) ? null : (v as T));

/** lib/ipvs messages name their field ("service port must be …"); at the form's field the name is redundant. */
export function fieldMessage(m: string): string {
  const i = m.search(/ (must|is|only|needs|may|cannot|does|applies)\b/);
  return i > 0 && i < 60 && !/^(a|the)\b/i.test(m) ? m.slice(i + 1) : m;
}

/** An IP address in canonical text (IPv6 compressed, lower case): the parser lib/ipvs uses. */
export const ipAddressSchema = z.string({ error: "is required" }).trim().min(1, "is required").transform((v, ctx) => {
  const p = canonicalAddress(v.replace(/^\[(.*)\]$/, "$1"));
  if (!p) {
    ctx.addIssue({ code: "custom", message: "must be an IPv4 or IPv6 address" });
    return z.NEVER;
  }
  if (isIPv4Mapped(p.address)) {
    ctx.addIssue({ code: "custom", message: IPV4_MAPPED_RULE });
    return z.NEVER;
  }
  return p.address;
});

export const PROTOCOL_CHOICES = ["tcp", "udp", "sctp", "fwmark"] as const;

/** A number field as lib/ipvs reads it (null when blank); lib/ipvs's own message when it is not one. */
function num(v: unknown): number | null | "bad" {
  if (empty(v)) return null;
  // " 80" is refused like in lib/ipvs (NUMBER_SPACES_RULE), not trimmed
  if (typeof v === "number") return Number.isInteger(v) ? v : "bad";
  return typeof v === "string" && /^\d+$/.test(v) ? Number(v) : "bad";
}

/** Console service field ← lib/ipvs serviceInputSchema path (destinations.0 is the sorry server). */
const SERVICE_FIELD: Record<string, string> = {
  protocol: "protocol", family: "family", address: "address", port: "port", fwmark: "fwmark", scheduler: "scheduler",
  persistent: "persistenceTimeout", netmask: "persistenceNetmask", ops: "onePacket", pe: "persistenceTimeout", flags: "flag1",
  "destinations.0.address": "sorryAddress", "destinations.0.port": "sorryPort", "destinations.0": "sorryAddress",
};

type Ctx = z.core.$RefinementCtx;
function report(ctx: Ctx, errors: FieldError[], map: Record<string, string>, fallback: string) {
  for (const e of errors) {
    const field = map[e.path] ?? map[e.path.split(".").slice(0, 2).join(".")] ?? map[e.path.split(".")[0] ?? ""] ?? fallback;
    ctx.addIssue({ code: "custom", path: [field], message: fieldMessage(e.message) });
  }
}

/** Whether a real server's port is forced to the service port (lib/ipvs forcesServicePort), and why: shown next to the field. */
export function portLock(service: { protocol: string; port: number | null }, method: string): { locked: boolean; reason: string | null } {
  if (!forcesServicePort({ protocol: service.protocol as ServiceId["protocol"] }, method as Forward)) return { locked: false, reason: null };
  const mode = method === "tunnel" ? "IP tunnelling (TUN)" : "Direct Routing (DR)";
  return {
    locked: true,
    reason: `Locked to the service port ${service.port}: in ${mode} the director does not rewrite the destination port, ` +
      "so the real server receives the VIP's port (ipvsadm forces it).",
  };
}

/** The sorry server as the desired state builds it (lib/ipvs sorryForward: DR on the service port, else NAT). */
export function sorryDestinationInput(v: { protocol: string; port: number | null; sorryAddress: string | null; sorryPort: number | null }) {
  if (v.sorryAddress === null || v.sorryPort === null) return null;
  return { address: v.sorryAddress, port: v.sorryPort, forward: sorryForward(v, v.sorryPort), weight: 1 };
}

const serviceShape = {
  clusterId: z.string({ error: "is required" }).min(1, "is required"),
  protocol: stringIn,
  address: stringIn,
  port: numberIn,
  fwmark: numberIn,
  family: stringIn,
  scheduler: stringIn,
  persistenceTimeout: numberIn,
  persistenceNetmask: z.union([z.string(), z.int(), z.null()]).optional(),
  onePacket: checkbox,
  flag1: checkbox,
  flag2: checkbox,
  flag3: checkbox,
  sorryAddress: stringIn,
  sorryPort: numberIn,
  description: z.string().max(500, "must be at most 500 characters").optional(),
  // blank: the cluster's default (a new service), unchanged (an edit)
  forwardingMethod: stringIn,
};

export interface VirtualServiceInput {
  clusterId: string; protocol: (typeof PROTOCOL_CHOICES)[number]; address: string | null; port: number | null; fwmark: number | null;
  family: "inet" | "inet6"; scheduler: Scheduler; persistenceTimeout: number | null; persistenceNetmask: string | null;
  onePacket: boolean; flag1: boolean; flag2: boolean; flag3: boolean; sorryAddress: string | null; sorryPort: number | null; description: string;
  /** null: the cluster's default for a new service, unchanged for an edit */
  forwardingMethod: ForwardingMethod | null;
}

type RawService = z.output<z.ZodObject<typeof serviceShape>>;

/** The form's service → lib/ipvs validateService; its errors at the form's fields; the canonical values back. */
function checkService(v: RawService, ctx: Ctx): VirtualServiceInput {
  const proto = (v.protocol ?? "").trim();
  if (!(PROTOCOL_CHOICES as readonly string[]).includes(proto)) ctx.addIssue({ code: "custom", path: ["protocol"], message: "must be TCP, UDP, SCTP or a firewall mark" });
  const scheduler = (v.scheduler ?? "").trim();
  if (!(SCHEDULERS as readonly string[]).includes(scheduler)) ctx.addIssue({ code: "custom", path: ["scheduler"], message: `must be one of ${SCHEDULERS.join(", ")}` });
  const fw = proto === "fwmark";
  const method = empty(v.forwardingMethod) ? null : String(v.forwardingMethod).trim();
  if (method !== null && !(FORWARDING_METHODS as readonly string[]).includes(method))
    ctx.addIssue({ code: "custom", path: ["forwardingMethod"], message: "must be route (DR), masq (NAT) or tunnel (TUN)" });
  // addresses first with the console's words (same parser as lib/ipvs, so the same acceptance)
  const addr = (field: "address" | "sorryAddress", raw: string | null | undefined): string | null => {
    if (empty(raw)) return null;
    const r = ipAddressSchema.safeParse(raw);
    if (!r.success) { ctx.addIssue({ code: "custom", path: [field], message: r.error.issues[0]?.message ?? "must be an IPv4 or IPv6 address" }); return null; }
    return r.data;
  };
  const address = fw ? null : addr("address", v.address);
  const sorryAddress = addr("sorryAddress", v.sorryAddress);
  const sorryPort = num(v.sorryPort);
  if (spacedNumber(v.sorryPort)) ctx.addIssue({ code: "custom", path: ["sorryPort"], message: `${NUMBER_SPACES_RULE} (got ${JSON.stringify(v.sorryPort)})` });
  else if (sorryPort === "bad" || (typeof sorryPort === "number" && (sorryPort < 1 || sorryPort > 65535))) ctx.addIssue({ code: "custom", path: ["sorryPort"], message: "must be a port 1..65535" });
  if ((empty(v.sorryAddress)) !== (empty(v.sorryPort))) ctx.addIssue({ code: "custom", path: [empty(v.sorryAddress) ? "sorryAddress" : "sorryPort"], message: "is needed with the other sorry-server field" });
  if (!fw && empty(v.address)) ctx.addIssue({ code: "custom", path: ["address"], message: "is required (the VIP)" });
  const bits = (v.flag1 ? 1 : 0) | (v.flag2 ? 2 : 0) | (v.flag3 ? 4 : 0);
  const sched = (SCHEDULERS as readonly string[]).includes(scheduler) ? (scheduler as Scheduler) : "wlc";
  const timeout = num(v.persistenceTimeout);
  const netmask = empty(v.persistenceNetmask) ? null : String(v.persistenceNetmask).trim();
  const family = empty(v.family) ? null : String(v.family).trim();
  const input = {
    protocol: proto, family: fw ? (family ?? "inet") : family ?? undefined,
    address: fw ? undefined : address ?? (empty(v.address) ? undefined : "invalid"),
    port: fw ? undefined : nul(v.port), fwmark: fw ? nul(v.fwmark) : nul(v.fwmark),
    scheduler: sched, persistent: timeout === null ? undefined : timeout === "bad" ? String(v.persistenceTimeout) : timeout,
    netmask: netmask ?? undefined, ops: v.onePacket, flags: flagsFromBits(sched, bits),
    destinations: [] as unknown[],
  };
  const sorry = sorryAddress !== null && typeof sorryPort === "number" ? sorryDestinationInput({ protocol: proto, port: num(v.port) === "bad" ? null : (num(v.port) as number | null), sorryAddress, sorryPort }) : null;
  if (sorry) input.destinations.push(sorry);
  const r = validateService(input);
  if (!r.ok) report(ctx, r.errors.filter((e) => !(e.path === "address" && address === null) && !(e.path === "protocol") && !(e.path === "scheduler")), SERVICE_FIELD, "address");
  const out = r.ok ? r.value : null;
  return {
    clusterId: v.clusterId, protocol: proto as VirtualServiceInput["protocol"],
    address: out?.address ?? address, port: out?.port ?? null, fwmark: out?.fwmark ?? null,
    family: (out?.family ?? (address?.includes(":") ? "inet6" : "inet")) as "inet" | "inet6",
    scheduler: sched, persistenceTimeout: out?.persistent ?? null,
    persistenceNetmask: netmask === null || !out ? null : out.netmask,
    onePacket: v.onePacket, flag1: v.flag1, flag2: v.flag2, flag3: v.flag3,
    sorryAddress, sorryPort: typeof sorryPort === "number" ? sorryPort : null,
    description: (v.description ?? "").trim(),
    forwardingMethod: method as ForwardingMethod | null,
  };
}

export const virtualServiceSchema = z.object(serviceShape).transform((v, ctx) => checkService(v, ctx));

export const virtualServiceUpdateSchema = z.object({
  ...serviceShape, id: z.string().min(1), version: z.union([z.int(), z.string()], { error: "is missing" }),
}).transform((v, ctx) => {
  const s = checkService(v, ctx);
  const version = Number(v.version);
  if (!Number.isInteger(version) || version < 1) ctx.addIssue({ code: "custom", path: ["version"], message: "is missing" });
  return { ...s, id: v.id, version };
});
export type VirtualServiceUpdate = VirtualServiceInput & { id: string; version: number };

/** Console real-server field ← lib/ipvs destinationInputSchema path. */
const DEST_FIELD: Record<string, string> = {
  address: "address", port: "port", forward: "forwardingMethod", weight: "weight", upperThreshold: "upperThreshold", lowerThreshold: "lowerThreshold",
};

const realServerShape = {
  virtualServiceId: z.string({ error: "is required" }).min(1, "is required"),
  hostId: stringIn,
  address: stringIn,
  port: numberIn,
  weight: requiredNumberIn,
  forwardingMethod: stringIn,
  upperThreshold: numberIn,
  lowerThreshold: numberIn,
};
type RawRs = z.output<z.ZodObject<typeof realServerShape>>;

export interface RealServerInput {
  virtualServiceId: string; hostId: string | null; address: string | null; port: number | null; weight: number;
  forwardingMethod: ForwardingMethod; upperThreshold: number | null; lowerThreshold: number | null;
}

function checkRealServer(v: RawRs, ctx: Ctx): RealServerInput {
  const method = (v.forwardingMethod ?? "").trim();
  if (!(FORWARDING_METHODS as readonly string[]).includes(method)) ctx.addIssue({ code: "custom", path: ["forwardingMethod"], message: "must be route (DR), masq (NAT) or tunnel (TUN)" });
  const hostId = empty(v.hostId) ? null : String(v.hostId);
  let address: string | null = null;
  if (!empty(v.address)) {
    const a = ipAddressSchema.safeParse(v.address);
    if (!a.success) ctx.addIssue({ code: "custom", path: ["address"], message: a.error.issues[0]?.message ?? "must be an IPv4 or IPv6 address" });
    else address = a.data;
  } else if (hostId === null) ctx.addIssue({ code: "custom", path: ["address"], message: "is required (or pick a known host)" });
  if (empty(v.weight)) ctx.addIssue({ code: "custom", path: ["weight"], message: "is required" });
  // the address is judged above (a known host's comes later); lib/ipvs judges the rest
  const r = destinationInputSchema.safeParse({
    address: address ?? "192.0.2.1", port: empty(v.port) ? undefined : v.port, forward: (FORWARDING_METHODS as readonly string[]).includes(method) ? method : "route",
    weight: empty(v.weight) ? 0 : v.weight, upperThreshold: empty(v.upperThreshold) ? undefined : v.upperThreshold, lowerThreshold: empty(v.lowerThreshold) ? undefined : v.lowerThreshold,
  });
  if (!r.success) report(ctx, r.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })).filter((e) => e.path !== "address" || address !== null), DEST_FIELD, "address");
  const d = r.success ? r.data : null;
  return {
    virtualServiceId: v.virtualServiceId, hostId, address, port: d?.port ?? null, weight: d?.weight ?? 0,
    forwardingMethod: method as RealServerInput["forwardingMethod"], upperThreshold: d?.upperThreshold ?? null, lowerThreshold: d?.lowerThreshold ?? null,
  };
}

export const realServerSchema = z.object(realServerShape).transform((v, ctx) => checkRealServer(v, ctx));
// every change of a real server carries the version it was read at (services.ts refuses a stale one)
export const realServerUpdateSchema = z.object({ ...realServerShape, id: z.string().min(1), version: versionSchema })
  .transform((v, ctx) => ({ ...checkRealServer(v, ctx), id: v.id, version: v.version }));

export const idSchema = z.object({ id: z.string().min(1, "is required") });
export const realServerRefSchema = z.object({ id: z.string().min(1, "is required"), version: versionSchema });
export const realServerStateSchema = realServerRefSchema.extend({ state: z.enum(["active", "draining", "disabled"], { error: "must be active, draining or disabled" }) });

/**
 * A real server inside its service, judged by lib/ipvs validateService exactly as the director core
 * will judge the rendered table (family, DR/TUN port rule, thresholds). Field errors by form field.
 */
export function checkRealServerInService(
  vs: { protocol: string; family: string; address: string | null; port: number | null; fwmark: number | null; scheduler: string; schedulerFlags: string[]; persistenceTimeout: number | null; persistenceNetmask: string | null; onePacket: boolean },
  rs: { address: string; port: number; weight: number; forwardingMethod: string; upperThreshold: number; lowerThreshold: number },
): Record<string, string[]> {
  const fw = vs.protocol === "fwmark";
  const r = validateService({
    protocol: vs.protocol, family: vs.family, address: fw ? undefined : vs.address ?? undefined, port: fw ? undefined : vs.port ?? undefined, fwmark: fw ? vs.fwmark ?? undefined : undefined,
    scheduler: vs.scheduler, persistent: vs.persistenceTimeout ?? undefined, netmask: vs.persistenceTimeout === null ? undefined : vs.persistenceNetmask ?? undefined,
    ops: vs.onePacket, flags: vs.schedulerFlags,
    destinations: [{ address: rs.address, port: rs.port, forward: rs.forwardingMethod, weight: rs.weight, upperThreshold: rs.upperThreshold, lowerThreshold: rs.lowerThreshold }],
  });
  if (r.ok) return {};
  const out: Record<string, string[]> = {};
  for (const e of r.errors) {
    const m = /^destinations\.0\.(\w+)/.exec(e.path);
    const field = m ? DEST_FIELD[m[1]!] ?? "address" : "address";
    (out[field] ??= []).push(m ? fieldMessage(e.message) : `the service itself is not valid: ${e.message}`);
  }
  return out;
}
