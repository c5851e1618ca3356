# lab/lib/env.sh - `lab env` (shell export lines) and `lab env --json` (the contract with the tests;
# the field names are documented in lab/README.md and typed in lab/env.ts - keep the three in sync).

host_keys_json() {  # host_keys_json NAME -> ["ssh-ed25519 AAAA...", "ssh-rsa AAAA..."]
  local f first=1
  printf '['
  for f in "$CACHE/ssh/host-$1"/ssh_host_ed25519_key.pub "$CACHE/ssh/host-$1"/ssh_host_rsa_key.pub; do
    [ -f "$f" ] || continue
    [ $first = 1 ] || printf ','; first=0
    printf '"%s"' "$(awk '{print $1" "$2}' "$f")"
  done
  printf ']'
}

jstr() { if [ -n "${1:-}" ]; then printf '"%s"' "$1"; else printf 'null'; fi; }
jarr() { local a first=1; printf '['; for a in "$@"; do [ $first = 1 ] || printf ','; first=0; printf '"%s"' "$a"; done; printf ']'; }

host_json() {  # host_json NAME
  local n=$1 role addr addr6 mac gw gw6 port=22 ns exec iface=eth0 extra=""
  case $n in
    director|director2) role=director addr=$(host_ip "$n") addr6=$(vm_ip6 "$n") mac=$(vm_mac "$n") gw=$RTR_SRV_IP gw6=$RTR_SRV_IP6 ns=""
              exec=$(jarr bash "$LAB_ROOT/lab.sh" ssh "$n");;
    sorry)    role=sorry addr=$SORRY_IP addr6=$SORRY_IP6 mac=$SORRY_MAC gw=$RTR_SRV_IP gw6=$RTR_SRV_IP6 ns=$NS_SORRY
              exec=$(jarr bash "$LAB_ROOT/lab.sh" exec sorry);;
    router)   role=router addr=$RTR_SRV_IP addr6=$RTR_SRV_IP6 mac=$RTR_SRV_MAC gw="" gw6="" port="" ns=$NS_ROUTER
              exec=$(jarr ip netns exec "$NS_ROUTER")
              extra=",\"clientAddress\":\"$RTR_CLI_IP\",\"clientAddress6\":\"$RTR_CLI_IP6\",\"clientMac\":\"$RTR_CLI_MAC\",\"vipNetAddress\":\"$RTR_VIP_IP\",\"vipNetAddress6\":\"$RTR_VIP_IP6\",\"clientInterface\":\"eth1\"";;
    client)   role=client addr=$CLIENT_IP addr6=$CLIENT_IP6 mac=$CLIENT_MAC gw=$RTR_CLI_IP gw6=$RTR_CLI_IP6 port="" ns=$NS_CLIENT
              exec=$(jarr ip netns exec "$NS_CLIENT");;
    *)        role=realServer addr=$(rs_ip "$n") addr6=$(rs_ip6 "$n") mac=$(rs_mac "$n") gw=$RTR_SRV_IP gw6=$RTR_SRV_IP6 ns=$(ns_of "$n")
              exec=$(jarr bash "$LAB_ROOT/lab.sh" exec "$n");;
  esac
  # kind: vm | netns; sudoUser: the non-root user with sudo there (Debian VMs: lvs, through the
  # panel's helper only; namespace hosts: lab, NOPASSWD: ALL; the initramfs director: none)
  local kind=netns sudo=$LAB_USER
  if is_vm "$n"; then
    kind=vm ns=""
    if [ "$(vm_kind "$n")" = debian ]; then sudo=$VM_USER; else sudo=""; fi
    [ "$role" = realServer ] && exec=$(jarr bash "$LAB_ROOT/lab.sh" ssh "$n")
  fi
  case $role in router|client) sudo="";; esac
  extra=",\"kind\":\"$kind\",\"sudoUser\":$(jstr "$sudo")$extra"
  if [ "$kind" = vm ]; then extra="$extra,\"vmKind\":\"$(vm_kind "$n")\""; fi
  printf '{"name":"%s","role":"%s","address":"%s","address6":"%s","sshPort":%s,"mac":"%s","interface":"%s","gateway":%s,"gateway6":%s,"namespace":%s,"exec":%s,"hostKeys":' \
    "$n" "$role" "$addr" "$addr6" "${port:-null}" "$mac" "$iface" "$(jstr "$gw")" "$(jstr "$gw6")" "$(jstr "$ns")" "$exec"
  if [ -n "$port" ]; then host_keys_json "$n"; else printf '[]'; fi
  printf '%s}' "$extra"
}

