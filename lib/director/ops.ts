import { HELPER_BIN, SshError, isSshError, isIpvsUnavailable, shJoin, shQuote, type ExecOptions, type ExecResult, type SshPool, type SshTarget } from "@/lib/ssh";
import { z } from "zod";
import type { ActualRead, IpvsCore, PlannedStep } from "./core";
import { nonce, parseSections, sectionHelpers, type Section } from "./sections";

// ---------------------------------------------------------------------------------------------
// Probe: one exec, many sections.

export interface DirectorProbe {
  ipvsadm: { present: boolean; version: string | null };
  ipvs: { available: boolean; error: string | null };
  /** `ipvsadm -S -n`, `-Ln --thresholds`, `-Ln --stats --exact` as the kernel printed them. */
  save: string;
  thresholds: string;
  stats: string;
  addresses: Array<{ ifname: string; family: string; local: string; prefixlen: number; label?: string }>;
  defaultRoute: { gateway: string | null; dev: string | null } | null;
  /** Scheduler modules found for the running kernel (rr, wlc, sh, ...). */
  schedulers: string[];
  os: { id: string; like: string; systemd: boolean; packageManager: "apt-get" | "dnf" | "yum" | null; files: string[] };
  /** When ipvsadm is missing: the command that would install it. */
  installHint: string | null;
  durationMs: number;
}

const PROBE_BODY = `
sec os
# shellcheck source=/dev/null
( [ -r /etc/os-release ] && . /etc/os-release; echo "id=\${ID:-} like=\${ID_LIKE:-}" ); [ -d /run/systemd/system ] && echo systemd
for f in /etc/debian_version /etc/default/ipvsadm /etc/ipvsadm.rules /etc/sysconfig/ipvsadm; do [ -e "$f" ] && echo "file $f"; done
for m in apt-get dnf yum; do command -v "$m" >/dev/null 2>&1 && echo "pm $m"; done; rc 0
sec ipvsadm; command -v ipvsadm; rc $?
sec version; $SUDO ipvsadm --version 2>&1; rc $?
sec save; $SUDO ipvsadm -S -n 2>&1; rc $?
sec thresholds; $SUDO ipvsadm -Ln --thresholds 2>&1; rc $?
sec stats; $SUDO ipvsadm -Ln --stats --exact 2>&1; rc $?
sec addr; ip -j addr show 2>/dev/null; rc $?
sec route; ip -j -4 route show default 2>/dev/null; rc $?
sec schedulers; ls "/lib/modules/$(uname -r)/kernel/net/netfilter/ipvs/" 2>/dev/null; rc 0
sec end
`;

function sec(m: Map<string, Section>, name: string): Section {
  const s = m.get(name);
  if (!s) throw new SshError("command-failed", `director probe output lacks section ${name}`);
  return s;
}

/** The probe's script (POSIX sh), pure so the unit tests check the text a director runs. */
export function probeScript(n: string): string {
  return `${sectionHelpers(n)}\n${PROBE_BODY}`;
}

