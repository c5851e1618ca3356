// The declarative document of a whole cluster (YAML or JSON): one zod schema, the source of its JSON
// Schema too. Structure and ranges here; the IPVS rules (families, netmasks, flags, DR ports,
// duplicates) are lib/ipvs's schema, run on each service by validate.ts. Vocabularies come from
// lib/ipvs/model and lib/health/config, never copied.
import { z } from "zod";
import {
  DEFAULT_SCHEDULER, FAMILIES, FORWARDING_METHODS, MAX_THRESHOLD, MAX_TIMEOUT, MAX_WEIGHT, PERSISTENCE_ENGINES, PROTOCOLS, SCHEDULERS, SCHED_FLAGS,
} from "@/lib/ipvs/model";
import { MAX_FORM_FWMARK } from "@/lib/ipvs/schema";
import { healthCheckInputSchema } from "@/lib/health/config";
import { DEFAULT_VRRP_PRIORITY, HA_DEFAULTS, VRRP_INTERFACE } from "@/lib/ha/model";

export const DOCUMENT_VERSION = 1;
/** Forwarding methods an operator configures (lib/ipvs's `local` is only ever listed by the kernel). */
export const DOCUMENT_FORWARDS = FORWARDING_METHODS;
export const REAL_SERVER_STATES = ["active", "draining", "disabled"] as const;

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const port = int(0, 65535);
const address = z.string().min(1).describe("IPv4 (a.b.c.d) or IPv6 address");

export const realServerSchema = z.strictObject({
  address,
  port: port.optional().describe("default: the service port (0 under fwmark); DR and TUN always use the service port"),
  weight: int(0, MAX_WEIGHT).default(1),
  upperThreshold: int(0, MAX_THRESHOLD).default(0).describe("-x: max connections, 0 = no limit"),
  lowerThreshold: int(0, MAX_THRESHOLD).default(0).describe("-y"),
  state: z.enum(REAL_SERVER_STATES).default("active").describe("draining: weight 0 in the kernel; disabled: left out"),
  forward: z.enum(DOCUMENT_FORWARDS).optional().describe("default: the service's forward"),
});

export const persistenceSchema = z.strictObject({
  timeout: int(1, MAX_TIMEOUT).describe("seconds"),
  netmask: z.union([z.string().min(1), z.number().int()]).optional().describe("255.255.255.0 or a prefix length (IPv6: 1..128)"),
  engine: z.enum(PERSISTENCE_ENGINES).optional(),
});

export const sorryServerSchema = z.strictObject({
  address,
  port: port.describe("the service port: DR; another port: NAT"),
});

/** lib/health's check (same names, ranges and defaults), strict so a typo is an error. */
export const healthCheckSchema = healthCheckInputSchema.strict();

export const serviceSchema = z.strictObject({
  protocol: z.enum(PROTOCOLS),
  family: z.enum(FAMILIES).optional().describe("fwmark services: inet (default) or inet6; others follow the address"),
  address: address.optional().describe("the VIP (not for fwmark)"),
  port: port.optional().describe("not for fwmark; 0 only with persistence"),
  fwmark: int(1, MAX_FORM_FWMARK).optional(),
  scheduler: z.enum(SCHEDULERS).default(DEFAULT_SCHEDULER),
  flags: z.array(z.enum(SCHED_FLAGS)).default([]),
  persistence: persistenceSchema.nullable().default(null),
  ops: z.boolean().default(false).describe("one-packet scheduling (UDP)"),
  forward: z.enum(DOCUMENT_FORWARDS).default("route"),
  sorryServer: sorryServerSchema.nullable().default(null),
  healthCheck: healthCheckSchema.nullable().default(null),
  description: z.string().max(500).default(""),
  realServers: z.array(realServerSchema).default([]),
});

export const haDirectorSchema = z.strictObject({
  name: z.string().min(1).max(100).describe("a director of the cluster, by its host name (Hosts page)"),
  priority: int(1, 254).default(DEFAULT_VRRP_PRIORITY).describe("VRRP priority 1-254: the highest ready director holds the VIPs"),
});

const D = HA_DEFAULTS;
export const haSchema = z.strictObject({
  enabled: z.boolean().default(D.enabled).describe("director HA on: keepalived moves the VIPs between the directors (needs two)"),
  interface: z.string().regex(VRRP_INTERFACE, "must be an interface name such as eth0 (at most 15 characters)").default(D.iface)
    .describe("the directors' interface VRRP speaks on and the VIPs go on"),
  virtualRouterId: int(1, 255).default(D.routerId).describe("keepalived's virtual_router_id, unique on the network segment"),
  advertInt: int(1, 255).default(D.advertInt).describe("seconds between adverts, whole (a fractional one needs VRRPv3, which has no authentication)"),
  preempt: z.boolean().default(D.preempt).describe("a returning higher-priority director takes the VIPs back (false: nopreempt)"),
  preemptDelay: int(0, 1000).default(D.preemptDelay).describe("seconds it waits first"),
  unicast: z.boolean().default(D.unicast).describe("adverts to the other directors' addresses (false: multicast)"),
  syncDaemon: z.boolean().default(D.syncDaemon).describe("IPVS connection sync: the new MASTER keeps the established connections"),
  directors: z.array(haDirectorSchema).default([]).describe("each director's priority; a director not listed keeps its own"),
}).describe("Director HA (keepalived VRRP). Absent: the HA settings stay as they are. The VRRP authentication password is not "
  + "in the document (a secret): set it in the cluster's HA settings.");

export const documentSchema = z.strictObject({
  version: z.literal(DOCUMENT_VERSION),
  cluster: z.strictObject({
    name: z.string().min(1).max(63).optional(),
    description: z.string().max(500).optional(),
  }).optional(),
  services: z.array(serviceSchema),
  ha: haSchema.optional(),
}).describe("LVS Panel cluster document");

export type ClusterDocument = z.output<typeof documentSchema>;
export type DocumentService = ClusterDocument["services"][number];
export type DocumentRealServer = DocumentService["realServers"][number];
export type DocumentHealthCheck = NonNullable<DocumentService["healthCheck"]>;
export type DocumentHa = NonNullable<ClusterDocument["ha"]>;
export type DocumentInput = z.input<typeof documentSchema>;
