// The document's `ha` section → keepalived's VRRP part of an exported keepalived.conf: global_defs'
// lvs_sync_daemon and ONE vrrp_instance. A keepalived.conf is one director's: it carries the first
// director's priority (a comment lists each one's); the document has no password and no director
// addresses, so there is no authentication and unicast is a comment (both noted, never dropped).
import type { ClusterDocument } from "@/lib/declarative";
import { DEFAULT_VRRP_PRIORITY, VRRP_INSTANCE } from "@/lib/ha/model";
import type { ExportNote } from "./render";

type Note = (kind: ExportNote["kind"], path: string, message: string) => void;

/** The lines before the services (global_defs) and after them (the vrrp_instance); none without HA on. */
export function renderHa(doc: ClusterDocument, note: Note): { head: string[]; tail: string[] } {
  const ha = doc.ha;
  if (!ha) return { head: [], tail: [] };
  if (!ha.enabled) { note("noted", "ha.enabled", "director HA is off: no vrrp_instance (the HA settings are not carried)"); return { head: [], tail: [] }; }
  const vips = [...new Set(doc.services.flatMap((s) => (s.protocol === "fwmark" || !s.address ? [] : [s.address])))];
  if (!vips.length) { note("refused", "ha", "director HA without a VIP: no virtual service has an address (fwmark services carry none) for keepalived to move"); return { head: [], tail: [] }; }
  const v4 = vips.filter((v) => !v.includes(":")), v6 = vips.filter((v) => v.includes(":"));
  // one family in virtual_ipaddress (the adverts'), IPv4 first; the other family moves with it, excluded from the adverts
  const [main, other] = v4.length ? [v4, v6] : [v6, v4];
  const addr = (v: string) => `        ${v}/${v.includes(":") ? 128 : 32} dev ${ha.interface}`;
  const first = ha.directors[0];
  const priorities = ha.directors.length ? ha.directors.map((d) => `${d.name} ${d.priority}`).join(", ") : `none listed (each keeps its own; ${DEFAULT_VRRP_PRIORITY} until set)`;
  if (ha.directors.length > 1) note("noted", "ha.directors", `one director's keepalived.conf: priority ${first!.priority} (${first!.name}'s); set each director's on its own`);
  note("noted", "ha", "no authentication: the VRRP password is not in the document (a secret: set it in the HA settings)");
  if (!ha.preempt && ha.preemptDelay) note("noted", "ha.preemptDelay", "not carried: keepalived refuses preempt_delay with nopreempt");
  if (ha.unicast) note("noted", "ha.unicast", "written as a comment: the document has no director addresses for unicast_src_ip and unicast_peer (keepalived then speaks multicast)");
  const head = ha.syncDaemon ? ["global_defs {", `    lvs_sync_daemon ${ha.interface} ${VRRP_INSTANCE}`, "}", ""] : [];
  const tail = [
    `# director HA: each director's priority: ${priorities}`,
    "# no authentication: the VRRP password is not in the document (set it in the panel's HA settings)",
    `vrrp_instance ${VRRP_INSTANCE} {`,
    "    state BACKUP",
    `    interface ${ha.interface}`,
    `    virtual_router_id ${ha.virtualRouterId}`,
    `    priority ${first?.priority ?? DEFAULT_VRRP_PRIORITY}`,
    `    advert_int ${ha.advertInt}`,
    ...(!ha.preempt ? ["    nopreempt"] : ha.preemptDelay > 0 ? [`    preempt_delay ${ha.preemptDelay}`] : []),
    ...(ha.unicast ? ["    # unicast VRRP: on each director add unicast_src_ip ITS_ADDRESS and unicast_peer { THE_OTHER_DIRECTORS }"] : []),
    "    virtual_ipaddress {", ...main.map(addr), "    }",
    ...(other.length ? ["    virtual_ipaddress_excluded {", ...other.map(addr), "    }"] : []),
    "}",
  ];
  return { head, tail };
}

/**
 * What import(export(doc)).ha is: the document's `ha` less what a keepalived.conf cannot carry back: the
 * directors' priorities (one director's file), unicast (no director addresses: multicast), a preempt
 * delay under nopreempt (keepalived refuses the two together).
 */
export function haAfterExport(ha: NonNullable<ClusterDocument["ha"]>): NonNullable<ClusterDocument["ha"]> {
  return { ...ha, directors: [], unicast: false, preemptDelay: ha.preempt ? ha.preemptDelay : 0 };
}
