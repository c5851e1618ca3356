// The directors' HA state as `lvs status` and `lvs ha` print it (GET /clusters/{c}/directors). Pure.

export interface DirectorsJson {
  haEnabled: boolean;
  advertInt: number;
  directors: Array<{ name: string; address: string; priority: number; state: string; vipsHeld: string[]; syncDaemon: string; syncedConns: number | null;
    behind: boolean; error: string | null; stale: boolean }>;
  splitBrain: { vips: Array<{ vip: string; holders: string[] }>; masters: string[] } | null;
  failover: { backup: string; priority: number; expectedMs: number } | null;
}

function pad(s: string, n: number) {
  return s.length >= n ? `${s} ` : s + " ".repeat(n - s.length);
}

export function renderDirectors(v: DirectorsJson): string {
  const out: string[] = [];
  const head = v.haEnabled
    ? `Directors (HA on, advert_int ${v.advertInt} s; ${v.failover ? `expected failover ${(v.failover.expectedMs / 1000).toFixed(1)} s to ${v.failover.backup}` : "no backup can take over"})`
    : `Directors (HA off: the panel uses ${v.directors[0]?.name ?? "the first director"} only)`;
  out.push(head);
  if (v.splitBrain) {
    const what = [...v.splitBrain.vips.map((x) => `${x.vip} held by ${x.holders.join(" and ")}`), ...(v.splitBrain.masters.length ? [`MASTER on ${v.splitBrain.masters.join(" and ")}`] : [])];
    out.push(`SPLIT BRAIN: ${what.join("; ")}`);
  }
  out.push(`${pad("DIRECTOR", 16)}${pad("PRIORITY", 9)}${pad("STATE", 9)}${pad("VIPS HELD", 24)}${pad("SYNC", 14)}${pad("CONNS", 6)}NOTE`);
  for (const d of v.directors) {
    const note = [d.behind ? "behind (held out of MASTER)" : "", d.error ? `read error: ${d.error}` : "", d.stale && v.haEnabled && !d.error ? "no recent reading" : ""].filter(Boolean).join("; ");
    out.push(`${pad(d.name, 16)}${pad(String(d.priority), 9)}${pad(d.state, 9)}${pad(d.vipsHeld.join(",") || "-", 24)}${pad(d.syncDaemon || "-", 14)}${pad(d.syncedConns === null ? "-" : String(d.syncedConns), 6)}${note}`.trimEnd());
  }
  return out.join("\n") + "\n";
}
