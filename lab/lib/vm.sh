# lab/lib/vm.sh - the lab's qemu VMs: director (and director2) and, with `up --rs-vm 1`, rs1.
#
# Two kinds of director (LVSP_LAB_DIRECTOR): `debian` (default) boots the Debian 12 image of
# lib/image.sh: systemd PID 1, dash, Debian's ipvsadm package, a sudo user `lvs`; `initramfs` is the
# RAM-only busybox director of lib/director.sh (fast; nothing survives a reboot). An rs VM is always
# Debian. Each Debian VM runs from its own qcow2 overlay ($RUN/vms/NAME/disk.qcow2, backing file =
# the cached image): its changes survive `lab reboot` until `down`. Per-VM settings (host name,
# addresses, host keys, authorized keys, the panel's sudo helper for `lvs`) are in a seed disk (a tar
# archive on /dev/vdb) that lvsp-seed.service unpacks at every boot.

VM_USER=lvs VM_UID=4079
DEBIAN_MEM=${LVSP_LAB_DEBIAN_MEM:-512}

vm_dir() { echo "$RUN/vms/$1"; }
vm_names() {  # the VMs this lab runs
  echo director
  [ "$DIRECTORS" = 2 ] && echo director2
  [ "$RS_VM" = 1 ] && echo rs1
  return 0
}
is_vm() { case " $(vm_names | tr '\n' ' ') " in *" $1 "*) return 0;; esac; return 1; }
vm_kind() {  # debian|initramfs
  case $1 in director|director2) echo "$DIRECTOR_KIND";; *) echo debian;; esac
}
vm_tap() { case $1 in director) echo "$TAP";; director2) echo tap-dir2;; *) echo "tap-$1";; esac; }
vm_mac() { case $1 in director) echo "$DIR_MAC";; director2) echo "$DIR2_MAC";; *) rs_mac "$1";; esac; }
vm_ip6() { case $1 in director) echo "$DIR_IP6";; director2) echo "$DIR2_IP6";; *) rs_ip6 "$1";; esac; }
vm_pid() { pidfile_pid "$(vm_dir "$1")/qemu.pid"; }
vm_alive() { pid_alive "$(vm_pid "$1")"; }

helper_install_script() {  # the panel's sudo helper for `lvs` (lib/ssh/helper.ts), once per `up`
  local f=$RUN/helper-install.sh
  [ -s "$f" ] && { cat "$f"; return; }
  (cd "$LAB_ROOT/.." && node --import tsx -e 'import("./lib/ssh/helper.ts").then((m) => process.stdout.write(m.helperInstallScript(process.argv[1])))' "$VM_USER") > "$f.tmp" &&
    [ -s "$f.tmp" ] || die "could not generate the sudo helper's install script (node, lib/ssh/helper.ts)"
  mv "$f.tmp" "$f"; cat "$f"
}

vm_seed() {  # vm_seed NAME: the seed archive of a Debian VM
  local n=$1 d S ip
  d=$(vm_dir "$n"); S=$d/seed; ip=$(host_ip "$n")
  rm -rf "$S"; mkdir -p "$S"/etc/ssh "$S"/etc/network/interfaces.d "$S"/root/.ssh "$S/home/$VM_USER/.ssh" "$S"/usr/local/lib/lvsp-lab
  chmod 755 "$S" "$S"/etc "$S"/home "$S/home/$VM_USER" "$S"/usr "$S"/usr/local "$S"/usr/local/lib "$S"/usr/local/lib/lvsp-lab
  chmod 700 "$S"/root "$S"/root/.ssh "$S/home/$VM_USER/.ssh"
  echo "$n" > "$S/etc/hostname"
  hosts_file "$n" > "$S/etc/hosts"
  cp "$CACHE/ssh/host-$n"/ssh_host_* "$S/etc/ssh/"; chmod 600 "$S"/etc/ssh/ssh_host_*_key; chmod 644 "$S"/etc/ssh/ssh_host_*_key.pub
  install -m 600 "$CACHE/ssh/authorized_keys" "$S/root/.ssh/authorized_keys"
  install -m 600 "$CACHE/ssh/authorized_keys" "$S/home/$VM_USER/.ssh/authorized_keys"
  cat > "$S/etc/network/interfaces.d/eth0" <<N
# written by the LVS Panel lab (seed)
auto eth0
iface eth0 inet static
    address $ip/24
    gateway $RTR_SRV_IP
iface eth0 inet6 static
    address $(vm_ip6 "$n")/64
    gateway $RTR_SRV_IP6
    dad-attempts 0
    accept_ra 0
N
  helper_install_script > "$S/usr/local/lib/lvsp-lab/helper-install.sh"; chmod 755 "$S/usr/local/lib/lvsp-lab/helper-install.sh"
  if [[ $n == rs* ]]; then
    mkdir -p "$S/srv/www/cgi-bin" "$S/var/log/httpd"; chmod 755 "$S/srv" "$S/srv/www" "$S/srv/www/cgi-bin" "$S/var" "$S/var/log"
    echo "$n" > "$S/srv/www/index.html"; echo ok > "$S/srv/www/health"
    printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s %%s\\n" "$(hostname)" "$REMOTE_ADDR"\n' > "$S/srv/www/cgi-bin/whoami"
    chmod 755 "$S/srv/www/cgi-bin/whoami"
  fi
  # a new file (not rewritten in place): a running qemu keeps reading the one it opened
  tar --owner=0 --group=0 --numeric-owner -C "$S" -cf "$d/seed.tar.new" . && mv "$d/seed.tar.new" "$d/seed.tar"
}

