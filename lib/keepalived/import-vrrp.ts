// keepalived's VRRP part → the document's `ha` section. The panel runs ONE vrrp_instance per cluster and
// writes each director's keepalived.conf itself: a keepalived.conf is one director's, so its priority and
// state are noted (priorities are set per director), the password is noted (a secret, never in a document).
import { canonicalAddress } from "@/lib/ipvs/address";
import { VRRP_INTERFACE } from "@/lib/ha/model";
import type { DocumentInput } from "@/lib/declarative";
import type { Statement } from "./parse";
import { uint, type Items } from "./preview";

type HaInput = NonNullable<DocumentInput["ha"]>;

const NO_SCRIPTS = "the panel runs no scripts (its webhooks report health and failover events)";
const ONE_DIRECTOR = "a keepalived.conf is one director's: set each director's priority on the Hosts page (the panel starts every director as BACKUP)";
const TRACKED = "not imported: the panel keeps a director out of MASTER with its own track files (a director behind the desired state); this is not watched";
/** Top-level statements of keepalived's VRRP side other than vrrp_instance, and what becomes of them. */
export const VRRP_TOP: Record<string, "noted" | "refused"> = {
  vrrp_script: "noted", vrrp_track_process: "noted", vrrp_track_file: "noted", track_file: "noted", track_process: "noted", vrrp_sync_group: "refused",
};

export function vrrpTop(st: Statement, items: Items) {
  if (VRRP_TOP[st.keyword] === "refused") items.refused(st, `${st.keyword}: the panel runs one VRRP instance per cluster (no sync groups)`);
  else items.noted(st, `${st.keyword} ${st.args.join(" ")}: ${TRACKED}`);
}

/** `lvs_sync_daemon IFACE INSTANCE [id N] [maxlen N] [ttl N] [group ADDR]` in global_defs. */
export interface SyncDaemon { st: Statement; iface?: string; instance?: string }

/** global_defs: lvs_sync_daemon is read (the `ha` section's syncDaemon), the rest noted as before. */
export function globalDefs(st: Statement, items: Items): SyncDaemon | null {
  let sync: SyncDaemon | null = null;
  for (const c of st.block ?? []) if (c.keyword === "lvs_sync_daemon") sync = { st: c, iface: c.args[0], instance: c.args[1] };
  items.noted(st, "not imported: keepalived's daemon settings (router_id, notification e-mail…) are not part of a cluster");
  return sync;
}

/**
 * The vrrp_instance(s) → `ha`: the first is mapped, any other refused. `vips`: the services' VIPs (a
 * VIP without a virtual service is noted: the panel moves the services' VIPs, no others).
 */
