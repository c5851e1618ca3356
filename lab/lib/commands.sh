# lab/lib/commands.sh - up, down, status, reset, layout, http/sshd switches.

lab_is_up() {  # the pieces exist and every recorded process is alive (cheap; no SSH)
  local h
  [ -f "$RUN/state" ] || return 1
  for h in "$NS_SW" "$NS_ROUTER" "$NS_CLIENT"; do ns_exists "$h" || return 1; done
  ip link show "$MGMT_IF" >/dev/null 2>&1 || return 1
  pid_alive "$(pidfile_pid "$RUN/director/qemu.pid")" || return 1
  for h in $RS_NAMES sorry; do
    ns_exists "$(ns_of "$h")" || return 1
    pid_alive "$(pidfile_pid "$RUN/hosts/$h/holder.pid")" || return 1
  done
}

lab_healthy() {  # lab_is_up + director answers over SSH and ipvsadm works
  lab_is_up || return 1
  labssh director 'ipvsadm -Ln >/dev/null' 2>/dev/null
}

wait_hosts_ssh() {  # every namespace host's sshd + httpd listening, then one SSH login each (parallel)
  local h pids="" bad=0
  for h in "$@"; do daemon_wait "$h" sshd && daemon_wait "$h" http || return 1; done
  for h in "$@"; do labssh "$h" true & pids="$pids $!"; done
  for h in $pids; do wait "$h" || bad=1; done
  [ $bad = 0 ] || { log "SSH login to a namespace host failed (see $RUN/hosts/*/sshd.log)"; return 1; }
}

parse_up_args() {
  WANT_RS=2 WANT_LAYOUT=single
  while [ $# -gt 0 ]; do
    case $1 in
      --rs) WANT_RS=${2:?--rs N}; shift;;
      --rs=*) WANT_RS=${1#--rs=};;
      --multi-subnet) WANT_LAYOUT=multi;;
      --single-subnet) WANT_LAYOUT=single;;
      *) die "up: unknown argument $1";;
    esac; shift
  done
  [[ $WANT_RS =~ ^[0-9]+$ ]] && [ "$WANT_RS" -ge 1 ] && [ "$WANT_RS" -le "$RS_MAX" ] || die "--rs must be 1..$RS_MAX"
}

# `up` is declarative: it converges to "lab with N real servers in LAYOUT" (defaults: 2, single).
# A healthy lab is adjusted in place (real servers added/removed, layout, authorized keys);
# anything else is torn down and started from scratch.
cmd_up() {
  local T0 t h old_keys
  T0=$(now); parse_up_args "$@"
  ensure_unreachable_routes
  if lab_healthy; then
    old_keys=$(cat "$CACHE/ssh/authorized_keys" 2>/dev/null || true)
    local old_names=$RS_NAMES
    RS_COUNT=$WANT_RS LAYOUT=$WANT_LAYOUT; state_save; state_load
    ensure_ssh_keys
    for h in $old_names; do [[ " $RS_NAMES " == *" $h "* ]] || { host_down "$h"; log "removed $h"; }; done
    local added=""
    for h in $RS_NAMES; do [ -d "$RUN/hosts/$h" ] || { host_up "$h"; added="$added $h"; }; done
    [ -z "$added" ] || { wait_hosts_ssh $added || die "new real servers did not come up"; log "added$added"; }
    if [ "$old_keys" != "$(cat "$CACHE/ssh/authorized_keys")" ]; then
      for h in $RS_NAMES sorry; do host_keys_install "$h"; done
      labssh director 'cat > /root/.ssh/authorized_keys' < "$CACHE/ssh/authorized_keys"
      log "authorized_keys updated"
    fi
    for h in $RS_NAMES sorry; do daemon_start "$h" sshd; daemon_start "$h" http; done
    layout_apply "$LAYOUT"
    log "lab up ($RS_COUNT real servers, $LAYOUT subnet) in $(since "$T0")s"
    return 0
  fi
  cmd_down >/dev/null 2>&1 || true
  RS_COUNT=$WANT_RS LAYOUT=$WANT_LAYOUT; state_save; state_load
  t=$(now); ensure_deps; ensure_kernel; ensure_ssh_keys; log "deps, kernel $KV, keys ($(since "$t")s)"
  check_prefix_free
  t=$(now); build_initramfs; log "initramfs ($(since "$t")s)"
  t=$(now); net_up; log "switch, router, client, management veth ($(since "$t")s)"
  director_start_bg
  t=$(now); etc_template
  for h in $RS_NAMES sorry; do host_up "$h"; done
  wait_hosts_ssh $RS_NAMES sorry || die "namespace hosts did not come up"
  log "$RS_COUNT real servers + sorry up ($(since "$t")s)"
  layout_apply "$LAYOUT"
  wait_director_bg
  labssh director 'ipvsadm -Ln >/dev/null' || die "ipvsadm does not work on the director"
  log "lab up ($RS_COUNT real servers, $LAYOUT subnet) in $(since "$T0")s"
}