export async function probeDirector(pool: SshPool, target: SshTarget): Promise<DirectorProbe> {
  const n = nonce();
  const r = await pool.script(target, probeScript(n), [], { okExitCodes: "any" });
  const m = parseSections(r.stdout, n);
  if (!m.has("end")) throw new SshError("command-failed", "director probe did not finish", { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode });
  const osText = sec(m, "os").text;
  const pm = (["apt-get", "dnf", "yum"] as const).find((p) => osText.includes(`pm ${p}\n`)) ?? null;
  const present = sec(m, "ipvsadm").rc === 0;
  const save = sec(m, "save");
  const unavailable = isIpvsUnavailable(save.rc, save.text);
  if (present && /sudo: /.test(save.text)) throw new SshError("permission-denied", "sudo refused ipvsadm", { stdout: save.text });
  const addrs = parseAddresses(sec(m, "addr").text);
  const defaultRoute = parseDefaultRoute(sec(m, "route").text);
  const schedulers = [...sec(m, "schedulers").text.matchAll(/ip_vs_([a-z0-9]+)\.ko/g)].map((x) => x[1]!).filter((s) => !["ftp", "pe_sip", "proto"].includes(s)).sort();
  return {
    ipvsadm: { present, version: present ? (/ipvsadm (v[\d.]+)/.exec(sec(m, "version").text)?.[1] ?? null) : null },
    ipvs: { available: present && !unavailable && save.rc === 0, error: unavailable ? "ipvs-unavailable" : save.rc === 0 ? null : save.text.trim() || null },
    save: save.rc === 0 ? save.text : "",
    thresholds: sec(m, "thresholds").rc === 0 ? sec(m, "thresholds").text : "",
    stats: sec(m, "stats").rc === 0 ? sec(m, "stats").text : "",
    addresses: addrs,
    defaultRoute,
    schedulers,
    os: {
      id: /id=(\S*)/.exec(osText)?.[1] ?? "",
      like: /like=(.*)/.exec(osText)?.[1]?.trim() ?? "",
      systemd: /^systemd$/m.test(osText),
      packageManager: pm,
      files: [...osText.matchAll(/^file (\S+)$/gm)].map((x) => x[1]!),
    },
    installHint: present ? null : pm ? `${pm} install -y ipvsadm` : "install the ipvsadm package",
    durationMs: r.durationMs,
  };
}

function parseAddresses(text: string): DirectorProbe["addresses"] {
  try {
    const j = JSON.parse(text || "[]") as Array<{ ifname: string; addr_info?: Array<{ family: string; local: string; prefixlen: number; label?: string }> }>;
    return j.flatMap((i) => (i.addr_info ?? []).map((a) => ({ ifname: i.ifname, family: a.family, local: a.local, prefixlen: a.prefixlen, ...(a.label ? { label: a.label } : {}) })));
  } catch {
    return []; // old iproute2 without -j
  }
}

function parseDefaultRoute(text: string): DirectorProbe["defaultRoute"] {
  try {
    const d = (JSON.parse(text || "[]") as Array<{ dst?: string; gateway?: string; dev?: string }>).find((x) => x.dst === "default");
    return d ? { gateway: d.gateway ?? null, dev: d.dev ?? null } : null;
  } catch {
    return null;
  }
}

const ADDRESSES_BODY = `
sec addr; ip -j addr show 2>/dev/null; rc $?
sec route; ip -j -4 route show default 2>/dev/null; rc $?
sec end
`;

/**
 * Only the director's addresses and default route (what the plan needs to know where a VIP is bound):
 * two processes, where the full probe starts a dozen (each costs on a small or emulated director).
 */
export async function readDirectorAddresses(pool: SshPool, target: SshTarget): Promise<Pick<DirectorProbe, "addresses" | "defaultRoute">> {
  const n = nonce();
  const r = await pool.script(target, `${sectionHelpers(n)}\n${ADDRESSES_BODY}`, [], { okExitCodes: "any" });
  const m = parseSections(r.stdout, n);
  if (!m.has("end")) throw new SshError("command-failed", "reading the director's addresses did not finish", { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode });
  return { addresses: parseAddresses(sec(m, "addr").text), defaultRoute: parseDefaultRoute(sec(m, "route").text) };
}

/** Installs ipvsadm with the host's package manager (offered by the probe when it is missing). */
export async function installIpvsadm(pool: SshPool, target: SshTarget, pm: "apt-get" | "dnf" | "yum"): Promise<void> {
  await pool.exec(target, pm === "apt-get" ? ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "ipvsadm"] : [pm, "install", "-y", "ipvsadm"], { sudo: true, timeoutMs: 300_000 });
}

// ---------------------------------------------------------------------------------------------
// Apply: ONE exec. The script prints the table (`-S -n` + `-Ln --thresholds`, and `--stats --exact`
// when counters are asked for), the panel plans from it on the same channel while the script waits on
// `read` (a shell builtin: no fork), and streams the steps back one line each; the script runs each
// line as it arrives (stopping at the first failure), then prints the table again for verification.
// The re-read decides success, never an exit status.

export interface StepResult {
  position: number;
  command: string;
  disruptive: boolean;
  status: "pending" | "running" | "succeeded" | "failed" | "skipped";
  exitCode: number | null;
  output: string;
  /** Why the step is there (lib/ipvs cores). */
  reason?: string;
  /** The host the step ran on, when a run spans several hosts (recordApply stores it per step). */
  host?: { id: string | null; name: string };
}

