#!/usr/bin/env bash
# lab/lab.sh - the LVS Panel's own LVS-DR lab. `npm run lab -- <command>`; see lab/README.md.
#
#   client --- router --- server subnet: director (qemu VM with IPVS), rs1..rsN, sorry, lvsp0 (root ns)
#
# Commands: deps | up [--rs N] [--multi-subnet] | down [--purge] | status [--json] | env [--json]
#           ssh HOST [CMD] | exec HOST CMD | curl [N] [--vip A] [--path P] [-6] | reset
#           layout single|multi | http NAME start|stop|status | sshd NAME start|stop|status | register
#           reboot VM | crash VM | image     (up also takes --directors 1|2 --rs-vm 0|1)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$LAB_ROOT/lib/deps.sh"
. "$LAB_ROOT/lib/net.sh"
. "$LAB_ROOT/lib/hosts.sh"
. "$LAB_ROOT/lib/director.sh"
. "$LAB_ROOT/lib/image.sh"
. "$LAB_ROOT/lib/vm.sh"
. "$LAB_ROOT/lib/access.sh"
. "$LAB_ROOT/lib/env.sh"
. "$LAB_ROOT/lib/commands.sh"

usage() {
  sed -n '5,8p' "$LAB_ROOT/lab.sh" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ "$(id -u)" = 0 ] || die "the lab needs root (network namespaces, qemu tap, mounts)"
cmd=${1:-}; [ $# -gt 0 ] && shift
state_load

locked() {  # serialise the commands that change the lab
  exec 9>"$LOCK"; flock 9
  state_load
}

case $cmd in
  env|status|deps|image|register|""|-h|--help|help) ;;
  *) [ -n "${LVSP_LAB_NO_WAIT:-}" ] || use_gate;;
esac

case $cmd in
  deps)   locked; ensure_deps; ensure_kernel; ensure_ssh_keys; ensure_unreachable_routes
          [ "$DIRECTOR_KIND_WANT" = initramfs ] || build_image; log "deps ready: kernel $KV";;
  image)  ensure_deps; build_image; log "image: $(image_dir)";;  # no lock: touches no namespace
  up)     locked; cmd_up "$@";;
  down)   locked; cmd_down "$@";;
  reset)  locked; cmd_reset;;
  layout) locked; cmd_layout "$@";;
  http|sshd) locked; cmd_daemon "$cmd" "$@";;
  reboot) locked; cmd_reboot "$@";;
  crash)  locked; cmd_crash "$@";;
  status) cmd_status "$@";;
  env)    cmd_env "$@";;
  ssh)    h=${1:?usage: lab ssh HOST [CMD]}; shift; labssh "$h" "$@";;
  exec)   h=${1:?usage: lab exec HOST CMD}; shift; lab_exec "$h" "$@";;
  curl)   cmd_curl "$@";;
  register) cd "$LAB_ROOT/.." && exec node --import tsx lab/register.ts;;  # DATABASE_URL, else .data/pglite
  ""|-h|--help|help) usage;;
  *) log "unknown command: $cmd"; usage;;
esac
