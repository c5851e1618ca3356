# lab/lib/commands.sh - up, down, status, reset, layout, http/sshd switches.

lab_net_up() {  # wires + namespace hosts exist and their recorded processes are alive (cheap; no SSH)
  local h
  [ -f "$RUN/state" ] || return 1
  for h in "$NS_SW" "$NS_ROUTER" "$NS_CLIENT"; do ns_exists "$h" || return 1; done
  ip link show "$MGMT_IF" >/dev/null 2>&1 || return 1
  for h in $NS_RS_NAMES sorry; do
    ns_exists "$(ns_of "$h")" || return 1
    pid_alive "$(pidfile_pid "$RUN/hosts/$h/holder.pid")" || return 1
  done
}
lab_is_up() {  # ... and every VM's qemu is alive
  local n
  lab_net_up || return 1
  for n in $(vm_names); do vm_alive "$n" || return 1; done
}

wait_hosts_ssh() {  # every namespace host's sshd + httpd listening, then one SSH login each (parallel)
  local h pids="" bad=0
  for h in "$@"; do daemon_wait "$h" sshd && daemon_wait "$h" http || return 1; done
  for h in "$@"; do labssh "$h" true & pids="$pids $!"; done
  for h in $pids; do wait "$h" || bad=1; done
  [ $bad = 0 ] || { log "SSH login to a namespace host failed (see $RUN/hosts/*/sshd.log)"; return 1; }
}

parse_up_args() {
  WANT_RS=2 WANT_LAYOUT=single WANT_DIRECTORS=1 WANT_RS_VM=0
  while [ $# -gt 0 ]; do
    case $1 in
      --rs) WANT_RS=${2:?--rs N}; shift;;
      --rs=*) WANT_RS=${1#--rs=};;
      --directors) WANT_DIRECTORS=${2:?--directors 1|2}; shift;;
      --directors=*) WANT_DIRECTORS=${1#--directors=};;
      --rs-vm) WANT_RS_VM=${2:?--rs-vm 0|1}; shift;;
      --rs-vm=*) WANT_RS_VM=${1#--rs-vm=};;
      --multi-subnet) WANT_LAYOUT=multi;;
      --single-subnet) WANT_LAYOUT=single;;
      *) die "up: unknown argument $1";;
    esac; shift
  done
  [[ $WANT_RS =~ ^[0-9]+$ ]] && [ "$WANT_RS" -ge 1 ] && [ "$WANT_RS" -le "$RS_MAX" ] || die "--rs must be 1..$RS_MAX"
  [[ $WANT_DIRECTORS =~ ^[12]$ ]] || die "--directors must be 1 or 2"
  [[ $WANT_RS_VM =~ ^[01]$ ]] || die "--rs-vm must be 0 or 1 (rs1 as a VM)"
}

vm_tap_up() {  # vm_tap_up NAME: its tap on the server bridge (in lvsp-sw)
  local t; t=$(vm_tap "$1")
  nsx "$NS_SW" ip link show "$t" >/dev/null 2>&1 && return 0
  nsx "$NS_SW" sh -c "ip tuntap add dev $t mode tap && ip link set $t master $BR_SRV up"
}
vm_remove() {  # vm_remove NAME: stop it, forget its disk, drop its tap
  vm_stop "$1"; rm -rf "$(vm_dir "$1")"
  nsx "$NS_SW" ip link del "$(vm_tap "$1")" 2>/dev/null || true
}
vm_push_keys() {  # a running Debian VM gets the new authorized_keys (root and the sudo user)
  local n=$1
  if [ "$(vm_kind "$n")" = debian ]; then
    labssh "$n" "cat > /root/.ssh/authorized_keys && install -m 600 -o $VM_UID -g $VM_UID /root/.ssh/authorized_keys /home/$VM_USER/.ssh/authorized_keys" < "$CACHE/ssh/authorized_keys"
  else
    labssh "$n" 'cat > /root/.ssh/authorized_keys' < "$CACHE/ssh/authorized_keys"
  fi
}
directors_check() {  # ipvsadm works on every director
  local n
  for n in $DIRECTOR_NAMES; do labssh "$n" 'ipvsadm -Ln >/dev/null' || die "ipvsadm does not work on $n"; done
}