export interface ApplyReport {
  outcome: "succeeded" | "failed" | "verify_failed";
  /** The error code when the run did not complete (unreachable, timeout, ...). */
  error: { code: string; message: string } | null;
  steps: StepResult[];
  before: ActualRead | null;
  /** What the kernel holds after the run; null when it could not be read (host lost). */
  after: ActualRead | null;
  /** Differences left between desired and `after` ([] when converged). */
  differences: string[];
  /** Not differences, but worth saying (graceful drains still waiting). */
  notes: string[];
  /** The step that failed, when one did. */
  failedStep: StepResult | null;
  dryRun: boolean;
  durationMs: number;
}

export interface ApplyOptions {
  dryRun?: boolean;
  timeoutMs?: number;
  /** Also read `ipvsadm -Ln --stats --exact` (before and after), for counters. One more ipvsadm per read. */
  counters?: boolean;
  /** Called as the run goes: once the table is read (with the remote shell's PID), then per step. */
  /** Once aborted, no step is sent (the run stops after reading the table, throwing the reason). */
  signal?: AbortSignal;
  onProgress?: (e: { kind: "read"; pid: number | null; steps: number; planned: ReadonlyArray<Pick<PlannedStep, "text" | "disruptive">> } | { kind: "step"; position: number; status: "running" | "succeeded" | "failed"; exitCode: number | null }) => void;
}

// Every ipvsadm is a process, and on a small or emulated director a process costs milliseconds: the
// script spawns nothing but the ipvsadm invocations themselves (2 per read, +1 with counters, +1 per
// step), and the last one replaces the shell (`exec`: no fork; its status is the exit status). Markers,
// statuses and the step loop are shell builtins (printf, read, eval), one write per marker: `s RC NEXT`
// closes a section with its status and opens the next. The sudo prefix is literal text (no $SUDO word
// splitting, which zsh would not do): `sudo -n ${H:+"$H"} `, H being the sudo helper where installed.
function readLines(p: string, counters: boolean, sudo: string, last: boolean): string {
  const cmds: Array<[string, string]> = [["save", "-S -n"], ["thresholds", "-Ln --thresholds"], ...(counters ? [["stats", "-Ln --stats --exact"] as [string, string]] : [])];
  return cmds
    .map(([name, args], i) => `${i === 0 ? `printf '\\n@@%s %s\\n' "$N" ${p}${name}` : `s $? ${p}${name}`}; ${last && i === cmds.length - 1 ? "exec " : ""}${sudo}ipvsadm ${args} 2>&1`)
    .join("\n");
}

/** The section whose status is the script's exit status (the last ipvsadm is exec'd). */
const lastSection = (counters: boolean) => (counters ? "after-stats" : "after-thresholds");

/** The apply's script (POSIX sh: run by the login shell's `eval`, or by `sh -c`), for root or a sudo user. */
export function applyScript(n: string, counters: boolean, asRoot: boolean): string {
  const sudo = asRoot ? "" : `sudo -n \${H:+"$H"} `;
  return `N=${n}${asRoot ? "" : `\nif [ -x ${HELPER_BIN} ]; then H=${HELPER_BIN}; else H=''; fi`}
s() { printf '\\n@@%s-rc %s\\n@@%s %s\\n' "$N" "$1" "$N" "$2"; }
set -f
${readLines("", counters, sudo, false)}
s $? ready; echo $$
i=0
while IFS= read -r line; do
  printf '\\n@@%s step-%s\\n' "$N" $i; eval "${asRoot ? "" : "sudo -n $H "}$line" 2>&1; r=$?; printf '\\n@@%s-rc %s\\n' "$N" $r; i=$((i+1)); [ $r = 0 ] || break
done
[ $i = 0 ] && exit 0
${readLines("after-", counters, sudo, true)}
`;
}

/** The step lines the script reads: one shell-quoted ipvsadm command per line. */
export function stepLine(s: PlannedStep): string {
  const line = shJoin(["ipvsadm", ...s.argv]);
  if (line.includes("\n") || line.includes("\r")) throw new SshError("command-failed", `refused before any command: a step contains a line break: ${JSON.stringify(line.slice(0, 80))}`);
  return line;
}


