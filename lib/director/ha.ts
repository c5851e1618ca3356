// Director HA over SSH: keepalived's VRRP configuration (lib/keepalived/vrrp.ts renders it), the two
// track files, and one reading per director. Root runs the HA operations directly; a user whose only
// sudo right is the panel's helper runs the same operations through it (lib/ssh/helper.ts HA_OPS_SCRIPT).
import { HA_OPS_SCRIPT, SshError, shQuote, type SshPool, type SshTarget } from "@/lib/ssh";
import type { DirectorHaReading, VrrpState } from "@/lib/ha/model";
import { HA_TRACK_FILE, HA_UNCONVERGED_FILE, VRRP_INSTANCE } from "@/lib/ha/model";
import { nonce, parseSections, sectionHelpers, type Section } from "./sections";

/** `ha OP ARGS`: the HA operation through the helper where installed, else `sh -c` as root (or broad sudo). */
const HA_PRELUDE = `# shellcheck disable=SC2016
HA=${shQuote(HA_OPS_SCRIPT)}
case $SUDO in
  *lvs-panel-helper*) ha() { $SUDO "$@"; } ;;
  *) ha() { $SUDO sh -c "$HA" lvs-panel-ha "$@"; } ;;
esac`;

/** pushHaConfig's script (stdin: the configuration): write it when it differs, enable, start or reload. */
export function pushScript(): string {
  return `case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH ;; esac
${HA_PRELUDE}
command -v keepalived >/dev/null 2>&1 || { echo "keepalived is not installed (apt-get install keepalived)" >&2; exit 69; }
r=$(ha keepalived-conf) || exit $?
echo "conf $r"
if ! systemctl is-enabled keepalived >/dev/null 2>&1; then $SUDO systemctl enable keepalived >/dev/null 2>&1 || exit 70; echo enabled; fi
if systemctl is-active keepalived >/dev/null 2>&1; then
  if [ "$r" = written ]; then $SUDO systemctl reload keepalived || exit 70; echo reloaded; fi
else
  $SUDO systemctl start keepalived || exit 70
  echo started
fi`;
}

/**
 * Writes keepalived.conf (checked with `keepalived -t` on the director first) when it differs;
 * enables keepalived, starts it when it is not running, reloads it when the file changed.
 * changed: anything of that was done. Note: a first start creates HA_UNCONVERGED_FILE = 1 (effective
 * priority 1) unless setBehind(false) ran before; call setBehind(false) once the director's table is verified.
 */
