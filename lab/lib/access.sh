# lab/lib/access.sh - reaching lab hosts: `lab ssh`, `lab exec`, `lab curl`. Each checks the route first.
# (`exec` on a VM is SSH as root: it has no namespaces of ours to enter.)

labssh() {  # labssh HOST [CMD...]: director, rsN, sorry over SSH; router/client have no sshd (use exec)
  local h=$1 ip; shift
  case $h in
    router|client) log "$h has no sshd; running in its namespace instead"; lab_exec "$h" "$@"; return;;
  esac
  ip=$(host_ip "$h") || { log "unknown host $h (director, director2, rs1..rs$RS_COUNT, sorry, router, client)"; return 2; }
  case $h in
    director|sorry) ;;
    director2) [ "$DIRECTORS" = 2 ] || { log "no director2 in this lab (lab up --directors 2)"; return 2; };;
    *) [ "${h#rs}" -le "$RS_COUNT" ] || { log "no $h in this lab (rs1..rs$RS_COUNT)"; return 2; };;
  esac
  assert_lab_route "$ip" || return 1
  ssh -F "$CACHE/ssh/config" "$h" "$@"
}

lab_exec() {  # lab_exec HOST CMD...: run directly in a host's namespaces (no SSH)
  local h=$1; shift
  [ $# -gt 0 ] || set -- bash
  case $h in
    router|client) ns_exists "lvsp-$h" || { log "lab is not up"; return 1; }; nsx "lvsp-$h" "$@";;
    director|director2) labssh "$h" "$*";;
    sorry|rs[0-9]*) if is_vm "$h"; then labssh "$h" "$*"; else in_view "$h" "$@"; fi;;
    *) log "unknown host $h"; return 2;;
  esac
}

cmd_curl() {  # curl [N] [--vip ADDR] [--port P] [--path /p] [-6]: N requests from the client, one line each
  local n=10 vip="" port=80 path=/ six="" i out rc=0 url
  while [ $# -gt 0 ]; do
    case $1 in
      --vip) vip=$2; shift;; --port) port=$2; shift;; --path) path=$2; shift;; -6) six=1;;
      [0-9]*) n=$1;; *) die "curl: unknown argument $1";;
    esac; shift
  done
  if [ -z "$vip" ]; then if [ -n "$six" ]; then vip=$(current_vip6); else vip=$(current_vip); fi; fi
  assert_ns_route "$NS_CLIENT" "$vip" || return 1
  [[ $vip == *:* ]] && url="http://[$vip]:$port$path" || url="http://$vip:$port$path"
  # one curl per request: each is a new TCP connection (new source port), so IPVS schedules each.
  # Prints the first line of each answer, or "ERROR <curl exit code>".
  nsx "$NS_CLIENT" bash -c '
    n=$1 url=$2 rc=0
    for i in $(seq "$n"); do
      if out=$(curl -sS -f --max-time 3 "$url" 2>/dev/null); then echo "${out%%$'"'\n'"'*}"; else echo "ERROR $?"; rc=1; fi
    done; exit $rc' curl "$n" "$url"
}