// Targets whose login shell did not run a POSIX script given to `eval` (fish, csh, ...): they get `sh -c`.
const shWrapped = new Set<string>();
const targetKey = (t: SshTarget) => `${t.username}@${t.host}:${t.port}`;

/**
 * Runs a POSIX script in ONE exec, in the login shell itself (`eval '...'`): no `sh -c` process on
 * top of it, which on a small or emulated director is a whole shell start per apply. A login shell
 * that is not POSIX prints none of the script's output; that is seen from `mark` (the first marker
 * the script prints, before it runs anything) missing from a finished run, and the same script then
 * runs once more through `sh -c` (nothing ran the first time), as it will for that target from then on.
 * The script must not rely on $SUDO (use a literal prefix) nor on positional arguments.
 */
async function loginShellScript(pool: SshPool, target: SshTarget, body: string, mark: string, opts: Omit<ExecOptions, "sudo">): Promise<ExecResult> {
  const key = targetKey(target);
  if (shWrapped.has(key)) return pool.script(target, body, [], opts);
  const r = await pool.exec(target, ["eval", body], opts);
  if (r.stdout.includes(mark)) return r;
  shWrapped.add(key);
  return pool.script(target, body, [], opts);
}

function readOf(m: Map<string, Section>, p: string): ActualRead | null {
  const save = m.get(`${p}save`);
  if (!save || save.rc !== 0) return null;
  const thr = m.get(`${p}thresholds`);
  const stats = m.get(`${p}stats`);
  return { save: save.text, thresholds: thr?.rc === 0 ? thr.text : "", ...(stats ? { stats: stats.rc === 0 ? stats.text : "" } : {}) };
}

