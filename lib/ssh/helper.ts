// The sudo helper: ONE fixed program a non-root SSH user may run as root (one sudoers line), which
// runs only the operations the panel's scripts use, each argument validated: a narrow grant, unlike
// `ip`, `sysctl` or `tee` allowed with any argument (`ip netns exec … sh`, `sysctl kernel.core_pattern=|…`,
// `tee /etc/sudoers` are all root). The scripts stay as they are: `$SUDO ipvsadm …` becomes
// `sudo -n /usr/local/sbin/lvs-panel-helper ipvsadm …` on a host where the helper is installed.
// Files it writes are the panel's own, and their content is checked line by line (a unit file or a
// sysctl.d file with any content would be root too).

import { SshError } from "./errors";
import type { SshPool } from "./pool";
import { HELPER_BIN } from "./quote";
import type { SshTarget } from "./types";

export const HELPER_PATH = HELPER_BIN;
export const HELPER_SUDOERS = "/etc/sudoers.d/lvs-panel";

/** The sudoers line for a user: the helper alone, with any arguments (it validates them itself). */
export function helperSudoersLine(user: string): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new Error(`refused: ${JSON.stringify(user)} is not a user name`);
  return `${user} ALL=(root) NOPASSWD: ${HELPER_PATH}`;
}

// What the helper and the direct (root) path of lib/director/ha.ts share: the checks and the HA operations.
const PRELUDE = String.raw`set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
NL='
'
refuse() { printf 'lvs-panel-helper: refused: %s\n' "$*" >&2; exit 64; }
# one argument matches one extended regular expression, whole (arguments with a line break never do)
is() { case $2 in *"$NL"*) return 1 ;; esac; printf '%s\n' "$2" | grep -Eqx -- "$1"; }
IP4='((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
IP6='[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*'
IFACE='[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}'
`;

/** The files of director HA (lib/ha/model.ts has the same; lib/ssh imports nothing of the panel's). */
export const HA_FILES = {
  conf: "/etc/keepalived/keepalived.conf",
  runDir: "/run/lvs-panel",
  tmpfiles: "/etc/tmpfiles.d/lvs-panel.conf",
  json: "/tmp/keepalived.json",
  pid: "/run/keepalived.pid",
} as const;

// Every line lib/keepalived/vrrp.ts writes, as ERE in sh double quotes (one shape per line; keepalived -t
// then checks the whole). No script, no virtual_server, no file but the panel's two track files.
const KA_LINES = [
  "# LVS Panel: director HA, VRRP only \\(the IPVS rules come from the panel apply\\)\\. Generated, do not edit\\.",
  "global_defs [{]", "  router_id [A-Za-z0-9._-]{1,64}", "  lvs_sync_daemon $IFACE lvs_panel", "[}]", "  [}]",
  "track_file lvs_panel_(behind|unconverged) [{]", `  file \\"${HA_FILES.runDir}/(behind|unconverged)\\"`, "  weight (0|-253)", "  init_file [01]",
  "vrrp_instance lvs_panel [{]", "  state BACKUP", "  nopreempt", "  preempt_delay [0-9]{1,4}", "  interface $IFACE",
  "  virtual_router_id [0-9]{1,3}", "  priority [0-9]{1,3}", "  advert_int [0-9]{1,3}",
  "  authentication [{]", "    auth_type PASS", "    auth_pass []A-Za-z0-9._,:;+=%^*()<>?/[-]{1,8}",
  "  unicast_src_ip ($IP4|$IP6)", "  unicast_peer [{]", "    ($IP4|$IP6)",
  "  track_file [{]", "    lvs_panel_(behind|unconverged)",
  "  virtual_ipaddress(_excluded)? [{]", "    ($IP4/32|$IP6/128) dev $IFACE",
];

