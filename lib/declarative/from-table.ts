// A lib/ipvs table (what a director's kernel holds: `ipvsadm -S -n` + thresholds) as a cluster document,
// for "import what the kernel holds". Pure. Each service's forward is the one most of its real servers
// use; tunnel encapsulation options (gue/gre) have no place in the document and are reported.
import type { Table } from "@/lib/ipvs/model";
import { validateDocument, type DocumentResult } from "./validate";
import type { ClusterDocument, DocumentInput, DocumentService } from "./schema";

type Fwd = "route" | "masq" | "tunnel";

export function documentOfTable(table: Table, cluster?: { name?: string; description?: string }): { result: DocumentResult; notes: string[] } {
  const notes: string[] = [];
  const services = table.services.map((s) => {
    const count = new Map<Fwd, number>();
    for (const d of s.destinations) if (d.forward !== "local") count.set(d.forward, (count.get(d.forward) ?? 0) + 1);
    let forward: Fwd = "route";
    for (const [f, n] of count) if (n > (count.get(forward) ?? 0)) forward = f;
    const fw = s.protocol === "fwmark";
    return {
      protocol: s.protocol,
      ...(fw ? { family: s.family, fwmark: s.fwmark ?? undefined } : { address: s.address ?? undefined, port: s.port ?? undefined }),
      scheduler: s.scheduler, flags: s.flags, ops: s.ops, forward,
      persistence: s.persistent === null ? null : { timeout: s.persistent, ...(s.netmask ? { netmask: s.netmask } : {}), ...(s.pe ? { engine: s.pe } : {}) },
      realServers: s.destinations.filter((d) => {
        if (d.forward === "local") notes.push(`${d.address}:${d.port} is a local destination: left out`);
        else if (d.tunnelType && d.tunnelType !== "ipip") notes.push(`${d.address}:${d.port}: tunnel type ${d.tunnelType} is not kept (the panel uses ipip)`);
        return d.forward !== "local";
      }).map((d) => ({
        address: d.address, port: d.port, weight: d.weight, upperThreshold: d.upperThreshold, lowerThreshold: d.lowerThreshold,
        ...(d.forward !== forward ? { forward: d.forward as Fwd } : {}),
      })),
    };
  });
  const doc: DocumentInput = { version: 1, ...(cluster ? { cluster } : {}), services } as DocumentInput;
  return { result: validateDocument(doc), notes };
}

/**
 * The kernel's document with what only the panel knows kept from the current one, for the services
 * both have: the health check, the sorry server and the description (the kernel holds none of them),
 * and the service's forward when the kernel's service has no real server to tell it by.
 */
export function withPanelSettings(kernel: ClusterDocument, current: ClusterDocument): ClusterDocument {
  const key = (s: DocumentService) => (s.protocol === "fwmark" ? `fwm ${s.fwmark} ${s.family ?? "inet"}` : `${s.protocol} ${s.address} ${s.port}`);
  const now = new Map(current.services.map((s) => [key(s), s]));
  return {
    ...kernel,
    services: kernel.services.map((s) => {
      const c = now.get(key(s));
      if (!c) return s;
      return { ...s, healthCheck: c.healthCheck, sorryServer: c.sorryServer, description: c.description, ...(s.realServers.length ? {} : { forward: c.forward }) };
    }),
  };
}
