import { z } from "zod";
import { canonicalAddress } from "@/lib/ipvs/address";
import { MAX_THRESHOLD, MAX_TIMEOUT, MAX_WEIGHT, SCHEDULERS, type Scheduler } from "@/lib/ipvs/model";

// The console's form schemas: one per form, used by the server actions (and so the same validation
// for every way in). Values are those ipvsadm itself accepts (see /work/shared/reference/IPVSADM.md).
// NOTE: lib/ipvs has no zod schemas yet; these lean on its model constants and address parser.

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
const optionalInt = (min: number, max: number, msg: string) =>
  z.preprocess((v) => (empty(v) ? null : typeof v === "string" ? v.trim() : v),
    z.union([z.null(), z.string().regex(/^\d+$/, msg).transform(Number).pipe(z.number().int().min(min, msg).max(max, msg))]));
const requiredInt = (min: number, max: number, msg: string) =>
  z.preprocess((v) => (typeof v === "string" ? v.trim() : v), z.string({ error: "is required" }).min(1, "is required").regex(/^\d+$/, msg).transform(Number).pipe(z.number().int().min(min, msg).max(max, msg)));
const checkbox = z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean());

/** An IP address in canonical text (IPv6 compressed, lower case). */
export const ipAddressSchema = z.string({ error: "is required" }).trim().min(1, "is required").transform((v, ctx) => {
  const p = canonicalAddress(v);
  if (!p) {
    ctx.addIssue({ code: "custom", message: "must be an IPv4 or IPv6 address" });
    return z.NEVER;
  }
  return p.address;
});
const optionalIp = z.preprocess((v) => (empty(v) ? null : v), z.union([z.null(), ipAddressSchema]));

export const PROTOCOL_CHOICES = ["tcp", "udp", "sctp", "fwmark"] as const;
export const FORWARDING_CHOICES = ["route", "masq", "tunnel"] as const;
export const FORWARDING_LABEL: Record<(typeof FORWARDING_CHOICES)[number], string> = {
  route: "Direct Routing (DR, -g)", masq: "NAT / masquerading (-m)", tunnel: "IP tunnelling (TUN, -i)",
};

export const virtualServiceSchema = z.object({
  clusterId: z.string({ error: "is required" }).min(1, "is required"),
  protocol: z.enum(PROTOCOL_CHOICES, { error: "must be TCP, UDP, SCTP or a firewall mark" }),
  address: optionalIp,
  port: optionalInt(0, 65535, "must be a port 0..65535"),
  fwmark: optionalInt(1, 2147483647, "must be a firewall mark 1..2147483647"),
  family: z.enum(["inet", "inet6"], { error: "must be IPv4 or IPv6" }).default("inet"),
  scheduler: z.enum(SCHEDULERS, { error: `must be one of ${SCHEDULERS.join(", ")}` }),
  persistenceTimeout: optionalInt(1, MAX_TIMEOUT, `must be 1..${MAX_TIMEOUT} seconds`),
  persistenceNetmask: z.preprocess((v) => (empty(v) ? null : String(v).trim()), z.union([z.null(), z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$|^\d{1,3}$/, "must be a netmask (255.255.255.0) or, for IPv6, a prefix length")])),
  onePacket: checkbox,
  flag1: checkbox,
  flag2: checkbox,
  flag3: checkbox,
  sorryAddress: optionalIp,
  sorryPort: optionalInt(1, 65535, "must be a port 1..65535"),
  description: z.string().trim().max(500, "must be at most 500 characters").default(""),
}).superRefine((v, ctx) => {
  if (v.protocol === "fwmark") {
    if (v.fwmark === null) ctx.addIssue({ code: "custom", path: ["fwmark"], message: "is required for a firewall-mark service" });
  } else {
    if (v.address === null) ctx.addIssue({ code: "custom", path: ["address"], message: "is required (the VIP)" });
    if (v.port === null) ctx.addIssue({ code: "custom", path: ["port"], message: "is required (0 only with persistence)" });
    if (v.port === 0 && v.persistenceTimeout === null) ctx.addIssue({ code: "custom", path: ["port"], message: "may be 0 only for a persistent service (set a persistence timeout)" });
  }
  if (v.persistenceNetmask !== null && v.persistenceTimeout === null) ctx.addIssue({ code: "custom", path: ["persistenceNetmask"], message: "needs a persistence timeout" });
  if (v.persistenceNetmask !== null) {
    const fam = v.protocol === "fwmark" ? v.family : v.address?.includes(":") ? "inet6" : "inet";
    if (fam === "inet" && !/^(\d{1,3}\.){3}\d{1,3}$/.test(v.persistenceNetmask)) ctx.addIssue({ code: "custom", path: ["persistenceNetmask"], message: "must be a dotted netmask for IPv4 (e.g. 255.255.255.0)" });
    if (fam === "inet6" && !(/^\d{1,3}$/.test(v.persistenceNetmask) && Number(v.persistenceNetmask) <= 128)) ctx.addIssue({ code: "custom", path: ["persistenceNetmask"], message: "must be a prefix length 0..128 for IPv6" });
  }
  if ((v.sorryAddress === null) !== (v.sorryPort === null)) ctx.addIssue({ code: "custom", path: [v.sorryAddress === null ? "sorryAddress" : "sorryPort"], message: "is needed with the other sorry-server field" });
  if (v.onePacket && v.protocol !== "udp" && v.protocol !== "fwmark") ctx.addIssue({ code: "custom", path: ["onePacket"], message: "applies to UDP services only" });
});
export type VirtualServiceInput = z.infer<typeof virtualServiceSchema>;

