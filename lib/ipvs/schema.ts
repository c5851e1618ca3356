// zod schemas for form / JSON input. Every message names the field and the rule. Numbers may come
// as strings (FormData). Output is the canonical model (addresses canonicalised, defaults filled);
// validateService / validateTable also apply ipvsadm's DR/TUN port rule and return its notices.
// Nothing that fails here can reach a command line.
import { z } from "zod";
import { canonicalAddress, IPV4_MAPPED_RULE, ipv4MaskPrefix, ipv4PrefixMask, isIPv4Mapped } from "./address";
import {
  DEFAULT_SCHEDULER, DEFAULT_TIMEOUT, FORWARDS, MAX_THRESHOLD, MAX_TIMEOUT, MAX_WEIGHT, PERSISTENCE_ENGINES, PROTOCOLS,
  SCHEDULERS, TUNNEL_CSUMS, TUNNEL_TYPES, canonicalFlags, destKey, normalizeService, serviceKey,
  type Destination, type Family, type Forward, type Notice, type Service, type Table,
} from "./model";

/** Form limit for fwmarks: ipvsadm lists marks >= 2^31 as negative numbers, which it then refuses. */
export const MAX_FORM_FWMARK = 2147483647;

const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

/** The rule for a number typed with spaces around it (" 80"): refused, never trimmed silently. Same words in every form and the API. */
export const NUMBER_SPACES_RULE = "must be digits only, without spaces";

/** True for a string of digits with spaces (or tabs) around it: what this project refuses instead of guessing. */
export function spacedNumber(v: unknown): boolean {
  return typeof v === "string" && v.trim() !== "" && v.trim() !== v;
}

type Check<T> = (v: unknown, ctx: z.core.$RefinementCtx) => T;
// a field's own check, so optional() runs it in place: a nested safeParse per field was most of the
// cost of validating 10,000 real servers (a cluster document, a version)
const checks = new WeakMap<z.ZodType, Check<unknown>>();
function checked<T>(check: Check<T>) {
  const schema = z.unknown().optional().transform(check);
  checks.set(schema, check);
  return schema;
}

function intField(field: string, min: number, max: number, unit = "") {
  return checked((v, ctx): number => {
    if (spacedNumber(v)) {
      ctx.addIssue({ code: "custom", message: `${field} ${NUMBER_SPACES_RULE} (got ${JSON.stringify(v)})` });
      return z.NEVER;
    }
    const t = v;
    const n = typeof t === "number" ? t : typeof t === "string" && /^\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `${field} must be a whole number ${min}..${max}${unit}` });
      return z.NEVER;
    }
    return n;
  });
}

function optional<T extends z.ZodType>(schema: T) {
  const direct = checks.get(schema) as Check<z.output<T>> | undefined;
  return z.unknown().optional().transform((v, ctx): z.output<T> | null => {
    if (blank(v)) return null;
    if (direct) return direct(v, ctx);
    const r = schema.safeParse(v);
    if (!r.success) {
      for (const i of r.error.issues) ctx.addIssue({ code: "custom", message: i.message });
      return z.NEVER;
    }
    return r.data;
  });
}

function oneOf<const T extends readonly string[]>(field: string, values: T) {
  return checked((v, ctx): T[number] => {
    const t = typeof v === "string" ? v.trim() : v;
    if (typeof t !== "string" || !values.includes(t)) {
      ctx.addIssue({ code: "custom", message: `${field} must be one of ${values.join(", ")}` });
      return z.NEVER;
    }
    return t as T[number];
  });
}

const boolField = (field: string) =>
  z.unknown().optional().transform((v, ctx): boolean => {
    if (blank(v) || v === false || v === "false" || v === "off") return false;
    if (v === true || v === "true" || v === "on") return true;
    ctx.addIssue({ code: "custom", message: `${field} must be true or false` });
    return z.NEVER;
  });

const addressField = (field: string) =>
  checked((v, ctx) => {
    const t = typeof v === "string" ? v.trim().replace(/^\[(.*)\]$/, "$1") : null;
    const a = t ? canonicalAddress(t) : null;
    if (!a) {
      ctx.addIssue({ code: "custom", message: `${field} must be a valid IPv4 (a.b.c.d) or IPv6 address` });
      return z.NEVER;
    }
    return a;
  });

