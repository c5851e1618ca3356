// The document without the values its schema fills in anyway (defaults derived from the schema itself,
// never listed twice), for files kept in git: reading the compact form gives the same document.
import { haSchema, healthCheckSchema, realServerSchema, serviceSchema, type ClusterDocument } from "./schema";

const SERVICE = serviceSchema.parse({ protocol: "tcp" }) as Record<string, unknown>;
const REAL_SERVER = realServerSchema.parse({ address: "0.0.0.0" }) as Record<string, unknown>;
const CHECK = healthCheckSchema.parse({}) as Record<string, unknown>;
const HA = haSchema.parse({}) as Record<string, unknown>;

/** Equality of JSON values (what a document holds). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function without(o: Record<string, unknown>, defaults: Record<string, unknown>, keep: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (keep.includes(k) || !(k in defaults) || !jsonEqual(v, defaults[k])) out[k] = v;
  return out;
}

export function compactDocument(doc: ClusterDocument): Record<string, unknown> {
  return {
    ...doc,
    services: doc.services.map((s) => {
      const svcPort = s.protocol === "fwmark" ? 0 : s.port;
      const out = without(s as unknown as Record<string, unknown>, SERVICE, ["protocol"]);
      if (s.healthCheck) out.healthCheck = without(s.healthCheck as unknown as Record<string, unknown>, CHECK, []);
      out.realServers = s.realServers.map((r) => {
        const c = without(r as unknown as Record<string, unknown>, REAL_SERVER, ["address"]);
        if (r.port === svcPort) delete c.port;
        return c;
      });
      if (s.realServers.length === 0) delete out.realServers;
      return out;
    }),
    ...(doc.ha ? { ha: without(doc.ha as unknown as Record<string, unknown>, HA, ["enabled"]) } : {}),
  };
}
