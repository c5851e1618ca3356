// The ARP panel's sysctl cells (components/live/live-table.tsx), judged without React.
//
// The kernel applies max(conf/all/X, conf/<iface>/X) for arp_ignore and arp_announce
// (IN_DEV_MAXCONF), so an interface's own 0 is fine when `all` carries the value. Each cell is
// judged by that effective value with the DR verdict's own functions (lib/realserver/probe.ts:
// effective, arpValueOk: arp_ignore 1 or 2, arp_announce 2); a value that was not read counts as 0.
import { arpValueOk, effective } from "@/lib/realserver/probe";

export type ArpKey = "arp_ignore" | "arp_announce";
export type ArpConf = Record<string, Partial<Record<ArpKey, number>> | undefined>;

/** ok: meets the requirement (own value, or through `all`); bad: the effective value is too low;
 *  note: not a problem for the VIP-facing interface but worth a look; info: shown for reference. */
export type CellTone = "ok" | "bad" | "note" | "info";

export interface ArpCell {
  /** `all.arp_ignore`, `eth0.arp_announce`, ... (the cell's data-sysctl) */
  label: string;
  /** what the cell shows: `label=value`, `?` when not read */
  text: string;
  tone: CellTone;
  /** true when the cell's own value is below the requirement but `all` carries it */
  viaAll: boolean;
  /** the judgement in words (the cell's tooltip) */
  title: string;
}

const NEEDS: Record<ArpKey, string> = { arp_ignore: "1", arp_announce: "2" };
const HARM: Record<ArpKey, string> = {
  arp_ignore: "this host answers ARP for the VIP",
  arp_announce: "ARP requests may carry the VIP as source",
};

const shown = (v: number | undefined) => (v === undefined ? "?" : String(v));
const valueWords = (name: string, v: number | undefined) => (v === undefined ? `${name} was not read (counts as 0)` : `${name} is ${v}`);

/** The problem in words when the effective value is too low (or too high: arp_ignore 3 and 8 are not DR settings). */
function problem(key: ArpKey, iface: string, all: number | undefined, dev: number | undefined, eff: number): string {
  const where = iface === "all" ? valueWords(`${key} on all`, all) : `${valueWords(`${key} on all`, all)} and ${valueWords(`on ${iface}`, dev)}`;
  const why = key === "arp_ignore" && eff > 2 ? `effective ${eff} is not a DR setting` : `effective ${eff}: ${HARM[key]}`;
  return `${where}, ${why} (needs ${NEEDS[key]})`;
}

/** Judge the interface cell `iface.key` by the effective value max(all, iface). */
export function judgeIfaceCell(conf: ArpConf, iface: string, key: ArpKey): ArpCell {
  const label = `${iface}.${key}`;
  const all = conf.all?.[key];
  const dev = conf[iface]?.[key];
  const eff = effective(conf, iface, key).value;
  const base = { label, text: `${label}=${shown(dev)}` };
  if (!arpValueOk(key, eff)) return { ...base, tone: "bad", viaAll: false, title: problem(key, iface, all, dev, eff) };
  if (dev !== undefined && arpValueOk(key, dev)) return { ...base, tone: "ok", viaAll: false, title: `effective ${eff} (${iface} ${dev}, all ${shown(all)})` };
  // the effective value is fine but the interface's own is not: all carries it
  return { ...base, tone: "ok", viaAll: true, title: `effective ${eff} via all (${iface} ${dev === undefined ? "not read" : `is ${dev}`}; the kernel uses max(all, ${iface}))` };
}

/** Judge `all.key`: fine on its own when it meets the requirement; when it does not but the
 *  VIP-facing interface carries the value, only a note (other interfaces still use all's value). */
export function judgeAllCell(conf: ArpConf, iface: string | null, key: ArpKey): ArpCell {
  const label = `all.${key}`;
  const all = conf.all?.[key];
  const base = { label, text: `${label}=${shown(all)}`, viaAll: false };
  if (all !== undefined && arpValueOk(key, all)) return { ...base, tone: "ok", title: `${key} ${all} applies to every interface (the kernel uses max(all, interface))` };
  const eff = iface && iface !== "all" ? effective(conf, iface, key).value : null;
  if (iface && eff !== null && arpValueOk(key, eff)) {
    return { ...base, tone: "note", title: `${valueWords(`${key} on all`, all)}: ${iface} carries effective ${eff}, so the VIP-facing interface is fine; other interfaces use all's value (needs ${NEEDS[key]} there too to be safe)` };
  }
  return { ...base, tone: "bad", title: problem(key, "all", all, undefined, all ?? 0) };
}

/** lo takes no part in ARP: its values are shown for reference, not judged. */
function loCell(conf: ArpConf, key: ArpKey): ArpCell {
  const label = `lo.${key}`;
  return { label, text: `${label}=${shown(conf.lo?.[key])}`, tone: "info", viaAll: false, title: "lo sends and answers no ARP: shown for reference, not judged" };
}

/** The panel's cells in display order: all, the VIP-facing interface, lo (each arp_ignore then arp_announce).
 *  A host not in use (it serves no VIP) is shown for reference only: none of its values is a problem. */
export function arpCells(conf: ArpConf, iface: string, inUse = true): ArpCell[] {
  const keys: ArpKey[] = ["arp_ignore", "arp_announce"];
  if (!inUse) {
    const ifaces = ["all", ...(iface !== "all" && iface !== "lo" ? [iface] : []), "lo"];
    return ifaces.flatMap((i) => keys.map((k) => ({ label: `${i}.${k}`, text: `${i}.${k}=${shown(conf[i]?.[k])}`, tone: "info" as const, viaAll: false,
      title: "not in use: this host serves no virtual service, so its ARP settings matter to no VIP (shown for reference)" })));
  }
  const cells = keys.map((k) => judgeAllCell(conf, iface, k));
  if (iface !== "all" && iface !== "lo") cells.push(...keys.map((k) => judgeIfaceCell(conf, iface, k)));
  cells.push(...keys.map((k) => loCell(conf, k)));
  return cells;
}