/** A real server as entered. `port` may be left out: it defaults to the service port (0 under fwmark). */
export const destinationInputSchema = z
  .object({
    address: addressField("real server address"),
    port: optional(intField("real server port", 0, 65535)),
    forward: z.unknown().optional().transform((v, ctx): Forward => {
      if (blank(v)) return "route";
      if (typeof v === "string" && (FORWARDS as readonly string[]).includes(v.trim())) return v.trim() as Forward;
      ctx.addIssue({ code: "custom", message: `forward (forwarding method) must be one of ${FORWARDS.join(", ")}` });
      return z.NEVER;
    }),
    weight: optional(intField("weight", 0, MAX_WEIGHT)),
    upperThreshold: optional(intField("upperThreshold (-x, max connections)", 0, MAX_THRESHOLD)),
    lowerThreshold: optional(intField("lowerThreshold (-y)", 0, MAX_THRESHOLD)),
    tunnelType: optional(oneOf("tunnelType", TUNNEL_TYPES)),
    tunnelPort: optional(intField("tunnelPort", 1, 65535)),
    tunnelCsum: optional(oneOf("tunnelCsum", TUNNEL_CSUMS)),
  })
  .superRefine((d, ctx) => {
    if (isIPv4Mapped(d.address.address))
      ctx.addIssue({ code: "custom", path: ["address"], message: `real server address ${IPV4_MAPPED_RULE}` });
    if ((d.lowerThreshold ?? 0) > (d.upperThreshold ?? 0))
      ctx.addIssue({ code: "custom", path: ["lowerThreshold"], message: "lowerThreshold must not exceed upperThreshold (an upper threshold of 0 means no limit, so a lower one needs an upper one)" });
    const tunnel = d.forward === "tunnel";
    if (!tunnel && (d.tunnelType !== null || d.tunnelPort !== null || d.tunnelCsum !== null))
      ctx.addIssue({ code: "custom", path: ["tunnelType"], message: "tunnelType, tunnelPort and tunnelCsum only apply when forward is tunnel" });
    if (tunnel) {
      const type = d.tunnelType ?? "ipip";
      if (type === "gue" && d.tunnelPort === null) ctx.addIssue({ code: "custom", path: ["tunnelPort"], message: "tunnelPort is required for a gue tunnel (1..65535)" });
      if (type !== "gue" && d.tunnelPort !== null) ctx.addIssue({ code: "custom", path: ["tunnelPort"], message: "tunnelPort only applies to gue tunnels" });
      if (type === "ipip" && d.tunnelCsum !== null) ctx.addIssue({ code: "custom", path: ["tunnelCsum"], message: "tunnelCsum only applies to gue and gre tunnels" });
      if (type === "gre" && d.tunnelCsum === "remcsum") ctx.addIssue({ code: "custom", path: ["tunnelCsum"], message: "tunnelCsum remcsum only applies to gue tunnels" });
    }
  });

export type DestinationInput = z.input<typeof destinationInputSchema>;