cmd_env_json() {
  local d=$CACHE/ssh h first=1
  printf '{"schema":1,"up":%s,"layout":"%s","rsCount":%d,"directorKind":"%s","rsVm":%s,"labScript":"%s",' \
    "$(lab_is_up && echo true || echo false)" "$LAYOUT" "$RS_COUNT" "$DIRECTOR_KIND" "$([ "$RS_VM" = 1 ] && echo true || echo false)" "$LAB_ROOT/lab.sh"
  printf '"ssh":{"user":"root","sudoUser":"%s","port":22,"keyPath":"%s","publicKeyPath":"%s","knownHostsPath":"%s","configPath":"%s"},' \
    "$LAB_USER" "$d/id_ed25519" "$d/id_ed25519.pub" "$d/known_hosts" "$d/config"
  printf '"managementInterface":"%s","managementAddress":"%s",' "$MGMT_IF" "$MGMT_IP"
  printf '"subnets":{"lab":"%s","lab6":"%s","server":"%s","server6":"%s","client":"%s","client6":"%s","vip":"%s","vip6":"%s"},' \
    "$LAB_NET4" "$LAB_NET6" "$SRV_NET4" "$SRV_NET6" "$CLI_NET4" "$CLI_NET6" "$VIPNET4" "$VIPNET6"
  printf '"vip":{"single":"%s","multi":"%s","current":"%s"},' "$VIP_SINGLE" "$VIP_MULTI" "$(current_vip)"
  printf '"vip6":{"single":"%s","multi":"%s","current":"%s"},' "$VIP6_SINGLE" "$VIP6_MULTI" "$(current_vip6)"
  printf '"clientExec":%s,"clientExecPrefix":"ip netns exec %s",' "$(jarr ip netns exec "$NS_CLIENT")" "$NS_CLIENT"
  printf '"hosts":{'
  for h in $DIRECTOR_NAMES $RS_NAMES sorry router client; do
    [ $first = 1 ] || printf ','; first=0
    printf '"%s":' "$h"; host_json "$h"
  done
  printf '},"directors":['
  first=1
  for h in $DIRECTOR_NAMES; do [ $first = 1 ] || printf ','; first=0; host_json "$h"; done
  printf '],"realServers":['
  first=1
  for h in $RS_NAMES; do [ $first = 1 ] || printf ','; first=0; host_json "$h"; done
  printf ']}\n'
}

cmd_env() {
  [ "${1:-}" = --json ] && { cmd_env_json; return; }
  local d=$CACHE/ssh h u
  {
    echo "LVSP_LAB_UP=$(lab_is_up && echo 1 || echo 0)"
    echo "LVSP_LAYOUT=$LAYOUT"
    echo "LVSP_SSH_USER=root"
    echo "LVSP_SSH_SUDO_USER=$LAB_USER"
    echo "LVSP_SSH_PORT=22"
    echo "LVSP_SSH_KEY=$d/id_ed25519"
    echo "LVSP_KNOWN_HOSTS=$d/known_hosts"
    echo "LVSP_SSH_CONFIG=$d/config"
    echo "LVSP_MGMT_IF=$MGMT_IF"
    echo "LVSP_DIRECTOR=$DIR_IP"
    [ "$DIRECTORS" = 2 ] && echo "LVSP_DIRECTOR2=$DIR2_IP"
    echo "LVSP_VM_SUDO_USER=$VM_USER"
    for h in $RS_NAMES; do u=$(echo "$h" | tr a-z A-Z); echo "LVSP_$u=$(rs_ip "$h")"; done
    echo "LVSP_RS_LIST=\"$(for h in $RS_NAMES; do printf '%s ' "$(rs_ip "$h")"; done | sed 's/ $//')\""
    echo "LVSP_SORRY=$SORRY_IP"
    echo "LVSP_ROUTER=$RTR_SRV_IP"
    echo "LVSP_CLIENT=$CLIENT_IP"
    echo "LVSP_VIP=$(current_vip)"
    echo "LVSP_VIP_SINGLE=$VIP_SINGLE"
    echo "LVSP_VIP_MULTI=$VIP_MULTI"
    echo "LVSP_VIP6=$(current_vip6)"
    echo "LVSP_CLIENT_EXEC=\"ip netns exec $NS_CLIENT\""
  } | sed 's/^/export /'
}