vm_prepare() {  # vm_prepare NAME: overlay (kept if it exists: a crashed VM powers on with its disk) + seed
  local n=$1 d; d=$(vm_dir "$n"); mkdir -p "$d"
  if [ "$(vm_kind "$n")" = initramfs ]; then build_initramfs "$n"; return; fi
  local img; img=$(image_dir)
  [ -s "$img/disk.qcow2" ] || build_image
  [ -f "$d/disk.qcow2" ] || qemu-img create -q -f qcow2 -b "$img/disk.qcow2" -F qcow2 "$d/disk.qcow2"
  vm_seed "$n"
}

vm_start() {  # vm_start NAME kvm|tcg
  local n=$1 acc=$2 d cpu accopt i kind mem args
  d=$(vm_dir "$n"); kind=$(vm_kind "$n")
  if [ "$acc" = kvm ]; then cpu=host accopt=kvm; else cpu=max accopt=tcg,tb-size=$TCG_TB_MB; fi
  echo "$acc" > "$d/accel"; rm -f "$d/qemu.pid" "$d/qemu.qpid"; : > "$d/console.log"
  if [ "$kind" = initramfs ]; then
    mem=$VM_MEM
    args=(-no-reboot -kernel "$VMLINUZ" -initrd "$d/initrd.img"
      -append "console=ttyS0 quiet panic=-1 lab.ip=$(host_ip "$n")/24 lab.gw=$RTR_SRV_IP lab.ip6=$(vm_ip6 "$n")/64 lab.gw6=$RTR_SRV_IP6 lab.hostname=$n")
  else
    local img; img=$(image_dir); mem=$DEBIAN_MEM
    # no -no-reboot: `systemctl reboot` reboots in place; net.ifnames=0 keeps the name eth0
    args=(-kernel "$img/vmlinuz" -initrd "$img/initrd.img"
      -append "root=/dev/vda rw console=ttyS0 net.ifnames=0 panic=-1 systemd.show_status=0"
      -drive "file=$d/disk.qcow2,if=virtio,format=qcow2,cache=unsafe"
      -drive "file=$d/seed.tar,if=virtio,format=raw,readonly=on")
  fi
  # not -daemonize: it would send qemu's stderr (e.g. "KVM internal error") to /dev/null.
  # -nodefaults: no NIC but ours (no user-mode network that could reach the uplink).
  ip netns exec "$NS_SW" setsid qemu-system-x86_64 -name "lvsp-$n" \
    -machine pc -accel "$accopt" -cpu "$cpu" -m "$mem" -smp 1 \
    -nodefaults -no-user-config -display none -vga none "${args[@]}" \
    -netdev "tap,id=n0,ifname=$(vm_tap "$n"),script=no,downscript=no" \
    -device "virtio-net-pci,netdev=n0,mac=$(vm_mac "$n")" \
    -serial "file:$d/console.log" -pidfile "$d/qemu.qpid" \
    </dev/null >"$d/qemu.err" 2>&1 9>&- &
  for i in $(seq 100); do
    if [ -s "$d/qemu.qpid" ]; then record_pid "$d/qemu.pid" "$(cat "$d/qemu.qpid")"; return 0; fi
    sleep 0.05
  done
  cat "$d/qemu.err" >&2; return 1
}

