// Director HA, the pure part: the settings, what a director reports, and the judgements made from
// the readings (split brain, staleness, the expected failover time). No I/O: lib/director/ha.ts reads
// and writes the directors, lib/data/ha.ts the rows.

/** VRRP state as keepalived reports it; STOPPED: keepalived is not running on the director. */
export type VrrpState = "MASTER" | "BACKUP" | "FAULT" | "STOPPED";

/** A cluster's HA settings (Cluster.haEnabled, vrrp*, syncDaemon). */
export interface HaSettings {
  enabled: boolean;
  routerId: number;
  iface: string;
  advertInt: number;
  preempt: boolean;
  /** seconds a returning higher-priority director waits before it takes the VIPs back */
  preemptDelay: number;
  unicast: boolean;
  authPass: string | null;
  syncDaemon: boolean;
}

/** A new cluster's settings (prisma's column defaults): a document without an `ha` section means these. */
export const HA_DEFAULTS = {
  enabled: false, routerId: 51, iface: "eth0", advertInt: 1, preempt: true, preemptDelay: 30, unicast: true, syncDaemon: true,
} as const satisfies Omit<HaSettings, "authPass">;
/** A director's VRRP priority until one is set (Host.vrrpPriority's default). */
export const DEFAULT_VRRP_PRIORITY = 100;
/** keepalived's interface names (IFNAMSIZ: at most 15 characters). */
export const VRRP_INTERFACE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/** Why settings cannot be saved for these directors: the HA form, the API and the cluster document share it. */
export interface HaRefusal { field: "enabled" | "unicast"; message: string; summary: string }

export function haRefusals(s: { enabled: boolean; unicast: boolean }, clusterName: string, directors: ReadonlyArray<{ address: string }>): HaRefusal[] {
  if (!s.enabled) return [];
  if (directors.length < 2) {
    return [{ field: "enabled", message: "needs at least two directors",
      summary: `Director HA needs two directors; ${clusterName} has ${directors.length}. Add the second director on the Hosts page first.` }];
  }
  if (s.unicast && directors.some((d) => !/^\d+\.\d+\.\d+\.\d+$/.test(d.address))) {
    return [{ field: "unicast", message: "needs IPv4 director addresses",
      summary: "Unicast VRRP needs each director's address as an IPv4 address (a name cannot be a unicast peer)." }];
  }
  return [];
}

export interface HaDirector {
  id: string;
  name: string;
  address: string;
  priority: number;
}

/** What keepalived's configuration on one director is made of. */
export interface HaConfigInput {
  settings: HaSettings;
  self: HaDirector;
  peers: HaDirector[];
  /** the cluster's VIPs, IPv4 and IPv6 */
  vips: string[];
}

/** One director's HA reading (lib/director/ha.ts readHa). */
export interface DirectorHaReading {
  keepalived: "running" | "stopped" | "missing";
  vrrpState: VrrpState | null;
  /** the cluster's VIPs its interfaces hold now (`ip -j addr`) */
  vipsHeld: string[];
  /** `ipvsadm -L --daemon`: "master", "backup", "master,backup" or "" */
  syncDaemon: string;
  /** connections in its IPVS table (after a failover: what the sync brought over) */
  syncedConns: number | null;
  /** its track file says 1: keepalived keeps it out of MASTER */
  behind: boolean;
  /** HA_UNCONVERGED_FILE says 1 (a reboot, or keepalived's first start, since the panel last converged it): priority 1 */
  unconverged?: boolean;
  /** keepalived's effective priority (the configured one, or 1 while unconverged); null when not read */
  effectivePriority?: number | null;
}

/** A stored reading with when it was taken (DirectorState). */
export interface DirectorHaRow {
  hostId: string;
  name: string;
  reading: DirectorHaReading | null;
  error: string | null;
  readAt: Date | null;
}

/** The runtime files the panel keeps on a director (tmpfs: a reboot starts "not behind" is wrong, see lib/director/ha.ts). */
export const HA_RUN_DIR = "/run/lvs-panel";
export const HA_TRACK_FILE = `${HA_RUN_DIR}/behind`;
/** Set to 1 by keepalived itself when it starts without it (after a reboot: /run is tmpfs); the panel writes 0 once converged. */
export const HA_UNCONVERGED_FILE = `${HA_RUN_DIR}/unconverged`;
/** systemd-tmpfiles creates HA_RUN_DIR at boot: keepalived drops a track file whose directory is missing (and ignores it). */
export const HA_TMPFILES = "/etc/tmpfiles.d/lvs-panel.conf";
/** keepalived's JSON dump (SIGRTMIN+2, `keepalived --signum=JSON`), where the panel reads the VRRP state from. */
export const KEEPALIVED_JSON = "/tmp/keepalived.json";
export const KEEPALIVED_CONF = "/etc/keepalived/keepalived.conf";

/** keepalived's vrrp_instance name for a cluster: one per cluster on its directors. */
export const VRRP_INSTANCE = "lvs_panel";

/**
 * When a backup declares the master dead (keepalived.conf(5)): 3 × advert_int + skew, the skew
 * (256 − priority) / 256 × advert_int of RFC 3768/5798. In milliseconds.
 */
export function expectedFailoverMs(advertInt: number, backupPriority: number): number {
  return Math.round((3 * advertInt + ((256 - backupPriority) / 256) * advertInt) * 1000);
}

/** How often the worker reads each HA director (HA_POLL_MS, default 2 s: split brain shows within one poll). */
export const HA_POLL_MS = Number(process.env.HA_POLL_MS ?? 2000);

/** A reading older than two polls says nothing about now (shown as unknown, never as a stale MASTER). */
export function isStale(readAt: Date | null, pollMs: number, now = Date.now()): boolean {
  return !readAt || now - readAt.getTime() > 2 * pollMs;
}

export interface SplitBrain {
  /** VIPs held by more than one director, with the holders */
  vips: Array<{ vip: string; holders: string[] }>;
  /** more than one director says MASTER */
  masters: string[];
}

/** Split brain among fresh readings: two holders of one VIP, or two MASTERs. null: none. */
export function splitBrain(rows: readonly DirectorHaRow[], pollMs: number, now = Date.now()): SplitBrain | null {
  const fresh = rows.filter((r) => r.reading && !isStale(r.readAt, pollMs, now));
  const holders = new Map<string, string[]>();
  for (const r of fresh) for (const v of r.reading!.vipsHeld) holders.set(v, [...(holders.get(v) ?? []), r.name]);
  const vips = [...holders].filter(([, h]) => h.length > 1).map(([vip, h]) => ({ vip, holders: h.sort() }));
  const masters = fresh.filter((r) => r.reading!.vrrpState === "MASTER").map((r) => r.name).sort();
  if (!vips.length && masters.length < 2) return null;
  return { vips, masters: masters.length > 1 ? masters : [] };
}

/** The VRRP state to show: unknown ("?") when the reading is stale or missing. */
export function shownState(r: DirectorHaRow, pollMs: number, now = Date.now()): VrrpState | "unknown" {
  if (!r.reading || isStale(r.readAt, pollMs, now)) return "unknown";
  return r.reading.vrrpState ?? "unknown";
}