// keepalived-conf (stdin: the whole file; prints same|written), ha-track behind|unconverged 0|1,
// keepalived-json (prints keepalived's JSON dump of its VRRP state).
const HA_FUNCS = String.raw`KA_RE="${KA_LINES.join("|")}"
# The track files exist from boot (systemd-tmpfiles), readable by the panel's user: keepalived's own
# init_file would create them 0600, and drops a track file whose directory is missing.
ha_dirs() {
  mkdir -p ${HA_FILES.runDir} || exit 1
  want="d ${HA_FILES.runDir} 0755 root root -$NL"'f ${HA_FILES.runDir}/behind 0644 root root - 0'"$NL"'f ${HA_FILES.runDir}/unconverged 0644 root root - 1'
  [ "$(cat ${HA_FILES.tmpfiles} 2>/dev/null)" = "$want" ] || printf '%s\n' "$want" > ${HA_FILES.tmpfiles} || exit 1
  [ -f ${HA_FILES.runDir}/behind ] || echo 0 > ${HA_FILES.runDir}/behind || exit 1
  [ -f ${HA_FILES.runDir}/unconverged ] || echo 1 > ${HA_FILES.runDir}/unconverged || exit 1
  chmod 0644 ${HA_FILES.runDir}/behind ${HA_FILES.runDir}/unconverged || exit 1
}
ha_conf() {
  F=${HA_FILES.conf}
  [ -d "\${F%/*}" ] || { echo "keepalived-conf: \${F%/*} is missing (is keepalived installed?)" >&2; exit 65; }
  T=$(mktemp "\${F%/*}/.keepalived.conf.XXXXXX") || exit 1
  trap 'rm -f "$T"' EXIT
  cat > "$T" || exit 1
  if grep -Evx -- "$KA_RE" "$T" >/dev/null; then refuse "content for $F (a line is not one the panel writes)"; fi
  ha_dirs
  if [ -f "$F" ] && cmp -s "$T" "$F"; then echo same; exit 0; fi
  out=$(keepalived -t -f "$T" 2>&1) || { printf 'keepalived -t refused the configuration:\n%s\n' "$out" >&2; exit 65; }
  chmod 0600 "$T" && mv -f "$T" "$F" || exit 1
  echo written
}
ha_op() {
  op=$1
  shift
  case $op in
    keepalived-conf) [ $# = 0 ] || refuse "keepalived-conf $*"; ha_conf ;;
    ha-track)
      if ! { [ $# = 2 ] && is 'behind|unconverged' "$1" && is '[01]' "$2"; }; then refuse "ha-track $*"; fi
      ha_dirs
      printf '%s\n' "$2" > "${HA_FILES.runDir}/$1" || exit 1 ;;
    keepalived-json)
      [ $# = 0 ] || refuse "keepalived-json $*"
      P=$(cat ${HA_FILES.pid} 2>/dev/null) || P=
      case $P in ''|*[!0-9]*) echo "keepalived is not running" >&2; exit 3 ;; esac
      S=$(keepalived --signum=JSON) || exit 3
      rm -f ${HA_FILES.json}
      kill -"$S" "$P" || exit 3
      i=0
      while [ $i -lt 50 ]; do
        if [ -s ${HA_FILES.json} ]; then case $(tail -c 2 ${HA_FILES.json}) in *"]") cat ${HA_FILES.json}; exit 0 ;; esac; fi
        sleep 0.1
        i=$((i+1))
      done
      echo "keepalived wrote no JSON dump in 5 s" >&2; exit 3 ;;
    *) refuse "$op" ;;
  esac
}
`;

/** The HA operations as a standalone script (`sh -c SCRIPT lvs-panel-ha OP ARGS...`): root, or a user with broad sudo. */
export const HA_OPS_SCRIPT = `${PRELUDE}${HA_FUNCS}ha_op "$@"\n`.replaceAll("\\${", "${");