export async function applyDirector<D>(pool: SshPool, target: SshTarget, core: IpvsCore<D>, desiredInput: unknown, opts: ApplyOptions = {}): Promise<ApplyReport> {
  const desired = core.validate(desiredInput); // throws before anything is sent
  opts.signal?.throwIfAborted();
  const n = nonce();
  let steps: PlannedStep[] = [];
  let before: ActualRead | null = null;
  let stdout = "";
  let exitCode: number | null = null;
  let error: ApplyReport["error"] = null;
  let planError: unknown = null;
  let reported = 0;
  let runningSent = -1;
  const started = performance.now();
  const readyMark = `\n@@${n} ready\n`;
  const progress = () => {
    if (!opts.onProgress) return;
    const m = parseSections(stdout, n);
    for (; reported < steps.length; reported++) {
      const sec = m.get(`step-${reported}`);
      if (!sec) return;
      if (sec.rc === null) {
        if (runningSent < reported) opts.onProgress({ kind: "step", position: (runningSent = reported), status: "running", exitCode: null });
        return;
      }
      opts.onProgress({ kind: "step", position: reported, status: sec.rc === 0 ? "succeeded" : "failed", exitCode: sec.rc });
    }
  };
  try {
    const r = await loginShellScript(pool, target, applyScript(n, !!opts.counters, target.username === "root"), `\n@@${n} save\n`, {
      okExitCodes: "any",
      timeoutMs: opts.timeoutMs,
      onStdout: (text, io) => {
        stdout += text;
        if (before) return progress();
        const at = stdout.indexOf(readyMark);
        if (at < 0 || stdout.indexOf("\n", at + readyMark.length) < 0) return;
        const m = parseSections(stdout, n);
        const save = m.get("save");
        before = readOf(m, "") ?? { save: save?.text ?? "", thresholds: "" };
        if (save?.rc !== 0) {
          planError = isIpvsUnavailable(save?.rc ?? null, save?.text ?? "") ? new SshError("ipvs-unavailable", "the director's kernel has no IPVS", { stdout: save?.text }) : new SshError(/sudo: /.test(save?.text ?? "") ? "permission-denied" : "command-failed", `ipvsadm -S -n failed: ${save?.text.trim()}`);
          return io.end();
        }
        let lines: string[];
        try {
          steps = core.plan(desired, before);
          lines = steps.map(stepLine);
        } catch (e) {
          planError = e;
          steps = [];
          return io.end();
        }
        if (opts.signal?.aborted) {
          planError = opts.signal.reason;
          steps = [];
          return io.end();
        }
        opts.onProgress?.({ kind: "read", pid: Number(m.get("ready")?.text.trim()) || null, steps: steps.length, planned: steps });
        if (lines.length && !opts.dryRun) io.write(lines.join("\n") + "\n");
        io.end();
      },
    });
    stdout = r.stdout;
    exitCode = r.exitCode;
  } catch (e) {
    if (!isSshError(e)) throw e;
    error = { code: e.code, message: e.message };
    stdout = e.details.stdout ?? stdout;
  }
  if (planError) throw planError;
  progress();
  const m = parseSections(stdout, n);
  const last = m.get(lastSection(!!opts.counters));
  if (last && last.rc === null && !error) last.rc = exitCode; // the exec'd ipvsadm's status
  const results: StepResult[] = steps.map((s, i) => {
    const sec = m.get(`step-${i}`);
    let status: StepResult["status"] = opts.dryRun ? "skipped" : !sec ? (error ? "pending" : "skipped") : sec.rc === null ? "running" : sec.rc === 0 ? "succeeded" : "failed";
    let output = sec?.text ?? "";
    // A step that started but never reported: the host was lost under it (the kernel may or may not hold it).
    if (status === "running") {
      status = "failed";
      output += `(no exit status: ${error?.code ?? "the script stopped"} while this step ran; the re-read on the next run tells whether the kernel took it)\n`;
    }
    return { position: i, command: s.text, disruptive: s.disruptive, status, exitCode: sec?.rc ?? null, output, ...(s.reason ? { reason: s.reason } : {}) };
  });
  const ran = results.some((s) => s.status !== "skipped" && s.status !== "pending");
  const after = ran ? readOf(m, "after-") : error ? null : before;
  const differences = after && !opts.dryRun ? core.verify(desired, after) : [];
  const notes = after && core.notes ? core.notes(desired, after) : [];
  const failedStep = results.find((s) => s.status === "failed") ?? null;
  const outcome: ApplyReport["outcome"] = error || failedStep ? "failed" : differences.length ? "verify_failed" : "succeeded";
  return { outcome, error, steps: results, before, after, differences, notes, failedStep, dryRun: !!opts.dryRun, durationMs: Math.round(performance.now() - started) };
}

// ---------------------------------------------------------------------------------------------
// VIP on the director.

const ipSchema = z.union([z.ipv4(), z.ipv6()]);
const ifaceSchema = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/);

export interface VipSpec {
  vip: string;
  /** `lo` or the interface facing the clients (default eth0). */
  iface?: string;
}

function vipArgs(v: VipSpec): { addr: string; dev: string; label: string | null } {
  const vip = ipSchema.safeParse(v.vip);
  const dev = ifaceSchema.safeParse(v.iface ?? "eth0");
  if (!vip.success || !dev.success) throw new SshError("command-failed", "refused before any command: VIP must be an IP address and iface an interface name");
  const six = vip.data.includes(":");
  const label = !six && dev.data.length <= 11 ? `${dev.data}:vip` : null;
  return { addr: `${vip.data}/${six ? 128 : 32}`, dev: dev.data, label };
}

/** The one `ip addr add VIP/32 dev IFACE [label IFACE:vip]` (bindVip runs it; plans and applies show it). */
export function vipAddArgv(v: VipSpec): string[] {
  const a = vipArgs(v);
  return ["ip", "addr", "add", a.addr, "dev", a.dev, ...(a.label ? ["label", a.label] : [])];
}