# the VM boots while the namespace hosts start; director_up runs in a subshell
director_start_bg() {
  ( director_up ) 9>&- &
  DIRECTOR_BG=$!
}
wait_director_bg() {
  wait "$DIRECTOR_BG" || true
  lab_is_up_director || die "director did not come up (see $RUN/director/console.log)"
}
lab_is_up_director() { pid_alive "$(pidfile_pid "$RUN/director/qemu.pid")" && labssh director true 2>/dev/null; }

cmd_down() {
  local h p ns t0; t0=$(now)
  vm_stop
  for h in $(ls "$RUN/hosts" 2>/dev/null); do
    daemon_stop "$h" http; daemon_stop "$h" sshd; kill_pidfile "$RUN/hosts/$h/holder.pid"
  done
  # whatever else still runs in *our* namespaces (SSH sessions, CGI, shells of `lab exec`): by PID
  for ns in $(lab_namespaces); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  done
  for ns in $(lab_namespaces); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill_pid "$p"; done
  done
  net_down
  if [ -d "$RUN" ]; then
    mkdir -p "$CACHE/logs"
    [ -f "$RUN/director/console.log" ] && cp "$RUN/director/console.log" "$CACHE/logs/last-director-console.log"
    rm -rf "$RUN"
  fi
  ensure_unreachable_routes
  [ "${1:-}" = --purge ] && rm -rf "$CACHE"
  log "lab down ($(since "$t0")s)"
}

cmd_layout() {  # layout single|multi
  local want=${1:-}
  case $want in single|multi) ;; *) die "usage: lab layout single|multi";; esac
  lab_is_up || die "lab is not up"
  LAYOUT=$want; state_save
  layout_apply "$LAYOUT"
  log "layout: $LAYOUT subnet (VIP $(current_vip))"
}

# reset: back to a freshly started lab without rebooting anything.
#  director: ipvsadm -C, sync daemons stopped, every address but the DIP removed from eth0, default
#            routes back; real servers + sorry: addresses on lo removed, ARP sysctls 0, default
#            route back, /etc restored from the template, access log emptied, sshd/httpd running;
#  router + client: neighbour caches flushed.
cmd_reset() {
  local h pids="" bad=0
  lab_is_up || die "lab is not up"
  labssh director "ipvsadm -C; ipvsadm --stop-daemon master 2>/dev/null; ipvsadm --stop-daemon backup 2>/dev/null
    ip -4 addr show dev eth0 | awk '/inet /{print \$2}' | grep -vx '$DIR_IP/24' | xargs -r -n1 ip addr del dev eth0
    ip -6 addr show dev eth0 scope global | awk '/inet6 /{print \$2}' | grep -vx '$DIR_IP6/64' | xargs -r -n1 ip -6 addr del dev eth0
    ip -4 addr show dev lo | awk '/inet /{print \$2}' | grep -vx 127.0.0.1/8 | xargs -r -n1 ip addr del dev lo
    ip route replace default via $RTR_SRV_IP; ip -6 route replace default via $RTR_SRV_IP6 2>/dev/null
    ip neigh flush dev eth0; true" & pids=$!
  for h in $RS_NAMES sorry; do
    (
      daemon_start "$h" http; daemon_start "$h" sshd
      host_etc "$h"; : > "$RUN/hosts/$h/log/httpd/access.log"
      in_view "$h" sh -c "
        ip -4 addr show dev lo | awk '/inet /{print \$2}' | grep -vx 127.0.0.1/8 | xargs -r -n1 ip addr del dev lo
        ip -6 addr show dev lo | awk '/inet6 /{print \$2}' | grep -vx ::1/128 | xargs -r -n1 ip -6 addr del dev lo
        for i in all default lo eth0; do sysctl -qw net.ipv4.conf.\$i.arp_ignore=0 net.ipv4.conf.\$i.arp_announce=0; done
        ip route replace default via $RTR_SRV_IP; ip -6 route replace default via $RTR_SRV_IP6 2>/dev/null
        ip neigh flush dev eth0; true"
    ) & pids="$pids $!"
  done
  for h in $pids; do wait "$h" || bad=1; done
  for h in "$NS_ROUTER" "$NS_CLIENT"; do nsx "$h" ip neigh flush all; done
  for h in $RS_NAMES sorry; do daemon_wait "$h" http && daemon_wait "$h" sshd || bad=1; done
  [ $bad = 0 ] || die "reset failed on some host"
  log "reset done"
}

