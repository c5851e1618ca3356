# lab/lib/net.sh - the wires: switch namespace with two bridges, router, client, management veth.
#
#   client (lvsp-client) --- br-cli --- router (lvsp-router, ip_forward=1) --- br-srv --+-- director VM (tap-dir)
#   10.78.1.50                          eth1 10.78.1.1   eth0 10.78.0.254              +-- rs1..rsN, sorry
#                                                        (+10.78.2.1 in multi-subnet)  +-- lvsp0 (root ns, 10.78.0.1)
# Both bridges live in lvsp-sw. The router has NO default route: traffic to anything outside the
# lab dies there. The management veth has IPv4 forwarding off and IPv6 off.

check_prefix_free() {  # refuse to start if the host already uses part of 10.78.0.0/16 for something else
  local bad
  bad=$(ip -4 route show | grep -E '^10\.78\.' | grep -v "dev $MGMT_IF" | grep -v '^unreachable' || true)
  bad+=$(ip -4 -o addr show | grep -v " $MGMT_IF " | grep -E 'inet 10\.78\.' || true)
  [ -z "$bad" ] || die "10.78.0.0/16 is already used on this host: $bad"
}

sw_port() {  # sw_port NS IFNAME_IN_NS SWPORT BRIDGE MAC: veth from a host namespace to a bridge
  local ns=$1 ifn=$2 port=$3 br=$4 mac=$5
  nsx "$ns" ip link add "$ifn" address "$mac" type veth peer name "$port" netns "$NS_SW"
  nsx "$NS_SW" ip link set "$port" master "$br" up
}

ns_base() {  # ns_base NS: new namespace with lo up and DAD off (addresses usable at once)
  ip netns add "$1"
  nsx "$1" sh -c 'ip link set lo up
    sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_ra=0 2>/dev/null || true'
}

addr_up() {  # addr_up NS IF IP4/LEN IP6/LEN
  nsx "$1" ip addr add "$3" dev "$2"
  nsx "$1" ip -6 addr add "$4" dev "$2" nodad 2>/dev/null || true
  nsx "$1" ip link set "$2" up
}

net_up() {
  ip netns add "$NS_SW"
  nsx "$NS_SW" sh -c "ip link set lo up
    sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip link add $BR_SRV type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip link add $BR_CLI type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip link set $BR_SRV up; ip link set $BR_CLI up
    ip tuntap add dev $TAP mode tap; ip link set $TAP master $BR_SRV up"

  # router: one leg on each subnet, forwarding on, no default route
  ns_base "$NS_ROUTER"
  sw_port "$NS_ROUTER" eth0 s-router "$BR_SRV" "$RTR_SRV_MAC"
  sw_port "$NS_ROUTER" eth1 c-router "$BR_CLI" "$RTR_CLI_MAC"
  addr_up "$NS_ROUTER" eth0 "$RTR_SRV_IP/24" "$RTR_SRV_IP6/64"
  addr_up "$NS_ROUTER" eth1 "$RTR_CLI_IP/24" "$RTR_CLI_IP6/64"
  nsx "$NS_ROUTER" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

  # client: only reaches the servers through the router
  ns_base "$NS_CLIENT"
  sw_port "$NS_CLIENT" eth0 c-client "$BR_CLI" "$CLIENT_MAC"
  addr_up "$NS_CLIENT" eth0 "$CLIENT_IP/24" "$CLIENT_IP6/64"
  nsx "$NS_CLIENT" ip route add default via "$RTR_CLI_IP"
  nsx "$NS_CLIENT" ip -6 route add default via "$RTR_CLI_IP6" 2>/dev/null || true

  # management: root namespace <-> server bridge, IPv4 only, never forwards
  ip link add "$MGMT_IF" type veth peer name s-mgmt netns "$NS_SW"
  nsx "$NS_SW" ip link set s-mgmt master "$BR_SRV" up
  [ -e "/proc/sys/net/ipv6/conf/$MGMT_IF" ] && sysctl -qw "net.ipv6.conf.$MGMT_IF.disable_ipv6=1"
  sysctl -qw "net.ipv4.conf.$MGMT_IF.forwarding=0" "net.ipv4.conf.$MGMT_IF.proxy_arp=0"
  ip addr add "$MGMT_IP/24" dev "$MGMT_IF"
  ip link set "$MGMT_IF" up
}

# A server-subnet host namespace (rsN, sorry): eth0 on br-srv, default route via the router.
srv_ns_up() {  # srv_ns_up NAME IP IP6 MAC
  local n=$1 ns; ns=$(ns_of "$1")
  ns_base "$ns"
  sw_port "$ns" eth0 "s-$n" "$BR_SRV" "$4"
  addr_up "$ns" eth0 "$2/24" "$3/64"
  nsx "$ns" ip route add default via "$RTR_SRV_IP"
  nsx "$ns" ip -6 route add default via "$RTR_SRV_IP6" 2>/dev/null || true
}

layout_apply() {  # layout_apply single|multi: the router holds an address in the VIP net only in multi
  if [ "$1" = multi ]; then
    nsx "$NS_ROUTER" ip addr replace "$RTR_VIP_IP/24" dev eth0
    nsx "$NS_ROUTER" ip -6 addr replace "$RTR_VIP_IP6/64" dev eth0 nodad 2>/dev/null || true
  else
    nsx "$NS_ROUTER" ip addr del "$RTR_VIP_IP/24" dev eth0 2>/dev/null || true
    nsx "$NS_ROUTER" ip -6 addr del "$RTR_VIP_IP6/64" dev eth0 2>/dev/null || true
  fi
  nsx "$NS_ROUTER" ip neigh flush all 2>/dev/null || true
  nsx "$NS_CLIENT" ip neigh flush all 2>/dev/null || true
}

lab_namespaces() {  # every namespace of ours that exists now (prefix lvsp-)
  ls /run/netns 2>/dev/null | grep -E '^lvsp-' || true
}

net_down() {
  local ns
  for ns in $(lab_namespaces); do ip netns del "$ns" 2>/dev/null || true; done
  ip link show "$MGMT_IF" >/dev/null 2>&1 && ip link del "$MGMT_IF"
  return 0
}