export async function pushHaConfig(pool: SshPool, target: SshTarget, text: string): Promise<{ changed: boolean; output: string }> {
  const r = await pool.script(target, pushScript(), [], { stdin: text, okExitCodes: "any", timeoutMs: 60_000 });
  const output = `${r.stdout}${r.stderr}`.trim();
  if (r.exitCode !== 0) throw new SshError(/sudo: /.test(r.stderr) ? "permission-denied" : "command-failed", `pushing keepalived's configuration failed: ${output.split("\n").slice(0, 6).join("; ") || `exit ${r.exitCode}`}`, { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
  return { changed: /^(conf written|enabled|started|reloaded)$/m.test(r.stdout), output };
}

/** setBehind's script: behind 1 (FAULT: no VIP); behind 0 also clears the after-reboot mark. */
export function behindScript(behind: boolean): string {
  return `${HA_PRELUDE}\n${behind ? "ha ha-track behind 1" : "ha ha-track behind 0 && ha ha-track unconverged 0"}`;
}

/** The panel's word on whether this director's IPVS table is behind the desired one (keepalived's track files). */
export async function setBehind(pool: SshPool, target: SshTarget, behind: boolean): Promise<void> {
  const r = await pool.script(target, behindScript(behind), [], { okExitCodes: "any", timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw new SshError(/sudo: /.test(r.stderr) ? "permission-denied" : "command-failed", `writing ${HA_TRACK_FILE} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`, { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
}

/** readHa's script (one exec, sections). */
export function readHaScript(n: string): string {
  return `${sectionHelpers(n)}
${HA_PRELUDE}
sec ka; if command -v keepalived >/dev/null 2>&1; then systemctl is-active keepalived 2>&1; else echo missing; fi; rc 0
sec json; if systemctl is-active keepalived >/dev/null 2>&1; then ha keepalived-json 2>&1; rc $?; else rc 3; fi
sec track; for f in ${HA_TRACK_FILE} ${HA_UNCONVERGED_FILE}; do printf '%s ' "$(cat "$f" 2>/dev/null || echo -)"; done; echo; rc 0
sec addr; ip -j addr show 2>/dev/null; rc $?
sec daemon; $SUDO ipvsadm -L --daemon 2>&1; rc $?
sec conns; if [ -r /proc/net/ip_vs_conn ]; then wc -l < /proc/net/ip_vs_conn; rc 0; else rc 1; fi
sec end`;
}

const STATES: Record<number, VrrpState> = { 0: "BACKUP", 1: "BACKUP", 2: "MASTER", 3: "FAULT" };

/** An address in one spelling (IPv6 compressed, lower case), to compare VIPs with what `ip` prints. */
export function canonicalIp(a: string): string {
  if (!a.includes(":")) return a;
  try {
    return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  } catch {
    return a.toLowerCase();
  }
}

function sec(m: Map<string, Section>, name: string): Section {
  const s = m.get(name);
  if (!s) throw new SshError("command-failed", `HA reading lacks section ${name}`);
  return s;
}

/** Parses readHa's output (pure, for the unit tests). */
export function parseHaReading(stdout: string, n: string, vips: readonly string[]): DirectorHaReading & { jsonError: string | null } {
  const m = parseSections(stdout, n);
  if (!m.has("end")) throw new SshError("command-failed", "the HA reading did not finish", { stdout });
  const ka = sec(m, "ka").text.trim();
  const keepalived: DirectorHaReading["keepalived"] = ka === "missing" ? "missing" : ka === "active" || ka === "reloading" ? "running" : "stopped";
  let vrrpState: VrrpState | null = keepalived === "missing" ? null : keepalived === "stopped" ? "STOPPED" : null;
  let effectivePriority: number | null = null;
  let jsonError: string | null = null;
  const json = sec(m, "json");
  if (keepalived === "running") {
    if (json.rc === 0) {
      try {
        const dump = JSON.parse(json.text) as Array<{ data?: { iname?: string; state?: number; effective_priority?: number } }>;
        const inst = dump.find((d) => d.data?.iname === VRRP_INSTANCE)?.data;
        if (inst) {
          vrrpState = STATES[inst.state ?? -1] ?? null;
          effectivePriority = inst.effective_priority ?? null;
        } else jsonError = `keepalived runs no instance ${VRRP_INSTANCE}`;
      } catch {
        jsonError = "keepalived's JSON dump did not parse";
      }
    } else jsonError = json.text.trim() || `keepalived-json exit ${json.rc}`;
  }
  const [behindText, unconvText] = sec(m, "track").text.trim().split(/\s+/);
  const want = new Set(vips.map(canonicalIp));
  let held: string[] = [];
  try {
    const addrs = JSON.parse(sec(m, "addr").text || "[]") as Array<{ ifname: string; addr_info?: Array<{ local: string }> }>;
    held = [...new Set(addrs.filter((i) => i.ifname !== "lo").flatMap((i) => (i.addr_info ?? []).map((a) => canonicalIp(a.local))).filter((a) => want.has(a)))].sort();
  } catch { /* old iproute2 without -j: none known */ }
  const daemon = sec(m, "daemon");
  const roles = daemon.rc === 0 ? ["master", "backup"].filter((r) => new RegExp(`^${r} sync daemon`, "m").test(daemon.text)) : [];
  const conns = sec(m, "conns");
  const lines = conns.rc === 0 ? Number(conns.text.trim()) : NaN;
  return {
    keepalived,
    vrrpState,
    vipsHeld: held,
    syncDaemon: roles.join(","),
    syncedConns: Number.isFinite(lines) ? Math.max(0, lines - 1) : null,
    behind: behindText !== undefined && behindText !== "-" && behindText !== "0",
    unconverged: unconvText !== undefined && unconvText !== "-" && unconvText !== "0",
    effectivePriority,
    jsonError,
  };
}

/**
 * One exec: keepalived running?, its VRRP state and effective priority (keepalived's JSON dump), the
 * track files, which of `vips` the director's interfaces hold (`ip -j addr`, lo excepted), the IPVS
 * sync daemon roles (`ipvsadm -L --daemon`) and the connections in its IPVS table (/proc/net/ip_vs_conn).
 * `iface` is the VRRP interface (validated; the VIPs are looked for on every interface but lo).
 */
export async function readHa(pool: SshPool, target: SshTarget, vips: string[], iface: string): Promise<DirectorHaReading> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/.test(iface)) throw new SshError("command-failed", `refused before any command: ${JSON.stringify(iface)} is not an interface name`);
  const n = nonce();
  const r = await pool.script(target, readHaScript(n), [], { okExitCodes: "any", timeoutMs: 30_000 });
  const { jsonError, ...reading } = parseHaReading(r.stdout, n, vips);
  if (jsonError && /sudo: |refused/.test(jsonError)) throw new SshError("permission-denied", `reading keepalived's state: ${jsonError}`, { stdout: r.stdout });
  return reading;
}

/** stopHa's script: keepalived stopped and disabled, the panel's keepalived.conf and tmpfiles line removed. */
export function stopScript(): string {
  return `if systemctl is-active keepalived >/dev/null 2>&1; then $SUDO systemctl stop keepalived || exit 70; echo stopped; fi
if systemctl is-enabled keepalived >/dev/null 2>&1; then $SUDO systemctl disable keepalived >/dev/null 2>&1 || exit 70; echo disabled; fi
$SUDO rm -f /etc/keepalived/keepalived.conf && $SUDO rm -f /etc/tmpfiles.d/lvs-panel.conf || exit 71`;
}

/**
 * HA turned off on this director: keepalived stopped (it takes its VIPs off the interface as it goes:
 * bind them again with bindVip where a director should keep serving) and disabled, its configuration removed.
 */
export async function stopHa(pool: SshPool, target: SshTarget): Promise<{ output: string }> {
  const r = await pool.script(target, stopScript(), [], { okExitCodes: "any", timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new SshError(/sudo: /.test(r.stderr) ? "permission-denied" : "command-failed", `stopping keepalived failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`, { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
  return { output: r.stdout.trim() };
}
