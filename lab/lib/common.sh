# lab/lib/common.sh - constants, address plan, logging, state and the safety checks.
# Sourced by lab/lab.sh; every other lib/*.sh relies on the names defined here.

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${LVSP_LAB_CACHE:-$LAB_ROOT/.cache}   # kernel .deb, extracted kernel, initramfs base, ssh keys (kept by `down`)
RUN=${LVSP_LAB_RUN:-/run/lvsp-lab}          # runtime state (removed by `down`)
LOCK=/run/lvsp-lab.lock

# ---------------------------------------------------------------- names (prefix lvsp-, see README)
NS_SW=lvsp-sw          # holds the two bridges and the director's tap; no addresses
NS_ROUTER=lvsp-router
NS_CLIENT=lvsp-client
NS_SORRY=lvsp-sorry
ns_of() { echo "lvsp-$1"; }   # rs1 -> lvsp-rs1
MGMT_IF=lvsp0          # the only lab link in the root namespace
BR_SRV=br-srv BR_CLI=br-cli TAP=tap-dir   # these live inside $NS_SW only

# ---------------------------------------------------------------- address plan (10.78.0.0/16, fd78::/48)
LAB_NET4=10.78.0.0/16 LAB_NET6=fd78::/48
SRV_NET4=10.78.0.0/24 SRV_NET6=fd78::/64           # server subnet (director, rs*, sorry, router leg, management)
CLI_NET4=10.78.1.0/24 CLI_NET6=fd78:0:0:1::/64     # client subnet (client, router leg)
VIPNET4=10.78.2.0/24  VIPNET6=fd78:0:0:2::/64      # multi-subnet layout: VIP net, held by the router on the server wire
MGMT_IP=10.78.0.1                                   # root namespace end of the management veth (IPv4 only)
DIR_IP=10.78.0.2   DIR_IP6=fd78::2   DIR_MAC=52:54:00:78:00:02
DIR2_IP=10.78.0.3  DIR2_IP6=fd78::3  DIR2_MAC=52:54:00:78:00:03   # `up --directors 2`
SORRY_IP=10.78.0.9 SORRY_IP6=fd78::9 SORRY_MAC=02:78:00:00:00:09
RTR_SRV_IP=10.78.0.254 RTR_SRV_IP6=fd78::254 RTR_SRV_MAC=02:78:00:00:00:fe
RTR_CLI_IP=10.78.1.1   RTR_CLI_IP6=fd78:0:0:1::1 RTR_CLI_MAC=02:78:00:00:01:01
RTR_VIP_IP=10.78.2.1   RTR_VIP_IP6=fd78:0:0:2::1
CLIENT_IP=10.78.1.50   CLIENT_IP6=fd78:0:0:1::50 CLIENT_MAC=02:78:00:00:01:50
VIP_SINGLE=10.78.0.100 VIP6_SINGLE=fd78::100
VIP_MULTI=10.78.2.100  VIP6_MULTI=fd78:0:0:2::100
RS_MAX=80
rs_ip()  { echo "10.78.0.$((10 + ${1#rs}))"; }     # rs1 -> 10.78.0.11
rs_ip6() { echo "fd78::$((10 + ${1#rs}))"; }
rs_mac() { printf '02:78:00:00:00:%02x\n' "$((10 + ${1#rs}))"; }

# ---------------------------------------------------------------- VM settings (lib/vm.sh)
# debian (default): the Debian 12 image (systemd, dash, Debian's ipvsadm); initramfs: the RAM-only fallback
DIRECTOR_KIND_WANT=${LVSP_LAB_DIRECTOR:-debian}
case $DIRECTOR_KIND_WANT in debian|initramfs) ;; *) echo "LVSP_LAB_DIRECTOR must be debian or initramfs" >&2; exit 2;; esac
ACCEL=${LVSP_LAB_ACCEL:-auto}          # auto|tcg|kvm|try-kvm (auto = tcg unless real vmx/svm)
VM_MEM=${LVSP_LAB_VM_MEM:-256}
TCG_TB_MB=${LVSP_LAB_TCG_TB_MB:-64}
BOOT_TIMEOUT=${LVSP_LAB_BOOT_TIMEOUT:-240}
KVM_TIMEOUT=${LVSP_LAB_KVM_TIMEOUT:-60}
KFLAVOUR=${LVSP_LAB_KERNEL_FLAVOUR:-cloud-amd64}

APT_PKGS="qemu-system-x86 qemu-utils mmdebstrap e2fsprogs busybox-static ipvsadm openssh-server openssh-client kmod cpio iproute2 curl procps util-linux rsync sudo"