// POSIX sh (dash). String.raw keeps every backslash as written; `\${` is how it writes sh's `${` (unescaped below).
export const HELPER = String.raw`#!/bin/sh
# lvs-panel-helper: the only program the LVS Panel's SSH user may run as root (one sudoers line).
# It runs the operations the panel uses, with validated arguments, and refuses everything else
# (exit 64, "lvs-panel-helper: refused: ..."). Installed by the panel; do not edit (reinstall instead).
${PRELUDE}${HA_FUNCS}CONF='(arp_ignore|arp_announce|rp_filter)'
# the files the panel writes, and what each may hold
SYSCTL_FILE=/etc/sysctl.d/90-lvs-panel.conf
VIP_UNIT=/etc/systemd/system/lvs-panel-vip.service
IPVS_UNIT=/etc/systemd/system/lvs-panel-ipvsadm.service
DIRECTOR_VIP_UNIT=/etc/systemd/system/lvs-panel-director-vip.service
IPCMD='(/usr)?/s?bin/ip'
RULE_LINE='(-[AaE] [][A-Za-z0-9 .:,/_%+-]*)?'
pattern_for() { # FILE: sets $re, what every line of FILE must match; fails for a file not the panel's
  case $1 in
    "$SYSCTL_FILE") re="#[ A-Za-z0-9:;()'.,_-]*|net([./])ipv4[./]conf[./]\${IFACE}[./]$CONF = [012]" ;;
    "$VIP_UNIT") re="# LVS Panel: binds the LVS-DR VIPs on lo at boot \(generated\)|\[Unit\]|Description=LVS Panel real-server VIPs|After=systemd-sysctl.service|Before=network-pre.target|Wants=network-pre.target||\[Service\]|Type=oneshot|RemainAfterExit=yes|ExecStart=$IPCMD addr replace $IP4/32 dev lo label lo:1|ExecStop=-$IPCMD addr del $IP4/32 dev lo|\[Install\]|WantedBy=multi-user.target" ;;
    "$IPVS_UNIT") re="\[Unit\]|Description=LVS Panel: restore the IPVS table|After=network-pre.target|Before=network.target|\[Service\]|Type=oneshot|RemainAfterExit=yes|ExecStart=/bin/sh -c 'ipvsadm -R < /etc/lvs-panel/ipvsadm.rules'|\[Install\]|WantedBy=multi-user.target" ;;
    "$DIRECTOR_VIP_UNIT") re="# LVS Panel: binds the director's VIPs at boot \(generated\)|\[Unit\]|Description=LVS Panel director VIPs|After=network.target|Wants=network.target||\[Service\]|Type=oneshot|RemainAfterExit=yes|ExecStart=$IPCMD addr replace ($IP4/32|$IP6/128) dev $IFACE( label $IFACE:vip)?|ExecStop=-$IPCMD addr del ($IP4/32|$IP6/128) dev $IFACE|\[Install\]|WantedBy=multi-user.target" ;;
    /etc/ipvsadm.rules|/etc/sysconfig/ipvsadm|/etc/lvs-panel/ipvsadm.rules) re=$RULE_LINE ;;
    /etc/default/ipvsadm) re='# written by LVS Panel|AUTO="true"|DAEMON="none"' ;;
    *) return 1 ;;
  esac
}
# tee [-a] FILE: stdin, checked, into one of the panel's files (and to stdout, as tee does)
put() {
  mode=$1 f=$2
  pattern_for "$f" || refuse "tee $f (not a file of the panel's)"
  [ "$mode" = write ] || [ "$f" = /etc/default/ipvsadm ] || refuse "tee -a $f"
  T=$(mktemp) || exit 1
  trap 'rm -f "$T"' EXIT
  cat > "$T" || exit 1
  if grep -Evx -- "$re" "$T" >/dev/null; then refuse "content for $f (a line is not one the panel writes)"; fi
  if [ "$mode" = append ]; then cat "$T" >> "$f" || exit 1; else cat "$T" > "$f" || exit 1; fi
  cat "$T"
}
ipvsadm_ok() {
  for a in "$@"; do
    case $a in
      --start-daemon|--stop-daemon|-R|--restore|--mcast-interface*|--syncid*) return 1 ;;
    esac
    is '[][A-Za-z0-9.:,/_%+-]*' "$a" || return 1
  done
}
sysctl_ok() {
  [ "$1" = -q ] && [ "$2" = -w ] || return 1
  shift 2
  [ $# -ge 1 ] || return 1
  for a in "$@"; do
    is "net\.ipv4\.conf\.[A-Za-z0-9_-]{1,15}\.$CONF=[012]|net/ipv4/conf/$IFACE/$CONF=[012]" "$a" || return 1
  done
}
addr_ok() { # add|del ADDR dev IFACE [label LABEL]
  { [ "$1" = add ] || [ "$1" = del ]; } && [ "$3" = dev ] && is "$IFACE" "$4" || return 1
  is "$IP4/32|$IP6/128" "$2" || return 1
  case $# in
    4) return 0 ;;
    6) [ "$5" = label ] && [ "$1" = add ] && is "$4(:[A-Za-z0-9_]{1,10})?" "$6" ;;
    *) return 1 ;;
  esac
}
[ $# -ge 1 ] || refuse "no operation"
op=$1
shift
case $op in
  ipvsadm) ipvsadm_ok "$@" || refuse "ipvsadm $*"; exec ipvsadm "$@" ;;
  sysctl) sysctl_ok "$@" || refuse "sysctl $*"; exec sysctl "$@" ;;
  ip)
    if [ "$*" = "link set tunl0 up" ]; then exec ip link set tunl0 up; fi
    [ "$1" = addr ] || refuse "ip $*"
    shift
    addr_ok "$@" || refuse "ip addr $*"
    exec ip addr "$@" ;;
  arping)
    if ! { [ $# = 6 ] && [ "$1 $2 $3 $4" = "-c 1 -U -I" ] && is "$IFACE" "$5" && is "$IP4" "$6"; }; then refuse "arping $*"; fi
    exec arping "$@" ;;
  modprobe) [ "$*" = ipip ] || refuse "modprobe $*"; exec modprobe ipip ;;
  tee)
    if [ $# = 2 ] && [ "$1" = -a ]; then put append "$2"; elif [ $# = 1 ]; then put write "$1"; else refuse "tee $*"; fi ;;
  rm)
    if ! { [ $# = 2 ] && [ "$1" = -f ]; }; then refuse "rm $*"; fi
    case $2 in "$SYSCTL_FILE"|"$VIP_UNIT"|"$IPVS_UNIT"|"$DIRECTOR_VIP_UNIT"|${HA_FILES.conf}|${HA_FILES.tmpfiles}) exec rm -f "$2" ;; *) refuse "rm $*" ;; esac ;;
  mkdir)
    case "$*" in "-p /etc/lvs-panel"|"-p /etc/default") exec mkdir "$@" ;; *) refuse "mkdir $*" ;; esac ;;
  sed)
    if ! { [ $# = 3 ] && [ "$1" = -i ] && [ "$2" = 's/^AUTO=.*/AUTO="true"/' ] && [ "$3" = /etc/default/ipvsadm ]; }; then refuse "sed $*"; fi
    exec sed "$@" ;;
  systemctl)
    case "$*" in
      daemon-reload|"enable lvs-panel-vip.service"|"disable lvs-panel-vip.service"|"enable lvs-panel-ipvsadm.service"|"enable ipvsadm"|"enable lvs-panel-director-vip.service"|"disable lvs-panel-director-vip.service") exec systemctl "$@" ;;
      "enable keepalived"|"disable keepalived"|"start keepalived"|"stop keepalived"|"reload keepalived"|"restart keepalived"|"is-active keepalived") exec systemctl "$@" ;;
      *) refuse "systemctl $*" ;;
    esac ;;
  env)
    [ "$*" = "DEBIAN_FRONTEND=noninteractive apt-get install -y ipvsadm" ] || refuse "env $*"
    exec env DEBIAN_FRONTEND=noninteractive apt-get install -y ipvsadm ;;
  dnf|yum) [ "$*" = "install -y ipvsadm" ] || refuse "$op $*"; exec "$op" install -y ipvsadm ;;
  keepalived-conf|ha-track|keepalived-json) ha_op "$op" "$@" ;;
  *) refuse "$op" ;;
esac
`.replaceAll("\\${", "${");