/** The scripts (POSIX sh) that bind and unbind a VIP, pure so the unit tests check their text. */
export function vipScript(v: VipSpec, op: "bind" | "unbind"): string {
  const a = vipArgs(v);
  if (op === "unbind") {
    return `if [ -z "$(ip -o addr show dev ${shQuote(a.dev)} to ${shQuote(a.addr)})" ]; then echo same; exit 0; fi
$SUDO ${shJoin(["ip", "addr", "del", a.addr, "dev", a.dev])} || exit 1
echo removed`;
  }
  const add = vipAddArgv(v);
  // the gratuitous ARP: IPv4 on an interface other than lo only
  const arp = a.dev !== "lo" && !a.addr.includes(":")
    ? `\nif command -v arping >/dev/null 2>&1; then $SUDO arping -c 1 -U -I ${shQuote(a.dev)} ${shQuote(a.addr.split("/")[0]!)} >/dev/null 2>&1; fi`
    : "";
  return `if [ -n "$(ip -o addr show dev ${shQuote(a.dev)} to ${shQuote(a.addr)})" ]; then echo same; exit 0; fi
$SUDO ${shJoin(add)} || exit 1${arp}
echo added`;
}

/** Binds the VIP (idempotent), then announces it with a gratuitous ARP when arping exists. */
export async function bindVip(pool: SshPool, target: SshTarget, v: VipSpec): Promise<{ changed: boolean }> {
  const r = await pool.script(target, vipScript(v, "bind"));
  return { changed: r.stdout.trim() === "added" };
}

export async function unbindVip(pool: SshPool, target: SshTarget, v: VipSpec): Promise<{ changed: boolean }> {
  const r = await pool.script(target, vipScript(v, "unbind"));
  return { changed: r.stdout.trim() === "removed" };
}

// ---------------------------------------------------------------------------------------------
// Persistence, the distribution's own way.

export type PersistFlavor = "debian" | "rhel" | "systemd" | "none";
export interface PersistResult {
  flavor: PersistFlavor;
  /** The file holding the rules (null for "none"). */
  file: string | null;
  /** What that file holds now (read back in the same exec). */
  content: string;
  note: string | null;
  /** the director VIP unit: "written", "removed", "none" (no VIP and no unit), "no-systemd"; null when not asked */
  vipUnit?: string | null;
}

const UNIT = `[Unit]
Description=LVS Panel: restore the IPVS table
After=network-pre.target
Before=network.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'ipvsadm -R < /etc/lvs-panel/ipvsadm.rules'
[Install]
WantedBy=multi-user.target
`;

/**
 * Saves the running table so it comes back after a reboot: Debian `/etc/ipvsadm.rules` with
 * AUTO="true" in /etc/default/ipvsadm; RHEL `/etc/sysconfig/ipvsadm` + the ipvsadm unit; else a small
 * unit of ours; "none" on a RAM-only host (e.g. the lab's busybox director), where nothing survives.
 * Note: `ipvsadm -S` does not save thresholds (-x/-y).
 */
export async function persistDirector(pool: SshPool, target: SshTarget, flavor: PersistFlavor | "auto" = "auto", vips?: VipSpec[]): Promise<PersistResult> {
  const n = nonce();
  const r = await pool.script(target, persistScript(n, flavor, vips));
  const m = parseSections(r.stdout, n);
  const fl = (m.get("flavor")?.text.trim() ?? "none") as PersistFlavor;
  const contentText = m.get("content")?.text ?? "";
  const file = /@@file (\S*)/.exec(contentText)?.[1] || null;
  return {
    flavor: fl,
    file,
    content: contentText.replace(/@@file.*\n?$/, ""),
    note: fl === "none" ? "this director keeps nothing across a reboot (no distribution files, no systemd): the panel re-applies after a restart" : null,
    vipUnit: /@@vipunit (\S+)/.exec(r.stdout)?.[1] ?? null,
  };
}

export const DIRECTOR_VIP_UNIT_NAME = "lvs-panel-director-vip.service";
export const DIRECTOR_VIP_UNIT = `/etc/systemd/system/${DIRECTOR_VIP_UNIT_NAME}`;

/**
 * The unit that binds the director's VIPs at boot (after ifupdown/networkd brought the interface up,
 * i.e. after network.target); null when there is none to bind (the script then removes the unit).
 */