export function vrrpSection(instances: Statement[], sync: SyncDaemon | null, vips: ReadonlySet<string>, items: Items): HaInput | undefined {
  const [first, ...more] = instances;
  for (const st of more) items.refused(st, `a second vrrp_instance (the first at ${first!.file === st.file ? "" : `${first!.file}:`}line ${first!.line}): the panel runs one per cluster`);
  if (!first) {
    if (sync) items.noted(sync.st, "not imported: lvs_sync_daemon without a vrrp_instance (the panel syncs connections with director HA only)");
    return undefined;
  }
  const name = first.args[0] ?? "";
  const ha: HaInput = { enabled: true, advertInt: 1, preempt: true, preemptDelay: 0, unicast: false, syncDaemon: false, directors: [] };
  let iface: Statement | undefined, routerId = false, delaySt: Statement | undefined;
  for (const st of first.block ?? []) {
    switch (st.keyword) {
      case "interface":
        if (st.args[0] && VRRP_INTERFACE.test(st.args[0])) { ha.interface = st.args[0]; iface = st; items.mapped(st, `ha.interface ${st.args[0]}`); }
        else items.refused(st, `interface ${st.args[0] ?? ""}: an interface name such as eth0 expected`);
        break;
      case "virtual_router_id": {
        const n = uint(st, items, st.args[0], "virtual_router_id");
        if (n !== undefined && (n < 1 || n > 255)) items.refused(st, `virtual_router_id ${n}: must be 1-255`);
        else if (n !== undefined) { ha.virtualRouterId = n; routerId = true; items.mapped(st, `ha.virtualRouterId ${n}`); }
        break;
      }
      case "advert_int": {
        const t = st.args[0] ?? "";
        if (/^\d+(\.\d+)?$/.test(t) && !Number.isInteger(Number(t)))
          items.refused(st, `advert_int ${t}: the panel's keepalived uses whole seconds (a fractional one needs VRRPv3, which has no authentication)`);
        else {
          const n = uint(st, items, st.args[0], "advert_int");
          if (n !== undefined && (n < 1 || n > 255)) items.refused(st, `advert_int ${n}: must be 1-255 seconds`);
          else if (n !== undefined) { ha.advertInt = n; items.mapped(st, `ha.advertInt ${n}`); }
        }
        break;
      }
      case "nopreempt": ha.preempt = false; items.mapped(st, "ha.preempt false"); break;
      case "preempt": items.mapped(st, "ha.preempt true"); break;
      case "preempt_delay": {
        const n = uint(st, items, st.args[0], "preempt_delay");
        if (n !== undefined && n > 1000) items.refused(st, `preempt_delay ${n}: must be 0-1000 seconds`);
        else if (n !== undefined) { ha.preemptDelay = n; delaySt = st; items.mapped(st, `ha.preemptDelay ${n}`); }
        break;
      }
      case "unicast_peer": case "unicast_src_ip":
        ha.unicast = true;
        items.mapped(st, `ha.unicast true (the panel writes each director's own ${st.keyword === "unicast_peer" ? "peers: the other directors' addresses" : "address"})`);
        for (const c of st.block ?? []) items.noted(c, "not imported: the panel takes the peers from its directors' addresses");
        break;
      case "authentication":
        items.noted(st, "not imported: a secret; set it in the HA settings");
        for (const c of st.block ?? []) items.noted(c, "not imported: a secret; set it in the HA settings");
        break;
      case "state": case "priority": items.noted(st, `${st.keyword} ${st.args.join(" ")}: ${ONE_DIRECTOR}`); break;
      case "virtual_ipaddress": case "virtual_ipaddress_excluded": addresses(st, vips, items); break;
      case "track_script": case "track_interface": case "track_file": case "track_process": case "track_bfd": case "dont_track_primary":
        items.noted(st, `${st.keyword}: ${TRACKED}`);
        for (const c of st.block ?? []) items.noted(c, `${st.keyword} ${c.keyword}: not watched`);
        break;
      case "garp_master_delay": case "garp_master_refresh": case "garp_master_repeat": case "garp_lower_prio_repeat": case "smtp_alert":
        items.noted(st, `${st.keyword}: not carried: the panel's keepalived uses its defaults`);
        break;
      default:
        if (st.keyword.startsWith("notify")) items.refused(st, `${st.keyword}: ${NO_SCRIPTS}`);
        else items.refused(st, `vrrp_instance ${st.keyword}: no equivalent in the panel`);
    }
  }
  if (!ha.preempt && delaySt) items.noted(delaySt, "with nopreempt keepalived ignores preempt_delay (kept for when preempt is turned on)");
  if (!iface) items.refused(first, `vrrp_instance ${name} has no interface: the panel needs the one VRRP speaks on`);
  if (!routerId) items.refused(first, `vrrp_instance ${name} has no virtual_router_id`);
  if (iface && routerId) items.mapped(first, `vrrp_instance ${name} → ha (director HA on; the panel names its instance lvs_panel)`);
  if (sync) {
    ha.syncDaemon = true;
    const other = [sync.iface && sync.iface !== ha.interface ? `interface ${sync.iface} (the panel syncs on the VRRP interface ${ha.interface})` : "",
      sync.instance && sync.instance !== name ? `instance ${sync.instance} (not ${name})` : ""].filter(Boolean);
    if (other.length) items.noted(sync.st, `ha.syncDaemon true; ${other.join(", ")}`);
    else items.mapped(sync.st, "ha.syncDaemon true");
  }
  return ha;
}

function addresses(st: Statement, vips: ReadonlySet<string>, items: Items) {
  const missing: string[] = [];
  for (const a of st.block ?? []) {
    const text = a.keyword.replace(/\/\d+$/, "");
    const c = canonicalAddress(text);
    if (!c) { items.refused(a, `${a.keyword}: an address expected`); continue; }
    if (vips.has(c.address)) items.mapped(a, `VIP ${c.address} (a virtual service's address)`);
    else { missing.push(c.address); items.noted(a, `VIP ${c.address} has no virtual service here: not moved (the panel moves the services' VIPs)`); }
  }
  items.mapped(st, `${st.keyword}: the panel moves every VIP of the cluster's virtual services${missing.length ? ` (not ${missing.join(", ")})` : ""}`);
}