# ---------------------------------------------------------------- helpers
log() { printf '[lab %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
ns_exists() { [ -e "/run/netns/$1" ]; }
pid_alive() {  # running and not a zombie (orphans may be reaped late by PID 1 here)
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}
kill_pid() {  # kill_pid PID: TERM, wait up to 5 s, KILL. Only ever called with PIDs the lab recorded.
  local p=$1 i
  pid_alive "$p" || return 0
  kill "$p" 2>/dev/null || true
  for i in $(seq 50); do pid_alive "$p" || return 0; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
}
# Pid files hold "PID STARTTIME" (field 22 of /proc/PID/stat): a PID is only trusted (and killed)
# while it still names the process the lab started, never a later process that reused the number.
proc_start() { awk '{sub(/^.*\) /, ""); print $20}' "/proc/$1/stat" 2>/dev/null; }
record_pid() { echo "$2 $(proc_start "$2")" > "$1"; }   # record_pid FILE PID
pidfile_pid() {  # pidfile_pid FILE -> PID if it is still the recorded process (zombies included)
  local p st
  [ -f "$1" ] && read -r p st < "$1" || return 0
  [ -n "$p" ] && [ -n "$st" ] && [ "$(proc_start "$p")" = "$st" ] && echo "$p"
  return 0
}
kill_pidfile() { kill_pid "$(pidfile_pid "$1")"; rm -f "$1"; }

# ---------------------------------------------------------------- state (what the running lab was started with)
# $RUN/state: RS_COUNT=N, LAYOUT=single|multi, DIRECTORS=1|2, RS_VM=0|1 (rs1 is a VM), DIRECTOR_KIND
state_load() {
  RS_COUNT=2 LAYOUT=single DIRECTORS=1 RS_VM=0 DIRECTOR_KIND=$DIRECTOR_KIND_WANT
  [ -f "$RUN/state" ] && . "$RUN/state"
  RS_NAMES=$(seq -f 'rs%g' 1 "$RS_COUNT" | tr '\n' ' ')
  NS_RS_NAMES=$RS_NAMES   # the real servers that are namespaces (rs1 is a VM with RS_VM=1)
  [ "$RS_VM" = 1 ] && NS_RS_NAMES=${RS_NAMES#rs1 }
  DIRECTOR_NAMES=director; [ "$DIRECTORS" = 2 ] && DIRECTOR_NAMES="director director2"
  return 0
}
state_save() {
  mkdir -p "$RUN"
  printf 'RS_COUNT=%d\nLAYOUT=%s\nDIRECTORS=%d\nRS_VM=%d\nDIRECTOR_KIND=%s\n' "$RS_COUNT" "$LAYOUT" "$DIRECTORS" "$RS_VM" "$DIRECTOR_KIND" > "$RUN/state"
}
current_vip()  { [ "$LAYOUT" = multi ] && echo "$VIP_MULTI"  || echo "$VIP_SINGLE"; }
current_vip6() { [ "$LAYOUT" = multi ] && echo "$VIP6_MULTI" || echo "$VIP6_SINGLE"; }

host_ip() {  # host_ip NAME -> IPv4 address of a lab host
  case $1 in
    director) echo "$DIR_IP";; director2) echo "$DIR2_IP";; sorry) echo "$SORRY_IP";; router) echo "$RTR_SRV_IP";; client) echo "$CLIENT_IP";;
    rs[0-9]*) [[ $1 =~ ^rs[1-9][0-9]*$ ]] && [ "${1#rs}" -le "$RS_MAX" ] && rs_ip "$1" || return 1;;
    *) return 1;;
  esac
}
ssh_hosts() { echo "$DIRECTOR_NAMES $RS_NAMES sorry"; }   # hosts with sshd

# ---------------------------------------------------------------- safety
# Every dial from the root namespace to a lab address must leave through the management veth.
# After `down` the unreachable routes make `ip route get` fail, so nothing is ever sent to the uplink.
assert_lab_route() {
  local ip=$1 r
  r=$(ip route get "$ip" 2>&1 || true)
  if [[ $r == *" dev $MGMT_IF "* || $r == *" dev $MGMT_IF" ]]; then return 0; fi
  log "route to $ip does not go through $MGMT_IF (${r%%$'\n'*}); refusing to connect (is the lab up?)"
  return 1
}
# The same for a dial from inside a lab namespace: the route must use that namespace's own lab link.
assert_ns_route() {  # assert_ns_route NS ADDR
  local ns=$1 ip=$2 r
  ns_exists "$ns" || { log "namespace $ns does not exist; refusing (is the lab up?)"; return 1; }
  r=$(nsx "$ns" ip route get "$ip" 2>&1 || true)
  if [[ $r =~ \ dev\ (eth0|eth1|lo)( |$) ]]; then return 0; fi
  log "route to $ip in $ns is not a lab route (${r%%$'\n'*}); refusing"
  return 1
}
# Unreachable routes for the lab prefixes in the root namespace. Added by up/deps, kept by down.
ensure_unreachable_routes() {
  ip -4 route show type unreachable "$LAB_NET4" | grep -q . || ip -4 route add unreachable "$LAB_NET4" metric 4000
  if [ -e /proc/sys/net/ipv6 ]; then
    ip -6 route show type unreachable "$LAB_NET6" | grep -q . || ip -6 route add unreachable "$LAB_NET6" metric 4000 2>/dev/null || true
  fi
}

# ---------------------------------------------------------------- shared use (tests of several packages)
# /run/lvsp-lab-use.lock/owner = "PID description", taken by acquireLab() in lab/env.ts for the
# duration of a test file. While a live process that is not one of our ancestors holds it, commands
# that use the lab wait (up to LVSP_LAB_WAIT seconds, default 600), so two test runs on the same
# machine do not interleave their ipvsadm/reset/curl on the one director.
USE_LOCK=/run/lvsp-lab-use.lock
use_gate() {
  local owner p t0 warned=""
  t0=$(now)
  while :; do
    owner=$(cut -d' ' -f1 "$USE_LOCK/owner" 2>/dev/null || true)
    [ -n "$owner" ] && pid_alive "$owner" || return 0
    p=$$
    while [ -n "$p" ] && [ "$p" -gt 1 ]; do
      [ "$p" = "$owner" ] && return 0
      p=$(awk '/^PPid:/{print $2}' "/proc/$p/status" 2>/dev/null)
    done
    [ -n "$warned" ] || { log "the lab is in use by $(cat "$USE_LOCK/owner" 2>/dev/null); waiting"; warned=1; }
    [ "$(since "$t0" | cut -d. -f1)" -lt "${LVSP_LAB_WAIT:-600}" ] || die "the lab is still in use by pid $owner ($USE_LOCK)"
    sleep 0.5
  done
}
