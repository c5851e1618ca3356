# lab/lib/director.sh - the fallback director (LVSP_LAB_DIRECTOR=initramfs): Debian's own kernel (with ip_vs modules) booted by qemu from a
# small initramfs. The initramfs is two concatenated cpio archives:
#   base    (cached in $CACHE/initramfs, rebuilt only when the kernel, the host binaries or
#            lab/initramfs/* change): busybox, kmod + the ip_vs modules, ipvsadm(-save/-restore),
#            OpenSSH sshd + sftp-server, bash, iproute2, procps sysctl, with their libraries;
#   overlay (per `up`, tiny): the stable host keys and root's authorized_keys.
# qemu itself is started by lib/vm.sh, like the Debian VMs.

copy_with_libs() {  # copy_with_libs ROOT FILE...
  local R=$1 f l; shift
  for f in "$@"; do
    mkdir -p "$R$(dirname "$f")"; cp -L "$f" "$R$f"
    ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | while read -r l; do
      [ -e "$R$l" ] || { mkdir -p "$R$(dirname "$l")"; cp -L "$l" "$R$l"; }
    done
  done
}

initramfs_key() {  # what the base archive depends on
  {
    echo "$KV"
    cat "$LAB_ROOT"/initramfs/* "$LAB_ROOT/lib/director.sh"
    dpkg-query -W busybox-static ipvsadm openssh-server openssh-sftp-server bash kmod iproute2 procps libc6 2>/dev/null
  } | sha256sum | cut -c1-16
}

build_initramfs_base() {  # -> $1 (a .cpio.gz)
  local out=$1 R m rel a
  R=$(mktemp -d "$RUN/initramfs.XXXXXX")
  mkdir -p "$R"/usr/{bin,sbin,lib,lib64} "$R"/{etc/ssh,etc/init.d,etc/sysctl.d,proc,sys,dev,run,tmp,root/.ssh,var/log,var/empty}
  ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
  ln -s ../run "$R/var/run"; ln -s /proc/mounts "$R/etc/mtab"
  chmod 1777 "$R/tmp"; chmod 700 "$R/root" "$R/root/.ssh"
  mknod -m 600 "$R/dev/console" c 5 1; mknod -m 666 "$R/dev/null" c 1 3

  cp /bin/busybox "$R/usr/bin/busybox"
  copy_with_libs "$R" /usr/sbin/ipvsadm /usr/sbin/sshd /usr/lib/openssh/sftp-server /usr/bin/bash \
    "$(readlink -f /bin/kmod)" "$(command -v ip)" "$(command -v ss)" "$(command -v sysctl)"
  cp /usr/sbin/ipvsadm-save /usr/sbin/ipvsadm-restore "$R/usr/sbin/"
  [ "$(readlink -f /bin/kmod)" = /usr/bin/kmod ] || cp -L "$(readlink -f /bin/kmod)" "$R/usr/bin/kmod"
  for a in modprobe insmod rmmod lsmod modinfo depmod; do ln -sf ../bin/kmod "$R/usr/sbin/$a"; done
  ln -sf bash "$R/usr/bin/sh"
  for a in $(/bin/busybox --list); do
    [ -e "$R/usr/bin/$a" ] || [ -e "$R/usr/sbin/$a" ] || ln -s busybox "$R/usr/bin/$a"
  done
  cp -a /lib/terminfo "$R/usr/lib/" 2>/dev/null || true
  [ -d /etc/iproute2 ] && cp -a /etc/iproute2 "$R/etc/"

  # kernel modules: virtio-net and every ip_vs* module, with their dependencies; real depmod
  local mods
  mods="virtio_pci virtio_net $(cd "$KROOT/lib/modules/$KV" && find kernel -name 'ip_vs*.ko*' -printf '%f\n' | sed 's/\.ko.*//')"
  mkdir -p "$R/lib/modules/$KV"
  for m in $mods; do
    modprobe -d "$KROOT" -S "$KV" --show-depends "$m" 2>/dev/null | awk '$1=="insmod"{print $2}'
  done | sort -u | while read -r m; do
    rel=${m#*/lib/modules/$KV/}
    mkdir -p "$R/lib/modules/$KV/$(dirname "$rel")"; cp "$m" "$R/lib/modules/$KV/$rel"
  done
  cp "$KROOT/lib/modules/$KV"/modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$KV/" 2>/dev/null || true
  depmod -b "$R" "$KV"

  cat > "$R/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/bash
sshd:x:100:65534::/run/sshd:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
P
  printf 'root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' > "$R/etc/shadow"
  chmod 640 "$R/etc/shadow"
  printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' > "$R/etc/group"
  printf '/bin/sh\n/bin/bash\n/usr/bin/bash\n' > "$R/etc/shells"
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' > "$R/etc/nsswitch.conf"
  : > "$R/etc/sysctl.conf"
  echo director > "$R/etc/hostname"
  sed -e 's/^PRETTY_NAME=.*/PRETTY_NAME="Debian GNU\/Linux 12 (bookworm) - LVS Panel lab director (initramfs)"/' /etc/os-release > "$R/etc/os-release"
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; PS1="\u@\h:\w\$ "' > "$R/etc/profile"
  cp "$R/etc/profile" "$R/root/.bashrc"
  cp "$LAB_ROOT/initramfs/sshd_config" "$R/etc/ssh/sshd_config"
  cp "$LAB_ROOT/initramfs/inittab" "$R/etc/inittab"
  install -m 755 "$LAB_ROOT/initramfs/rcS" "$R/etc/init.d/rcS"
  ln -s bin/busybox "$R/init"
  (cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
  mv "$out.tmp" "$out"
  rm -rf "$R"
}

build_initramfs() {  # build_initramfs NAME -> $(vm_dir NAME)/initrd.img
  local n=${1:-director} key base R d
  key=$(initramfs_key); d=$(vm_dir "$n")
  base=$CACHE/initramfs/base-$KV-$key.cpio.gz
  mkdir -p "$CACHE/initramfs" "$d"
  if [ ! -s "$base" ]; then
    rm -f "$CACHE"/initramfs/base-*.cpio.gz
    build_initramfs_base "$base"
    log "initramfs base built ($(du -h "$base" | cut -f1))"
  fi
  R=$d/overlay; rm -rf "$R"
  mkdir -p "$R/etc/ssh" "$R/root/.ssh"
  cp "$CACHE/ssh/host-$n"/ssh_host_* "$R/etc/ssh/"; chmod 600 "$R"/etc/ssh/ssh_host_*_key
  install -m 600 "$CACHE/ssh/authorized_keys" "$R/root/.ssh/authorized_keys"
  hosts_file "$n" > "$R/etc/hosts"
  (cd "$R" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$d/overlay.cpio.gz"
  cat "$base" "$d/overlay.cpio.gz" > "$d/initrd.img"
}

accel_plan() {  # the accelerators to try, in order
  case $ACCEL in
    tcg) echo tcg;; kvm) echo kvm;; try-kvm) echo kvm tcg;;
    auto) # /dev/kvm alone is not enough: a PVM-only KVM (no vmx/svm) cannot run a stock Debian kernel
      if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then echo kvm tcg; else echo tcg; fi;;
    *) die "LVSP_LAB_ACCEL must be auto|kvm|tcg|try-kvm";;
  esac
}