# `up` is declarative: it converges to "lab with N real servers in LAYOUT, 1 or 2 directors, rs1 a
# VM or not" (defaults: 2, single, 1, no). A lab whose wires and namespace hosts are healthy is
# adjusted in place (hosts added/removed, layout, keys; a VM that is down, e.g. after `lab crash`, is
# powered on again from its disk); anything else is torn down and started from scratch.
cmd_up() {
  local T0 t h n old_keys old_names old_rs_vm old_vms added="" boot=""
  T0=$(now); parse_up_args "$@"
  ensure_unreachable_routes
  # a director that is powered off (lab crash) is booted from its disk below; one that runs but does not
  # answer SSH is not healthy
  if lab_net_up && [ "$DIRECTOR_KIND" = "$DIRECTOR_KIND_WANT" ] && { ! vm_alive director || labssh director true 2>/dev/null; }; then
    old_keys=$(cat "$CACHE/ssh/authorized_keys" 2>/dev/null || true)
    old_names=$NS_RS_NAMES old_rs_vm=$RS_VM old_vms=$(vm_names | tr '\n' ' ')
    RS_COUNT=$WANT_RS LAYOUT=$WANT_LAYOUT DIRECTORS=$WANT_DIRECTORS RS_VM=$WANT_RS_VM; state_save; state_load
    ensure_ssh_keys
    for n in $old_vms; do is_vm "$n" || { vm_remove "$n"; log "removed VM $n"; }; done
    for h in $old_names; do [[ " $NS_RS_NAMES " == *" $h "* ]] || { host_down "$h"; log "removed $h"; }; done
    for h in $NS_RS_NAMES; do [ -d "$RUN/hosts/$h" ] || { [ "$RS_COUNT" -ge 1 ] && etc_template; host_up "$h"; added="$added $h"; }; done
    [ -z "$added" ] || { wait_hosts_ssh $added || die "new real servers did not come up"; log "added$added"; }
    if [ "$old_keys" != "$(cat "$CACHE/ssh/authorized_keys")" ]; then
      for h in $NS_RS_NAMES sorry; do host_keys_install "$h"; done
      for n in $(vm_names); do vm_alive "$n" && vm_push_keys "$n"; done
      log "authorized_keys updated"
    fi
    for n in $(vm_names); do vm_alive "$n" || boot="$boot $n"; done
    if [ -n "$boot" ]; then
      t=$(now); ensure_kernel
      for n in $boot; do vm_tap_up "$n"; done
      # shellcheck disable=SC2086
      vms_start_bg $boot; vms_wait_bg || die "VM(s)$boot did not come up (see $RUN/vms/*/console.log)"
      log "booted$boot ($(since "$t")s)"
    fi
    for h in $NS_RS_NAMES sorry; do daemon_start "$h" sshd; daemon_start "$h" http; done
    layout_apply "$LAYOUT"
    directors_check
    log "lab up ($RS_COUNT real servers, $LAYOUT subnet, $(vm_names | tr '\n' ' ')as VMs) in $(since "$T0")s"
    return 0
  fi
  cmd_down >/dev/null 2>&1 || true
  RS_COUNT=$WANT_RS LAYOUT=$WANT_LAYOUT DIRECTORS=$WANT_DIRECTORS RS_VM=$WANT_RS_VM DIRECTOR_KIND=$DIRECTOR_KIND_WANT
  state_save; state_load
  t=$(now); ensure_deps; ensure_kernel; ensure_ssh_keys; log "deps, kernel $KV, keys ($(since "$t")s)"
  check_prefix_free
  t=$(now); net_up; for n in $(vm_names); do vm_tap_up "$n"; done; log "switch, router, client, management veth ($(since "$t")s)"
  t=$(now)
  # shellcheck disable=SC2046
  vms_start_bg $(vm_names); log "VM disks and seeds ready ($(since "$t")s); booting $(vm_names | tr '\n' ' ')"
  t=$(now); etc_template
  for h in $NS_RS_NAMES sorry; do host_up "$h"; done
  wait_hosts_ssh $NS_RS_NAMES sorry || die "namespace hosts did not come up"
  log "namespace hosts $NS_RS_NAMES sorry up ($(since "$t")s)"
  layout_apply "$LAYOUT"
  vms_wait_bg || die "a VM did not come up (see $RUN/vms/*/console.log)"
  lab_is_up || die "the lab is not complete"
  directors_check
  log "lab up ($RS_COUNT real servers, $LAYOUT subnet, $(vm_names | tr '\n' ' ')as VMs) in $(since "$T0")s"
}

