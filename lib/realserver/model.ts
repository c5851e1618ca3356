import { z } from "zod";
import { FORWARDING_METHODS } from "@/lib/ipvs/model";

// Every value that reaches a real server's shell passes one of these first. Anything else is refused
// before a command is built, let alone sent.

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const ipv4Schema = z.string().max(15, "must be an IPv4 address").regex(IPV4, "must be an IPv4 address (a.b.c.d)");

/** A VIP a real server can own on lo: unicast, not loopback, not 0.0.0.0. */
export const vipSchema = ipv4Schema.refine((v) => {
  const first = Number(v.split(".")[0]);
  return v !== "0.0.0.0" && first !== 127 && first < 224;
}, "must be a unicast IPv4 address outside 127.0.0.0/8");

/** Linux interface names: at most 15 bytes, no '/', whitespace or shell metacharacters. */
export const ifaceSchema = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/, "must be an interface name (letters, digits, '_', '.', '-'; at most 15)");

export const rsModeSchema = z.enum(FORWARDING_METHODS);
export type RealServerMode = z.infer<typeof rsModeSchema>;

export const rsParamsSchema = z
  .object({
    /** The VIPs this real server serves (DR: bound on lo; TUN: on tunl0; NAT: none). */
    vips: z.array(vipSchema).min(1, "at least one VIP").max(64, "at most 64 VIPs"),
    mode: rsModeSchema.default("route"),
    /** The interface that faces the clients / director (its arp sysctls are set too). */
    iface: ifaceSchema.optional(),
    /** The service port, to check that something listens on it. */
    port: z.number().int().min(1).max(65535).optional(),
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
    /** The director's address on the real servers' network (NAT: must be the gateway; DR: must not). */
    director: ipv4Schema.optional(),
  })
  .strict();
export type RealServerParams = z.infer<typeof rsParamsSchema>;
export type RealServerParamsInput = z.input<typeof rsParamsSchema>;

export class InvalidParams extends Error {
  constructor(readonly issues: string[]) {
    super(`refused before any command: ${issues.join("; ")}`);
    this.name = "InvalidParams";
  }
}

/** Validates, or throws InvalidParams listing every field that is wrong. */
export function parseRsParams(input: unknown): RealServerParams {
  const r = rsParamsSchema.safeParse(input);
  if (!r.success) throw new InvalidParams(r.error.issues.map((i) => `${i.path.join(".") || "params"}: ${i.message}`));
  return r.data;
}

// Names of the panel's own files on a real server.
export const RS_SYSCTL_FILE = "/etc/sysctl.d/90-lvs-panel.conf";
export const RS_UNIT_NAME = "lvs-panel-vip.service";
export const RS_UNIT_FILE = `/etc/systemd/system/${RS_UNIT_NAME}`;
export const RS_LABEL = "lo:1";