vm_stop() { kill_pidfile "$(vm_dir "$1")/qemu.pid"; }

tcp_open() { timeout 0.5 bash -c "echo > /dev/tcp/$1/$2" 2>/dev/null; }

wait_vm() {  # wait_vm NAME TIMEOUT: until SSH answers
  local n=$1 to=$2 t0 ip d; t0=$(now); ip=$(host_ip "$n"); d=$(vm_dir "$n")
  assert_lab_route "$ip" || return 1
  while :; do
    if tcp_open "$ip" 22 && labssh "$n" true 2>/dev/null; then return 0; fi
    vm_alive "$n" || { log "$n: VM died"; return 1; }
    if grep -q 'internal error' "$d/qemu.err" 2>/dev/null; then log "$n: $(grep -m1 'internal error' "$d/qemu.err")"; return 1; fi
    [ "$(since "$t0" | cut -d. -f1)" -lt "$to" ] || { log "$n: no ssh after ${to}s"; return 1; }
    sleep 0.5
  done
}

vm_up() {  # vm_up NAME: boots (falls back from kvm to tcg when planned); returns when sshd answers
  local n=$1 plan acc tvm to d; d=$(vm_dir "$n")
  plan=$(accel_plan)
  for acc in $plan; do
    tvm=$(now)
    vm_start "$n" "$acc" || die "$n: qemu failed to start"
    if [ "$acc" = kvm ] && [ "$plan" != kvm ]; then to=$KVM_TIMEOUT; else to=$BOOT_TIMEOUT; fi
    if wait_vm "$n" "$to"; then log "$n ($(vm_kind "$n")) sshd up $(since "$tvm")s after qemu start ($acc)"; return 0; fi
    tail -5 "$d/qemu.err" >&2 || true; tail -15 "$d/console.log" >&2 || true
    vm_stop "$n"
  done
  die "$n: VM did not become reachable"
}

vms_start_bg() {  # vms_start_bg NAME...: boot VMs in parallel (each prepared first, in the foreground)
  local n; VM_BG=""
  for n in "$@"; do vm_prepare "$n"; done
  for n in "$@"; do ( vm_up "$n" ) 9>&- & VM_BG="$VM_BG $!"; done
}
vms_wait_bg() {
  local p bad=0
  for p in $VM_BG; do wait "$p" || bad=1; done
  VM_BG=""
  return $bad
}

boot_id() { labssh "$1" cat /proc/sys/kernel/random/boot_id 2>/dev/null; }

cmd_reboot() {  # reboot HOST: a real `systemctl reboot`; returns when SSH answers again (a new boot)
  local n=${1:-} old t0 new
  [ -n "$n" ] && is_vm "$n" && vm_alive "$n" || die "usage: lab reboot VM (running VMs: $(vm_names | tr '\n' ' '))"
  [ "$(vm_kind "$n")" = debian ] || die "$n is the RAM-only initramfs director: nothing would survive a reboot (LVSP_LAB_DIRECTOR=debian)"
  old=$(boot_id "$n") || die "$n does not answer over SSH"
  t0=$(now)
  assert_lab_route "$(host_ip "$n")" && timeout 30 ssh -F "$CACHE/ssh/config" "$n" 'systemctl reboot' >/dev/null 2>&1 || true
  while :; do
    vm_alive "$n" || die "$n: qemu exited during the reboot (see $(vm_dir "$n")/console.log)"
    new=$(tcp_open "$(host_ip "$n")" 22 && boot_id "$n" || true)
    [ -n "$new" ] && [ "$new" != "$old" ] && break
    [ "$(since "$t0" | cut -d. -f1)" -lt "$BOOT_TIMEOUT" ] || die "$n: no SSH ${BOOT_TIMEOUT}s after the reboot"
    sleep 0.5
  done
  log "$n rebooted: SSH answers $(since "$t0")s after systemctl reboot"
}

cmd_crash() {  # crash HOST: kill the VM hard (power cut); `lab up` boots it again from its overlay
  local n=${1:-}
  [ -n "$n" ] && is_vm "$n" || die "usage: lab crash VM ($(vm_names | tr '\n' ' '))"
  local p; p=$(vm_pid "$n")
  pid_alive "$p" || die "$n is not running"
  kill -9 "$p"; rm -f "$(vm_dir "$n")/qemu.pid"
  log "$n crashed (qemu pid $p killed); \`lab up\` with the same options powers it on again"
}