export function directorVipUnit(vips: VipSpec[], ipcmd = "/usr/sbin/ip"): string | null {
  const args = vips.map(vipArgs);
  if (!args.length) return null;
  return [
    "# LVS Panel: binds the director's VIPs at boot (generated)",
    "[Unit]", "Description=LVS Panel director VIPs", "After=network.target", "Wants=network.target", "",
    "[Service]", "Type=oneshot", "RemainAfterExit=yes",
    ...args.map((a) => `ExecStart=${ipcmd} addr replace ${a.addr} dev ${a.dev}${a.label ? ` label ${a.label}` : ""}`),
    ...args.map((a) => `ExecStop=-${ipcmd} addr del ${a.addr} dev ${a.dev}`),
    "", "[Install]", "WantedBy=multi-user.target", "",
  ].join("\n");
}

/** The persistence script (POSIX sh), pure so the unit tests check its text. */
export function persistScript(n: string, flavor: PersistFlavor | "auto", vips?: VipSpec[]): string {
  // the VIP unit's text is built here with a placeholder for ip's path (command -v on the host)
  const unit = vips ? directorVipUnit(vips, "@IP@") : null;
  const vipPart = !vips ? "" : `
U=${shQuote(DIRECTOR_VIP_UNIT)}
if [ ! -d /run/systemd/system ]; then echo "@@vipunit no-systemd"
${unit ? `else ipcmd=$(command -v ip) || { echo "ip not found" >&2; exit 6; }
  printf '%s' ${shQuote(unit)} | sed "s|@IP@|$ipcmd|" | $SUDO tee "$U" >/dev/null || exit 6
  $SUDO systemctl daemon-reload && $SUDO systemctl enable ${DIRECTOR_VIP_UNIT_NAME} >/dev/null 2>&1 || exit 6
  echo "@@vipunit written"` : `elif [ -f "$U" ]; then $SUDO systemctl disable ${DIRECTOR_VIP_UNIT_NAME} >/dev/null 2>&1; $SUDO rm -f "$U" && $SUDO systemctl daemon-reload || exit 6
  echo "@@vipunit removed"
else echo "@@vipunit none"`}
fi`;
  return `${sectionHelpers(n)}
F=${shQuote(flavor)}
if [ "$F" = auto ]; then
  if [ -e /etc/debian_version ] || [ -e /etc/default/ipvsadm ]; then F=debian
  elif [ -d /etc/sysconfig ] && [ -d /run/systemd/system ]; then F=rhel
  elif [ -d /run/systemd/system ]; then F=systemd
  else F=none; fi
fi
rules=$($SUDO ipvsadm -S -n) || { echo "ipvsadm -S -n failed" >&2; exit 3; }
case $F in
  debian) FILE=/etc/ipvsadm.rules
    printf '%s\\n' "$rules" | $SUDO tee "$FILE" >/dev/null || exit 4
    if [ -f /etc/default/ipvsadm ] && grep -q '^AUTO=' /etc/default/ipvsadm; then $SUDO sed -i 's/^AUTO=.*/AUTO="true"/' /etc/default/ipvsadm || exit 4
    else $SUDO mkdir -p /etc/default && printf '%s\\n' '# written by LVS Panel' 'AUTO="true"' 'DAEMON="none"' | $SUDO tee -a /etc/default/ipvsadm >/dev/null || exit 4; fi ;;
  rhel) FILE=/etc/sysconfig/ipvsadm
    printf '%s\\n' "$rules" | $SUDO tee "$FILE" >/dev/null || exit 4
    $SUDO systemctl enable ipvsadm >/dev/null 2>&1 || echo "note: could not enable the ipvsadm unit" ;;
  systemd) FILE=/etc/lvs-panel/ipvsadm.rules
    $SUDO mkdir -p /etc/lvs-panel && printf '%s\\n' "$rules" | $SUDO tee "$FILE" >/dev/null || exit 4
    printf '%s' ${shQuote(UNIT)} | $SUDO tee /etc/systemd/system/lvs-panel-ipvsadm.service >/dev/null || exit 4
    $SUDO systemctl daemon-reload && $SUDO systemctl enable lvs-panel-ipvsadm.service >/dev/null 2>&1 || exit 4 ;;
  none) FILE= ;;
  *) exit 5 ;;
esac${vipPart}
sec flavor; echo "$F"
sec content; [ -n "$FILE" ] && cat "$FILE"; echo "@@file $FILE"
sec end`;
}
