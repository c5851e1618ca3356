# lab/lib/hosts.sh - the namespace hosts of the server subnet: rs1..rsN and sorry.
#
# Each one is: a network namespace (lvsp-NAME) + a "holder" process (`sleep infinity`, PID kept in
# $RUN/hosts/NAME/holder.pid) that owns the host's own UTS namespace (hostname NAME) and mount
# namespace. In that mount namespace whole directories are private:
#   /etc      <- $RUN/hosts/NAME/etc   a full copy of the host's /etc (sysctl.conf, sysctl.d,
#                                      systemd/system, ssh, sudoers.d, passwd, ...), restored by `reset`
#   /root     <- .../root              private home: the host's ~/.bashrc is never sourced
#   /home     <- .../home              home of the sudo user `lab`
#   /var/log  <- .../log               httpd access log in /var/log/httpd/access.log
#   /srv      <- .../srv               the web root /srv/www
#   /run /tmp    fresh tmpfs
# sshd (Debian's, -D) and busybox httpd (-f, port 80 on every address, so also a VIP on lo) are
# started into those namespaces with nsenter, and their PIDs are recorded.

LAB_USER=lab LAB_UID=4078

hosts_file() {  # hosts_file NAME: /etc/hosts of a lab host
  local h
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
  printf '%s\tdirector\n%s\tsorry\n%s\trouter\n%s\tclient\n' "$DIR_IP" "$SORRY_IP" "$RTR_SRV_IP" "$CLIENT_IP"
  [ "$DIRECTORS" = 2 ] && printf '%s\tdirector2\n' "$DIR2_IP"
  for h in $RS_NAMES; do printf '%s\t%s\n' "$(rs_ip "$h")" "$h"; done
}

etc_template() {  # $RUN/etc-template: host /etc, made safe and lab-specific (once per `up`)
  local t=$RUN/etc-template
  [ -d "$t" ] && return 0
  rm -rf "$t.tmp"; cp -a /etc "$t.tmp"
  rm -f "$t.tmp"/ssh/ssh_host_* ; rm -rf "$t.tmp"/ssh/sshd_config.d "$t.tmp"/netns
  cp "$LAB_ROOT/initramfs/sshd_config" "$t.tmp/ssh/sshd_config"
  # sshd with UsePAM no refuses a "!"-locked root: "*" means "no password, not locked"
  sed -i -E 's/^root:![^:]*:/root:*:/' "$t.tmp/shadow"
  grep -q "^$LAB_USER:" "$t.tmp/passwd" || {
    echo "$LAB_USER:x:$LAB_UID:$LAB_UID:LVS Panel lab user:/home/$LAB_USER:/bin/bash" >> "$t.tmp/passwd"
    echo "$LAB_USER:x:$LAB_UID:" >> "$t.tmp/group"
    echo "$LAB_USER:*:20000:0:99999:7:::" >> "$t.tmp/shadow"
  }
  if [ -d "$t.tmp/sudoers.d" ]; then
    echo "$LAB_USER ALL=(ALL:ALL) NOPASSWD: ALL" > "$t.tmp/sudoers.d/lvsp-lab"; chmod 440 "$t.tmp/sudoers.d/lvsp-lab"
  fi
  mv "$t.tmp" "$t"
}

host_etc() {  # host_etc NAME: (re)build the private /etc from the template (in place: it is a mount source)
  local n=$1 d=$RUN/hosts/$1
  mkdir -p "$d/etc"
  rsync -a --delete "$RUN/etc-template/" "$d/etc/"
  echo "$n" > "$d/etc/hostname"
  hosts_file "$n" > "$d/etc/hosts"
  cp "$CACHE/ssh/host-$n"/ssh_host_* "$d/etc/ssh/"; chmod 600 "$d"/etc/ssh/ssh_host_*_key
}

host_keys_install() {  # host_keys_install NAME: authorized_keys of root and of the sudo user
  local d=$RUN/hosts/$1
  mkdir -p "$d/root/.ssh" "$d/home/$LAB_USER/.ssh"
  install -m 600 "$CACHE/ssh/authorized_keys" "$d/root/.ssh/authorized_keys"
  install -m 600 -o "$LAB_UID" -g "$LAB_UID" "$CACHE/ssh/authorized_keys" "$d/home/$LAB_USER/.ssh/authorized_keys"
  chown "$LAB_UID:$LAB_UID" "$d/home/$LAB_USER" "$d/home/$LAB_USER/.ssh"
}

host_files() {  # host_files NAME: home, web root, log dir
  local n=$1 d=$RUN/hosts/$1
  mkdir -p "$d/root" "$d/home/$LAB_USER" "$d/log/httpd" "$d/srv/www/cgi-bin"
  chmod 700 "$d/root"
  printf '# lab: private home of root on %s\nPS1='"'"'\\u@\\h:\\w\\$ '"'"'\n' "$n" > "$d/root/.bashrc"
  printf '[ -f ~/.bashrc ] && . ~/.bashrc\n' > "$d/root/.profile"
  cp "$d/root/.bashrc" "$d/root/.profile" "$d/home/$LAB_USER/"
  if [ "$n" = sorry ]; then
    echo sorry > "$d/srv/www/index.html"      # the maintenance page: first line is the host name, like the real servers
    echo 'The service is under maintenance. Please come back later.' >> "$d/srv/www/index.html"
  else
    echo "$n" > "$d/srv/www/index.html"
  fi
  echo ok > "$d/srv/www/health"
  # /cgi-bin/whoami: host name and the client address the server saw
  printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s %%s\\n" "$(hostname)" "$REMOTE_ADDR"\n' > "$d/srv/www/cgi-bin/whoami"
  chmod 755 "$d/srv/www/cgi-bin/whoami"
  host_keys_install "$n"
}