export const virtualServiceUpdateSchema = z.intersection(virtualServiceSchema, z.object({
  id: z.string().min(1), version: z.coerce.number({ error: "is missing" }).int().min(1),
}));
export type VirtualServiceUpdate = z.infer<typeof virtualServiceUpdateSchema>;

export const realServerSchema = z.object({
  virtualServiceId: z.string({ error: "is required" }).min(1, "is required"),
  hostId: z.preprocess((v) => (empty(v) ? null : v), z.union([z.null(), z.string()])),
  address: optionalIp,
  port: optionalInt(0, 65535, "must be a port 0..65535"),
  weight: requiredInt(0, MAX_WEIGHT, `must be a whole number 0..${MAX_WEIGHT}`),
  forwardingMethod: z.enum(FORWARDING_CHOICES, { error: "must be route (DR), masq (NAT) or tunnel (TUN)" }),
  upperThreshold: optionalInt(0, MAX_THRESHOLD, `must be 0..${MAX_THRESHOLD}`),
  lowerThreshold: optionalInt(0, MAX_THRESHOLD, `must be 0..${MAX_THRESHOLD}`),
}).superRefine((v, ctx) => {
  if (v.hostId === null && v.address === null) ctx.addIssue({ code: "custom", path: ["address"], message: "is required (or pick a known host)" });
  if ((v.lowerThreshold ?? 0) > 0 && (v.upperThreshold ?? 0) === 0) ctx.addIssue({ code: "custom", path: ["lowerThreshold"], message: "needs an upper threshold (ipvsadm refuses -y without -x)" });
  if ((v.lowerThreshold ?? 0) > (v.upperThreshold ?? 0) && (v.upperThreshold ?? 0) > 0) ctx.addIssue({ code: "custom", path: ["lowerThreshold"], message: "may not exceed the upper threshold" });
});
export type RealServerInput = z.infer<typeof realServerSchema>;

export const realServerUpdateSchema = z.intersection(realServerSchema, z.object({ id: z.string().min(1) }));

export const idSchema = z.object({ id: z.string().min(1, "is required") });
export const realServerStateSchema = z.object({ id: z.string().min(1), state: z.enum(["active", "draining", "disabled"], { error: "must be active, draining or disabled" }) });