/**
 * The install script (POSIX sh, run as root: directly, or through the sudo the user has today):
 * writes the helper (0755 root) and the one sudoers line, checked with `visudo -c` before it is used.
 */
export function helperInstallScript(user: string): string {
  const line = helperSudoersLine(user);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    "set -eu",
    "umask 022",
    `H=${q(HELPER_PATH)} S=${q(HELPER_SUDOERS)}`,
    'mkdir -p "$(dirname "$H")" /etc/sudoers.d',
    "# shellcheck disable=SC2016",
    `printf '%s' ${q(HELPER)} > "$H.new"`,
    'chown root:root "$H.new" && chmod 0755 "$H.new" && mv -f "$H.new" "$H"',
    `printf '%s\\n' ${q(`# LVS Panel: the SSH user may run the panel's helper as root, nothing else`)} ${q(line)} > "$S.new"`,
    'chmod 0440 "$S.new"',
    'if command -v visudo >/dev/null 2>&1; then visudo -cf "$S.new" >/dev/null || { rm -f "$S.new"; echo "visudo refused the sudoers line" >&2; exit 3; }; fi',
    'mv -f "$S.new" "$S"',
    'echo "installed $H and $S"',
    "",
  ].join("\n");
}

/**
 * Installs the helper and its sudoers line for `user` on the target: as root when the target logs in
 * as root, else through the sudo that user has today (`sudo -n sh -c …`, e.g. the old broad sudoers
 * lines, which can then be removed). Once; idempotent.
 */
export async function installSudoHelper(pool: SshPool, target: SshTarget, user: string = target.username): Promise<{ output: string }> {
  const script = helperInstallScript(user); // refused before anything is sent
  const argv = target.username === "root" ? ["sh", "-c", script] : ["sudo", "-n", "sh", "-c", script];
  const r = await pool.exec(target, argv, { okExitCodes: "any" });
  if (r.exitCode !== 0) throw new SshError(/sudo: /.test(r.stderr) ? "permission-denied" : "command-failed", `installing the sudo helper failed: ${r.stderr.trim().split("\n")[0] || `exit ${r.exitCode}`}`, { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
  return { output: r.stdout.trim() };
}