# Runs inside `ip netns exec NS unshare --mount --uts --propagation private`: private mounts, then
# it becomes the holder (sleep infinity) that keeps the namespaces alive for nsenter.
# shellcheck disable=SC2016
VIEW_SCRIPT='set -e; d=$1; n=$2
hostname "$n"
mount --bind "$d/etc" /etc
mount --bind "$d/root" /root
mount --bind "$d/home" /home
mount --bind "$d/log" /var/log
mount --bind "$d/srv" /srv
mount -t tmpfs -o mode=1777 lab-tmp /tmp
mount -t tmpfs -o mode=755 lab-run /run
mkdir -p /run/sshd /run/lock; chmod 755 /run/sshd
echo ready
exec sleep infinity'

host_up() {  # host_up NAME: namespace, private view, sshd, httpd
  local n=$1 d=$RUN/hosts/$1 ns i ip ip6 mac
  ns=$(ns_of "$n")
  if [ "$n" = sorry ]; then ip=$SORRY_IP ip6=$SORRY_IP6 mac=$SORRY_MAC; else ip=$(rs_ip "$n") ip6=$(rs_ip6 "$n") mac=$(rs_mac "$n"); fi
  mkdir -p "$d"
  host_etc "$n"; host_files "$n"
  srv_ns_up "$n" "$ip" "$ip6" "$mac"
  ip netns exec "$ns" unshare --mount --uts --propagation private -- /bin/sh -c "$VIEW_SCRIPT" view "$d" "$n" \
    </dev/null >"$d/holder.out" 2>&1 9>&- &
  record_pid "$d/holder.pid" $!
  for i in $(seq 200); do grep -q ready "$d/holder.out" 2>/dev/null && break; sleep 0.02; done
  grep -q ready "$d/holder.out" || { cat "$d/holder.out" >&2; die "$n: private view failed"; }
  daemon_start "$n" sshd
  daemon_start "$n" http
}

holder_of() {  # holder_of NAME -> PID of the holder, only if it really is in lvsp-NAME and in its own mount ns
  local n=$1 h
  h=$(pidfile_pid "$RUN/hosts/$n/holder.pid")
  pid_alive "$h" || { log "$n is not running"; return 1; }
  if [ "$(stat -L -c %i "/proc/$h/ns/net")" != "$(stat -L -c %i "/run/netns/$(ns_of "$n")" 2>/dev/null)" ] ||
     [ "$(stat -L -c %i "/proc/$h/ns/mnt")" = "$(stat -L -c %i /proc/self/ns/mnt)" ]; then
    log "$n: holder $h is not in the lab's namespaces; refusing"; return 1
  fi
  echo "$h"
}

in_view() {  # in_view NAME CMD...: run a command inside a namespace host (all its namespaces)
  local n=$1 h; shift
  h=$(holder_of "$n") || return 1
  nsenter -t "$h" -m -u -n -- "$@"
}

daemon_start() {  # daemon_start NAME sshd|http
  local n=$1 what=$2 d=$RUN/hosts/$1 h
  pid_alive "$(pidfile_pid "$d/$what.pid")" && return 0
  h=$(holder_of "$n") || return 1
  case $what in
    sshd) nsenter -t "$h" -m -u -n -- /usr/sbin/sshd -D -e </dev/null >>"$d/sshd.log" 2>&1 9>&- & ;;
    http) nsenter -t "$h" -m -u -n -- /bin/busybox httpd -f -vv -p 80 -h /srv/www \
            </dev/null >>"$d/log/httpd/access.log" 2>&1 9>&- & ;;
  esac
  record_pid "$d/$what.pid" $!
}

daemon_stop() { kill_pidfile "$RUN/hosts/$1/$2.pid"; }

daemon_wait() {  # daemon_wait NAME sshd|http: until the port accepts (from inside the namespace)
  local n=$1 port i; [ "$2" = sshd ] && port=22 || port=80
  for i in $(seq 100); do
    nsx "$(ns_of "$n")" ss -Hltn "sport = :$port" | grep -q . && return 0
    sleep 0.05
  done
  log "$n: $2 is not listening"; return 1
}

host_down() {  # host_down NAME: daemons, holder, then anything left in its netns; then the netns
  local n=$1 d=$RUN/hosts/$1 ns p
  ns=$(ns_of "$n")
  daemon_stop "$n" http; daemon_stop "$n" sshd; kill_pidfile "$d/holder.pid"
  if ns_exists "$ns"; then
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill_pid "$p"; done
    ip netns del "$ns"
  fi
  rm -rf "$d"
}
