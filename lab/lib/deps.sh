# lab/lib/deps.sh - Debian packages, the director's kernel (downloaded, never installed) and the
# lab's SSH material (client key, stable host keys per host, known_hosts, ssh_config).

ensure_deps() {
  local missing="" p
  for p in $APT_PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  log "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
    apt-get update >/dev/null
    apt-get install -y --no-install-recommends $missing >/dev/null
  }
}

kernel_pkg() {  # the versioned package behind the meta package, e.g. linux-image-6.1.0-56-cloud-amd64
  local f
  f=$(ls "$CACHE"/kernel/linux-image-*.deb 2>/dev/null | grep -E "/linux-image-[0-9.]+-[0-9]+-${KFLAVOUR}_" | tail -1 || true)
  if [ -n "$f" ]; then basename "$f" | cut -d_ -f1; return; fi
  apt-cache depends "linux-image-$KFLAVOUR" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}'
}

ensure_kernel() {  # sets KROOT (extracted package), KV (uname -r), VMLINUZ
  mkdir -p "$CACHE/kernel"
  local pkg deb
  pkg=$(kernel_pkg)
  if [ -z "$pkg" ]; then apt-get update >/dev/null; pkg=$(kernel_pkg); fi
  [ -n "$pkg" ] || die "cannot resolve linux-image-$KFLAVOUR"
  deb=$(ls "$CACHE/kernel/${pkg}"_*.deb 2>/dev/null | tail -1 || true)
  if [ -z "$deb" ]; then
    log "downloading $pkg"
    (cd "$CACHE/kernel" && apt-get download -o APT::Sandbox::User=root "$pkg" >/dev/null) ||
      { apt-get update >/dev/null; (cd "$CACHE/kernel" && apt-get download -o APT::Sandbox::User=root "$pkg" >/dev/null); }
    deb=$(ls "$CACHE/kernel/${pkg}"_*.deb | tail -1)
  fi
  KROOT=$CACHE/kernel/$pkg
  if [ ! -d "$KROOT/boot" ]; then
    log "extracting $(basename "$deb")"
    rm -rf "$KROOT.tmp"; dpkg-deb -x "$deb" "$KROOT.tmp"
    KV=$(ls "$KROOT.tmp"/lib/modules/)
    depmod -b "$KROOT.tmp" "$KV"
    mv "$KROOT.tmp" "$KROOT"
  fi
  KV=$(ls "$KROOT"/lib/modules/)
  VMLINUZ=$KROOT/boot/vmlinuz-$KV
}

# Keys live in $CACHE/ssh: id_ed25519 (the lab's client key), host-NAME/ (stable host keys, so
# known_hosts stays valid across down/up), authorized_keys, known_hosts, config.
ensure_host_keys() {  # ensure_host_keys NAME...
  local d=$CACHE/ssh h
  for h in "$@"; do
    mkdir -p "$d/host-$h"
    [ -f "$d/host-$h/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "root@$h" -f "$d/host-$h/ssh_host_ed25519_key"
    [ -f "$d/host-$h/ssh_host_rsa_key" ] || ssh-keygen -q -t rsa -b 3072 -N '' -C "root@$h" -f "$d/host-$h/ssh_host_rsa_key"
  done
}

extra_pubkeys() {  # LVSP_EXTRA_PUBKEYS: key text, or files separated by ':'
  local v=${LVSP_EXTRA_PUBKEYS:-} f
  [ -n "$v" ] || return 0
  case $v in
    ssh-*|ecdsa-*|sk-*) printf '%s\n' "$v";;
    *) IFS=: read -ra fs <<<"$v"; for f in "${fs[@]}"; do [ -f "$f" ] || die "LVSP_EXTRA_PUBKEYS: no file $f"; cat "$f"; echo; done;;
  esac | grep -E '^(ssh-|ecdsa-|sk-)' || true
}

ensure_ssh_keys() {  # needs RS_NAMES; (re)writes authorized_keys, known_hosts and config
  local d=$CACHE/ssh h ip
  mkdir -p "$d"; chmod 700 "$d"
  [ -f "$d/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C lvsp-lab -f "$d/id_ed25519"
  ensure_host_keys $(ssh_hosts)
  # extra keys accumulate while the lab is up (an `up` without LVSP_EXTRA_PUBKEYS keeps them); `down` forgets them
  if [ -d "$RUN" ]; then
    { cat "$RUN/extra_pubkeys" 2>/dev/null || true; extra_pubkeys; } | awk 'NF && !seen[$1" "$2]++' > "$RUN/extra_pubkeys.new"
    mv "$RUN/extra_pubkeys.new" "$RUN/extra_pubkeys"
  fi
  { cat "$d/id_ed25519.pub"; cat "$RUN/extra_pubkeys" 2>/dev/null || extra_pubkeys; } > "$d/authorized_keys.new"
  mv "$d/authorized_keys.new" "$d/authorized_keys"
  : > "$d/known_hosts.new"
  for h in $(ssh_hosts); do
    ip=$(host_ip "$h")
    awk -v n="$ip" '{print n, $1, $2}' "$d/host-$h"/ssh_host_*_key.pub >> "$d/known_hosts.new"
  done
  mv "$d/known_hosts.new" "$d/known_hosts"
  {
    printf 'Host %s\n' "$(ssh_hosts)"
    printf '  User root\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n' "$d/id_ed25519" "$d/known_hosts"
    # ConnectTimeout covers the banner exchange too: a TCG-emulated Debian VM busy with 20 applies took
    # more than 3 s to send its banner
    printf '  StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 20\n  LogLevel ERROR\n  GlobalKnownHostsFile /dev/null\n'
    for h in $(ssh_hosts); do printf 'Host %s\n  HostName %s\n' "$h" "$(host_ip "$h")"; done
  } > "$d/config"
}