cmd_down() {
  local h p ns t0 n; t0=$(now)
  for n in $(ls "$RUN/vms" 2>/dev/null); do vm_stop "$n"; done
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
    for n in $(ls "$RUN/vms" 2>/dev/null); do
      [ -f "$RUN/vms/$n/console.log" ] && cp "$RUN/vms/$n/console.log" "$CACHE/logs/last-$n-console.log"
    done
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
#  directors: ipvsadm -C, sync daemons stopped, every address but the DIP removed from eth0 and lo,
#            default routes back; on a Debian director also what the panel persisted (the rules file,
#            /etc/default/ipvsadm as Debian ships it, the panel's units), keepalived stopped;
#  real servers + sorry: addresses on lo removed, ARP sysctls 0, default route back, /etc restored
#            from the template (an rs VM: the panel's sysctl.d file and units removed), access log
#            emptied, sshd/httpd running;
#  router + client: neighbour caches flushed.
# What the panel may have left on a Debian VM (lib/director, lib/realserver), removed by reset
VM_PANEL_FILES="/etc/sysctl.d/90-lvs-panel.conf /etc/ipvsadm.rules /etc/lvs-panel/ipvsadm.rules"
VM_PANEL_UNITS="lvs-panel-vip.service lvs-panel-director-vip.service lvs-panel-ipvsadm.service"
vm_reset_panel_files() {  # the sh snippet (run as root on a Debian VM)
  cat <<S
if [ -d /run/systemd/system ]; then
  r=
  for u in $VM_PANEL_UNITS; do
    if [ -e /etc/systemd/system/\$u ]; then systemctl disable \$u >/dev/null 2>&1; rm -f /etc/systemd/system/\$u; r=1; fi
  done
  rm -f $VM_PANEL_FILES
  [ -z "\$r" ] || systemctl daemon-reload
  [ -f /usr/local/lib/lvsp-lab/default-ipvsadm ] && cp /usr/local/lib/lvsp-lab/default-ipvsadm /etc/default/ipvsadm
  ! systemctl -q is-active keepalived || systemctl stop keepalived
fi
S
}
cmd_reset() {
  local h n ip ip6 pids="" bad=0
  lab_is_up || die "lab is not up"
  for n in $DIRECTOR_NAMES; do
    ip=$(host_ip "$n") ip6=$(vm_ip6 "$n")
    labssh "$n" "$(vm_reset_panel_files)
    ipvsadm -C; ipvsadm --stop-daemon master 2>/dev/null; ipvsadm --stop-daemon backup 2>/dev/null
    ip -4 addr show dev eth0 | awk '/inet /{print \$2}' | grep -vx '$ip/24' | xargs -r -n1 ip addr del dev eth0
    ip -6 addr show dev eth0 scope global | awk '/inet6 /{print \$2}' | grep -vx '$ip6/64' | xargs -r -n1 ip -6 addr del dev eth0
    ip -4 addr show dev lo | awk '/inet /{print \$2}' | grep -vx 127.0.0.1/8 | xargs -r -n1 ip addr del dev lo
    ip route replace default via $RTR_SRV_IP; ip -6 route replace default via $RTR_SRV_IP6 2>/dev/null
    sysctl -qw net.ipv4.conf.all.rp_filter=0
    ip neigh flush dev eth0; true" & pids="$pids $!"
  done
  # the address/sysctl part of a real server, for a namespace host and an rs VM alike
  local rs_sh="
        ip -4 addr show dev lo | awk '/inet /{print \$2}' | grep -vx 127.0.0.1/8 | xargs -r -n1 ip addr del dev lo
        ip -6 addr show dev lo | awk '/inet6 /{print \$2}' | grep -vx ::1/128 | xargs -r -n1 ip -6 addr del dev lo
        for i in all default lo eth0; do sysctl -qw net.ipv4.conf.\$i.arp_ignore=0 net.ipv4.conf.\$i.arp_announce=0; done
        ip route replace default via $RTR_SRV_IP; ip -6 route replace default via $RTR_SRV_IP6 2>/dev/null
        ip neigh flush dev eth0; true"
  [ "$RS_VM" = 1 ] && { labssh rs1 "$(vm_reset_panel_files)
    : > /var/log/httpd/access.log; systemctl start lvsp-httpd; $rs_sh" & pids="$pids $!"; }
  for h in $NS_RS_NAMES sorry; do
    (
      daemon_start "$h" http; daemon_start "$h" sshd
      host_etc "$h"; : > "$RUN/hosts/$h/log/httpd/access.log"
      in_view "$h" sh -c "$rs_sh"
    ) & pids="$pids $!"
  done
  for h in $pids; do wait "$h" || bad=1; done
  for h in "$NS_ROUTER" "$NS_CLIENT"; do nsx "$h" ip neigh flush all; done
  for h in $NS_RS_NAMES sorry; do daemon_wait "$h" http && daemon_wait "$h" sshd || bad=1; done
  [ $bad = 0 ] || die "reset failed on some host"
  log "reset done"
}

cmd_daemon() {  # http|sshd NAME start|stop|status
  local what=$1 n=${2:-} act=${3:-status} p
  [ "$what" = sshd ] || what=http
  if [ -n "$n" ] && is_vm "$n" && [[ $n == rs* ]]; then   # an rs VM: its systemd units
    [ "$what" = http ] || die "lab sshd $n: $n is a VM; stopping its sshd would cut the lab off it (use lab crash/reboot)"
    case $act in
      start|stop) labssh "$n" "systemctl $act lvsp-httpd" && log "$n $1: $act done";;
      status) if labssh "$n" 'systemctl -q is-active lvsp-httpd'; then echo "$n $1 running"; else echo "$n $1 stopped"; return 3; fi;;
      *) die "usage: lab $1 $n start|stop|status";;
    esac
    return
  fi
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
  local h p json=${1:-} rss total=0 first=1 n
  if [ "$json" = --json ]; then
    printf '{"up":%s,"layout":"%s","rsCount":%d,"directors":%d,"rsVm":%s,"directorKind":"%s","namespaces":[' "$(lab_is_up && echo true || echo false)" "$LAYOUT" "$RS_COUNT" "$DIRECTORS" "$([ "$RS_VM" = 1 ] && echo true || echo false)" "$DIRECTOR_KIND"
    for h in $(lab_namespaces); do [ $first = 1 ] || printf ','; first=0; printf '"%s"' "$h"; done
    printf '],"managementLink":%s,"processes":[' "$(ip link show "$MGMT_IF" >/dev/null 2>&1 && echo true || echo false)"
    first=1
    for p in "$RUN"/vms/*/qemu.pid "$RUN"/hosts/*/*.pid; do
      [ -f "$p" ] || continue
      h=${p#"$RUN"/}; h=${h#hosts/}; h=${h#vms/}; h=${h%.pid}
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
  for n in $(vm_names); do
    p=$(vm_pid "$n")
    if pid_alive "$p"; then
      rss=$(ps -o rss= -p "$p" | tr -d ' '); total=$((total + rss))
      echo "$n: $(vm_kind "$n") VM, qemu pid $p ($(cat "$(vm_dir "$n")/accel")), rss $((rss / 1024)) MiB"
    else echo "$n: VM down"; fi
  done
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