cmd_daemon() {  # http|sshd NAME start|stop|status
  local what=$1 n=${2:-} act=${3:-status} p
  [ "$what" = sshd ] || what=http
  [ -n "$n" ] && [ -d "$RUN/hosts/$n" ] || die "usage: lab $1 rsN|sorry start|stop|status (no host '$n')"
  case $act in
    start) daemon_start "$n" "$what"; daemon_wait "$n" "$what"; log "$n $1 started";;
    stop) daemon_stop "$n" "$what"; log "$n $1 stopped";;
    status) p=$(pidfile_pid "$RUN/hosts/$n/$what.pid")
      if pid_alive "$p"; then echo "$n $1 running (pid $p)"; else echo "$n $1 stopped"; return 3; fi;;
    *) die "usage: lab $1 $n start|stop|status";;
  esac
}

cmd_status() {
  local h p json=${1:-} rss total=0 first=1
  if [ "$json" = --json ]; then
    printf '{"up":%s,"layout":"%s","rsCount":%d,"namespaces":[' "$(lab_is_up && echo true || echo false)" "$LAYOUT" "$RS_COUNT"
    for h in $(lab_namespaces); do [ $first = 1 ] || printf ','; first=0; printf '"%s"' "$h"; done
    printf '],"managementLink":%s,"processes":[' "$(ip link show "$MGMT_IF" >/dev/null 2>&1 && echo true || echo false)"
    first=1
    for p in "$RUN"/director/qemu.pid "$RUN"/hosts/*/*.pid; do
      [ -f "$p" ] || continue
      h=${p#"$RUN"/}; h=${h#hosts/}; h=${h%.pid}
      [ $first = 1 ] || printf ','; first=0
      local pid; pid=$(pidfile_pid "$p"); [ -n "$pid" ] || pid=$(cut -d' ' -f1 "$p")
      printf '{"name":"%s","pid":%d,"alive":%s,"rssKiB":%d}' "$h" "$pid" \
        "$(pid_alive "$pid" && echo true || echo false)" "$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ' || echo 0)"
    done
    printf ']}\n'
    return 0
  fi
  if ! lab_is_up; then echo "lab: down (or partly up)"; fi
  echo "layout: $LAYOUT subnet, VIP $(current_vip) / $(current_vip6), real servers: $RS_NAMES"
  for h in $(lab_namespaces); do echo "netns $h: $(ip netns pids "$h" 2>/dev/null | wc -l) processes"; done
  p=$(pidfile_pid "$RUN/director/qemu.pid")
  if pid_alive "$p"; then
    rss=$(ps -o rss= -p "$p" | tr -d ' '); total=$((total + rss))
    echo "director: qemu pid $p ($(cat "$RUN/director/accel")), rss $((rss / 1024)) MiB"
  else echo "director: down"; fi
  for h in $(ls "$RUN/hosts" 2>/dev/null); do
    local line="$h:"
    for p in holder sshd http; do
      local pid; pid=$(pidfile_pid "$RUN/hosts/$h/$p.pid")
      if pid_alive "$pid"; then rss=$(ps -o rss= -p "$pid" | tr -d ' '); total=$((total + rss)); line="$line $p=$pid"; else line="$line $p=down"; fi
    done
    echo "$line"
  done
  echo "lab processes rss total: $((total / 1024)) MiB"
}
