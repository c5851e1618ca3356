# lab/lib/image.sh - the Debian 12 image the lab's VMs boot (director, director2, an rs VM).
#
# mmdebstrap builds a root filesystem from the archive this machine's apt already uses (its
# sources.list), with Debian's own kernel, systemd as PID 1, dash as /bin/sh, Debian's ipvsadm and
# keepalived packages. It is cached in $CACHE/image/debian-KEY/ (KEY: a hash of the package list and
# of this file) as a qcow2 base plus the kernel and initrd it carries; every VM boots a copy-on-write
# overlay of it (lib/vm.sh), so a run never changes the cached image. Everything per VM (host name,
# addresses, keys, the sudo helper) comes from a seed disk read at every boot by lvsp-seed.service.

IMAGE_PKGS="linux-image-cloud-amd64 initramfs-tools systemd systemd-sysv udev dbus openssh-server sudo ipvsadm keepalived iproute2 procps kmod curl busybox ifupdown"
IMAGE_SUITE=bookworm

image_key() {  # what the image depends on: the package list and what the hook writes into the tree
  { echo "$IMAGE_SUITE $IMAGE_PKGS"; declare -f image_customize; echo "$IMAGE_SEED_SCRIPT"; } | sha256sum | cut -c1-16
}

image_dir() { echo "$CACHE/image/debian-$(image_key)"; }

# The guest side of the lab, written into the tree before imaging (the seed reader, the web server
# unit for an rs VM, a persistent journal). Networking is Debian's classic ifupdown
# (/etc/network/interfaces.d/eth0 from the seed): it never removes addresses it did not add (VIPs).
# shellcheck disable=SC2016
IMAGE_SEED_SCRIPT='#!/bin/sh
# lvsp-seed: copies the per-VM files of the lab (seed disk /dev/vdb, a tar archive) into / at every boot.
set -e
[ -b /dev/vdb ] || { echo "lvsp-seed: no seed disk" >&2; exit 1; }
tar -xf /dev/vdb -C / --no-same-owner --keep-directory-symlink
chown -R 4079:4079 /home/lvs
hostname "$(cat /etc/hostname)"
[ -x /usr/local/lib/lvsp-lab/helper-install.sh ] && sh /usr/local/lib/lvsp-lab/helper-install.sh >/dev/null
exit 0
'

image_customize() {  # image_customize ROOT: runs as mmdebstrap's customize hook
  local R=$1
  echo "/dev/vda / ext4 defaults,errors=remount-ro 0 1" > "$R/etc/fstab"
  echo lvsp-vm > "$R/etc/hostname"
  : > "$R/etc/machine-id"; rm -f "$R/var/lib/dbus/machine-id"
  mkdir -p "$R/var/log/journal" "$R/usr/local/lib/lvsp-lab" "$R/srv/www/cgi-bin" "$R/var/log/httpd"
  # the lab's sudo user: key login only; its only sudo right is the panel's helper (from the seed)
  chroot "$R" useradd -m -u 4079 -U -s /bin/bash -c "LVS Panel lab user" lvs
  rm -f "$R"/etc/ssh/ssh_host_*
  cat > "$R/etc/ssh/sshd_config.d/lvsp-lab.conf" <<'C'
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_rsa_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxStartups 200:30:400
MaxSessions 64
C
  printf '%s' "$IMAGE_SEED_SCRIPT" > "$R/usr/local/lib/lvsp-lab/seed"; chmod 755 "$R/usr/local/lib/lvsp-lab/seed"
  cat > "$R/etc/systemd/system/lvsp-seed.service" <<'U'
[Unit]
Description=LVS Panel lab: per-VM settings from the seed disk
DefaultDependencies=no
Requires=dev-vdb.device
After=dev-vdb.device systemd-remount-fs.service
Before=sysinit.target networking.service ssh.service network-pre.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/lib/lvsp-lab/seed
[Install]
WantedBy=sysinit.target
U
  # rs VMs: busybox httpd as on the namespace real servers (same log lines); only where the seed made /srv/www/index.html
  cat > "$R/etc/systemd/system/lvsp-httpd.service" <<'U'
[Unit]
Description=LVS Panel lab: busybox httpd on port 80 (real server)
ConditionPathExists=/srv/www/index.html
After=network.target lvsp-seed.service
[Service]
ExecStart=/bin/busybox httpd -f -vv -p 80 -h /srv/www
StandardOutput=append:/var/log/httpd/access.log
StandardError=append:/var/log/httpd/access.log
Restart=no
[Install]
WantedBy=multi-user.target
U
  chroot "$R" systemctl enable lvsp-seed.service lvsp-httpd.service >/dev/null 2>&1
  chroot "$R" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer >/dev/null 2>&1 || true
  # Debian's defaults, kept for `lab reset` (it restores them)
  cp "$R/etc/default/ipvsadm" "$R/usr/local/lib/lvsp-lab/default-ipvsadm"
}

build_image() {  # -> $(image_dir)/{disk.qcow2,vmlinuz,initrd.img}
  local out t0 tmp kv
  out=$(image_dir); t0=$(now)
  [ -s "$out/disk.qcow2" ] && return 0
  command -v mmdebstrap >/dev/null && command -v qemu-img >/dev/null && command -v mkfs.ext4 >/dev/null ||
    die "building the Debian image needs mmdebstrap, qemu-utils and e2fsprogs (lab deps)"
  mkdir -p "$CACHE/image"
  tmp=$(mktemp -d "$CACHE/image/build.XXXXXX"); chmod 755 "$tmp"
  log "building the Debian 12 image (mmdebstrap, ~3 min cold) in $tmp"
  # the hook sources this file again (mmdebstrap runs it in a fresh shell): image_customize ROOT
  mmdebstrap --variant=apt --include="${IMAGE_PKGS// /,}" \
    --customize-hook="bash -c '. \"\$0\"; image_customize \"\$1\"' '$LAB_ROOT/lib/image.sh' \"\$1\"" \
    "$IMAGE_SUITE" "$tmp/root" >"$tmp/mmdebstrap.log" 2>&1 || { tail -20 "$tmp/mmdebstrap.log" >&2; die "mmdebstrap failed ($tmp)"; }
  kv=$(ls "$tmp/root/lib/modules/")
  cp "$tmp/root/boot/vmlinuz-$kv" "$tmp/vmlinuz"; cp "$tmp/root/boot/initrd.img-$kv" "$tmp/initrd.img"
  echo "$kv" > "$tmp/kernel-version"
  truncate -s 3G "$tmp/disk.raw"
  mkfs.ext4 -q -F -L lvsp-root -d "$tmp/root" "$tmp/disk.raw"
  qemu-img convert -O qcow2 "$tmp/disk.raw" "$tmp/disk.qcow2"
  rm -rf "$tmp/root" "$tmp/disk.raw"
  rm -rf "$out"; mv "$tmp" "$out"
  # older images (another package list) are dropped
  find "$CACHE/image" -maxdepth 1 -name 'debian-*' ! -path "$out" -exec rm -rf {} + 2>/dev/null || true
  log "Debian image built in $(since "$t0")s ($(du -sh "$out" | cut -f1))"
}