/** A virtual service as entered, with its real servers. */
export const serviceInputSchema = z
  .object({
    protocol: oneOf("protocol", PROTOCOLS),
    family: optional(oneOf("family", ["inet", "inet6"] as const)),
    address: optional(addressField("service address")),
    port: optional(intField("service port", 0, 65535)),
    fwmark: optional(intField("fwmark", 1, MAX_FORM_FWMARK)),
    scheduler: optional(oneOf("scheduler", SCHEDULERS)),
    persistent: z.unknown().optional().transform((v, ctx): number | null => {
      if (blank(v) || v === false) return null;
      if (v === true) return DEFAULT_TIMEOUT;
      const r = intField("persistent (timeout in seconds)", 1, MAX_TIMEOUT).safeParse(v);
      if (!r.success) { ctx.addIssue({ code: "custom", message: r.error.issues[0]?.message ?? "persistent is invalid" }); return z.NEVER; }
      return r.data;
    }),
    netmask: optional(z.union([z.string(), z.number()]).transform((v) => String(v).trim())),
    ops: boolField("ops (one-packet scheduling)"),
    pe: optional(oneOf("pe (persistence engine)", PERSISTENCE_ENGINES)),
    flags: z.unknown().optional().transform((v, ctx): string[] => {
      if (blank(v)) return [];
      if (typeof v === "string") return v.split(",").map((x) => x.trim()).filter(Boolean);
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.map((x) => x.trim()).filter(Boolean);
      ctx.addIssue({ code: "custom", message: "flags must be a list of scheduler flag names" });
      return z.NEVER;
    }),
    destinations: z.array(destinationInputSchema, { error: "destinations must be a list of real servers" }).optional(),
  })
  .transform((s, ctx): Service => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    let family: Family;
    if (s.protocol === "fwmark") {
      if (s.fwmark === null) issue(["fwmark"], "fwmark is required for a fwmark service (1..2147483647)");
      if (s.address !== null) issue(["address"], "address must be empty for a fwmark service");
      if (s.port !== null) issue(["port"], "port must be empty for a fwmark service");
      family = s.family ?? "inet";
    } else {
      if (s.fwmark !== null) issue(["fwmark"], `fwmark only applies when protocol is fwmark`);
      if (s.address === null) issue(["address"], "service address is required (IPv4 or IPv6)");
      else if (isIPv4Mapped(s.address.address)) issue(["address"], `service address ${IPV4_MAPPED_RULE}`);
      if (s.port === null) issue(["port"], "service port is required (0..65535; 0 only with persistence)");
      family = s.address?.family ?? s.family ?? "inet";
      if (s.family !== null && s.address !== null && s.family !== s.address.family)
        issue(["family"], `family ${s.family} does not match the service address (${s.address.family})`);
      if (s.port === 0 && s.persistent === null) issue(["port"], "service port 0 (all ports) is only allowed for a persistent service");
    }
    const scheduler = s.scheduler ?? DEFAULT_SCHEDULER;
    let netmask: string | null = null;
    if (s.persistent !== null) {
      netmask = family === "inet6" ? "128" : "255.255.255.255";
      if (s.netmask !== null) {
        const m = s.netmask.replace(/^\//, "");
        if (family === "inet6") {
          if (!/^\d+$/.test(m) || Number(m) < 1 || Number(m) > 128) issue(["netmask"], "netmask must be an IPv6 prefix length 1..128");
          else netmask = String(Number(m));
        } else if (/^\d+$/.test(m)) {
          // ipvsadm would read "-M 24" as 0.0.0.24: we take a bare number as a prefix length
          if (Number(m) > 32) issue(["netmask"], "netmask must be a dotted IPv4 mask (255.255.255.0) or a prefix length 0..32");
          else netmask = ipv4PrefixMask(Number(m));
        } else if (ipv4MaskPrefix(m) === null) issue(["netmask"], "netmask must be a contiguous IPv4 mask such as 255.255.255.0 (or a prefix length 0..32)");
        else netmask = canonicalAddress(m)?.address ?? m;
      }
    } else if (s.netmask !== null) issue(["netmask"], "netmask only applies to a persistent service (set persistent)");
    if (s.ops && s.protocol !== "udp") issue(["ops"], "ops (one-packet scheduling) is only for UDP services");
    const flags = canonicalFlags(scheduler, s.flags);
    if (typeof flags === "string") issue(["flags"], `flags: ${flags}`);
    else if ((scheduler === "sh" || scheduler === "mh") && flags.includes("flag-3") && flags.length > 1)
      issue(["flags"], `flags: flag-3 cannot be combined with ${scheduler}-fallback/${scheduler}-port (ipvsadm would not show it)`);

    const sid = { protocol: s.protocol, family, address: s.address?.address ?? null, port: s.port, fwmark: s.fwmark };
    const seen = new Map<string, number>();
    const destinations: Destination[] = (s.destinations ?? []).map((d, i) => {
      const df = d.address.family;
      if (d.forward !== "tunnel" && df !== family)
        issue(["destinations", i, "address"], `real server address must be ${family === "inet" ? "IPv4" : "IPv6"} like the service (a different family is only allowed when forward is tunnel)`);
      const port = d.port ?? (s.protocol === "fwmark" ? 0 : (s.port ?? 0));
      const dest: Destination = {
        address: d.address.address, port, forward: d.forward, weight: d.weight ?? 1,
        upperThreshold: d.upperThreshold ?? 0, lowerThreshold: d.lowerThreshold ?? 0,
        tunnelType: d.tunnelType, tunnelPort: d.tunnelPort, tunnelCsum: d.tunnelCsum,
      };
      return dest;
    });
    const out: Service = {
      ...sid, scheduler, persistent: s.persistent, netmask, ops: s.ops, pe: s.pe,
      flags: typeof flags === "string" ? [] : flags, destinations,
    };
    // duplicates are judged after ipvsadm's own port rule (two DR ports collapse into one)
    normalizeService(out).service.destinations.forEach((d, i) => {
      const k = destKey(d);
      const j = seen.get(k);
      if (j !== undefined) issue(["destinations", i, "address"], `real server ${k} is listed twice (also at destinations.${j})`);
      else seen.set(k, i);
    });
    return out;
  });

export type ServiceInput = z.input<typeof serviceInputSchema>;

/** A whole desired table (the `lvs plan --desired` file): { services: [...] }, keys unique. */
export const tableInputSchema = z
  .object({ services: z.array(serviceInputSchema, { error: "services must be a list of virtual services" }) }, { error: "the table must be an object with a services list" })
  .transform((t, ctx): Table => {
    const seen = new Map<string, number>();
    t.services.forEach((s, i) => {
      const k = serviceKey(s);
      const j = seen.get(k);
      if (j !== undefined) ctx.addIssue({ code: "custom", path: ["services", i], message: `service ${k} is listed twice (also at services.${j})` });
      else seen.set(k, i);
    });
    return { services: t.services };
  });

export interface FieldError {
  /** dotted path, e.g. "destinations.0.weight" ("" for the whole input) */
  path: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T; notices: Notice[] } | { ok: false; errors: FieldError[] };

function errorsOf(e: z.ZodError): FieldError[] {
  return e.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

/** Validates one service and applies the DR/TUN port rule; notices say what was changed and why. */
export function validateService(input: unknown): Validated<Service> {
  const r = serviceInputSchema.safeParse(input);
  if (!r.success) return { ok: false, errors: errorsOf(r.error) };
  const n = normalizeService(r.data);
  return { ok: true, value: n.service, notices: n.notices };
}

/** Validates a table; notices carry "services.N." prefixes. */
export function validateTable(input: unknown): Validated<Table> {
  const r = tableInputSchema.safeParse(input);
  if (!r.success) return { ok: false, errors: errorsOf(r.error) };
  const notices: Notice[] = [];
  const services = r.data.services.map((s, i) => {
    const n = normalizeService(s);
    notices.push(...n.notices.map((x) => ({ path: `services.${i}.${x.path}`, message: x.message })));
    return n.service;
  });
  return { ok: true, value: { services }, notices };
}

