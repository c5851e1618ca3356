// Director-side checks: ONE exec per director per round runs every due check in parallel and, when
// asked, reads the kernel table and its counters in the same exec (the poller). The round script is
// POSIX sh (it runs under the director's /bin/sh: dash on Debian); the probes themselves are a fixed
// bash program (`/dev/tcp` for TCP and HTTP/1.0: no process per check; curl or wget for HTTPS),
// started with `bash -c` only after `command -v bash` found it. Check values reach that program as
// positional arguments (never as code), each quoted with lib/ssh's shQuote after lib/health/config
// validated it. Whatever fails on the director itself (bash, curl, /tmp missing, a local errno) is a
// `fault` on the result: it says nothing about the real server (lib/health/fault.ts).
import { shQuote } from "@/lib/ssh/quote";
import { listingLines } from "@/lib/director/read";
import { nonce, parseSections, sectionHelpers } from "@/lib/director/sections";
import { judgeHttp, type CheckResult, type CheckSpec } from "./config";

/** Bytes of an answer brought back (status line, headers and the start of the body). */
export const ANSWER_BYTES = 16384;

/**
 * The probe program, run by bash: `bash -c PROBE lvsp-hc DIR WATCHDOG_S [IDX ID KIND ADDR PORT TIMEOUT_S PATH HOST NEEDLE]...`.
 * Per check it writes `DIR/pIDX` first (`p ID 124 0 x timeout`: what stays when the watchdog ends a probe
 * whose server never answered) and `DIR/rIDX` when done: `r ID RC MS s FOUND STATUSLINE` (tcp/http),
 * `r ID RC MS b BASE64` (https) or `r ID RC MS x ERROR` (it could not connect or could not run).
 */
// (String.raw keeps bash's backslashes; `\${` is how a template literal writes bash's `${`, unescaped below.)
export const PROBE = String.raw`# LVS Panel director-side health probes (bash: /dev/tcp, read -N, EPOCHREALTIME)
D=$1 T=$2
shift 2
# bash >= 5 has EPOCHREALTIME (no process); older bash (RHEL 8) asks GNU date
if [ -n "\${EPOCHREALTIME:-}" ]; then now() { t=\${EPOCHREALTIME/./}; t=\${t/,/}; }; else now() { t=$(date +%s%6N); }; fi
hc() { # idx id kind addr port timeout_s path host needle
  local t0 t rc=0 r='' f=0 e='' x u
  now; t0=$t
  printf 'p %s 124 0 x timeout\n' "$2" > "$D/p$1" || return
  case $3 in
    tcp|http)
      if { exec 3<>"/dev/tcp/$4/$5"; } 2>"$D/e$1"; then
        if [ "$3" = http ]; then
          printf 'GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: lvs-panel-health\r\nConnection: close\r\n\r\n' "$7" "$8" >&3
          IFS= read -r -d '' -t "$6" -N ${ANSWER_BYTES} r <&3; x=$?
          [ "$x" -gt 128 ] && [ -z "$r" ] && rc=124
          [ -n "$9" ] && [[ \${r#*$'\r\n\r\n'} == *"$9"* ]] && f=1
          r=\${r%%$'\n'*}; r=\${r%$'\r'}
        fi
        exec 3<&-
        now; printf 'r %s %s %s s %s %s\n' "$2" "$rc" $(( (t - t0) / 1000 )) "$f" "$r" > "$D/r$1"
      else
        IFS= read -r e < "$D/e$1"
        now; printf 'r %s 111 %s x %s\n' "$2" $(( (t - t0) / 1000 )) "\${e##*: }" > "$D/r$1"
      fi
      return ;;
    https) u="https://$4:$5$7"; case $4 in *:*) u="https://[$4]:$5$7" ;; esac
      if ! command -v timeout >/dev/null 2>&1; then rc=127 e='timeout (coreutils) not found on the director'
      elif command -v curl >/dev/null 2>&1; then
        r=$(set -o pipefail; timeout "$6" curl -sk -i -H "Host: $8" -A lvs-panel-health "$u" 2>/dev/null | head -c ${ANSWER_BYTES} | base64 -w0); rc=$?
      elif command -v wget >/dev/null 2>&1; then
        r=$(timeout "$6" wget -S -O - -T "$6" --no-check-certificate --header "Host: $8" -U lvs-panel-health "$u" 2>&1 | head -c ${ANSWER_BYTES} | base64 -w0); rc=0
        [ -n "$r" ] || rc=1
      else rc=127 e='HTTPS checks need curl or wget on the director: neither was found'; fi ;;
    *) rc=127 e="unknown check kind $3" ;;
  esac
  now
  if [ -n "$e" ]; then printf 'r %s %s %s x %s\n' "$2" "$rc" $(( (t - t0) / 1000 )) "$e" > "$D/r$1"
  else printf 'r %s %s %s b %s\n' "$2" "$rc" $(( (t - t0) / 1000 )) "$r" > "$D/r$1"; fi
}
P=''
while [ $# -ge 9 ]; do hc "$@" & P="$P $!"; shift 9; done
# a connect to a dead host blocks: one watchdog ends whatever is still running at the largest timeout
# shellcheck disable=SC2086
( sleep "$T"; kill $P ) >/dev/null 2>&1 & W=$!
# shellcheck disable=SC2086
wait $P 2>/dev/null
kill "$W" 2>/dev/null
exit 0
`.replaceAll("\\${", "${");

function timeoutSeconds(ms: number): string {
  return (Math.max(100, ms) / 1000).toFixed(3);
}

const NO_BASH = "bash not found on the director: director-side checks need it (its /dev/tcp); install bash, or run the checks from the panel";

/** The script for one round on one director (POSIX sh). `poll`: also read the table and counters. */
export function checkScript(n: string, checks: readonly CheckSpec[], opts: { poll: boolean; table: boolean }): string {
  const L = [sectionHelpers(n)];
  if (checks.length) {
    const maxT = Math.max(100, ...checks.map((c) => c.timeoutMs));
    const args = checks.map((c, i) => `${i} ${shQuote(c.id)} ${c.kind} ${shQuote(c.address)} ${c.port} ${timeoutSeconds(c.timeoutMs)} ${shQuote(c.path)} ${shQuote(c.host)} ${shQuote(c.bodyContains ?? "")}`);
    L.push(
      "# shellcheck disable=SC2016",
      `HC=${shQuote(PROBE)}`,
      "F='' B=''",
      "D=$(mktemp -d 2>/dev/null) || D=''",
      `if [ -z "$D" ]; then F='cannot make a temporary directory on the director (mktemp -d failed: is /tmp full or read-only?)'`,
      `elif ! command -v bash >/dev/null 2>&1; then F=${shQuote(NO_BASH)}`,
      // the probes run while the table is read
      `else bash -c "$HC" lvsp-hc "$D" ${timeoutSeconds(maxT)} \\\n  ${args.join(" \\\n  ")} \\\n  2>"$D/stderr" & B=$!; fi`,
    );
  }
  if (opts.table || opts.poll) L.push(...listingLines(["save", ...(opts.poll ? (["list", "stats", "rate"] as const) : [])]));
  if (checks.length) {
    L.push(
      'S=0; if [ -n "$B" ]; then wait "$B"; S=$?; fi',
      'sec fault; [ -z "$F" ] || printf \'%s\\n\' "$F"; rc 0',
      'sec stderr; [ -z "$D" ] || head -c 2000 "$D/stderr" 2>/dev/null; rc "$S"',
      'sec checks; [ -z "$D" ] || cat "$D"/p* "$D"/r* 2>/dev/null; rc 0',
      '[ -z "$D" ] || rm -rf "$D"',
    );
  }
  L.push("sec end");
  return L.join("\n") + "\n";
}

export interface RoundOutput {
  results: CheckResult[];
  save: string | null;
  list: string | null;
  stats: string | null;
  rate: string | null;
  complete: boolean;
  /** The round could not run its checks at all (no bash, no temporary directory): said once for every result. */
  fault: string | null;
}

// errno texts (glibc's strerror, as bash prints them) that come from the director itself, not from
// the real server: no route of its own, no local port or file descriptor, a local firewall/policy,
// IPv6 off, a bash built without /dev/tcp. Refused, timed out, host unreachable (ARP) are the server.
const LOCAL_ERRNO = [
  "Network is unreachable", "Cannot assign requested address", "Address family not supported by protocol",
  "Permission denied", "Operation not permitted", "Too many open files", "Too many open files in system",
  "No such file or directory", "No buffer space available", "Cannot allocate memory", "Invalid argument",
  "Address already in use", "Bad file descriptor", "No space left on device", "Read-only file system",
];

/** Whether a connect error text is the director's own (a checker fault) rather than the server's answer. */
export function isLocalError(text: string): boolean {
  const t = text.trim().toLowerCase();
  return LOCAL_ERRNO.some((e) => t === e.toLowerCase() || t.endsWith(`: ${e.toLowerCase()}`));
}

/** Turns one check's line into a result (pure, so the judging is unit-tested). */
export function judgeLine(spec: CheckSpec, rc: number, latencyMs: number, answer: string): CheckResult {
  const timeout = rc === 124 || rc === 143 || rc === 137;
  if (rc === 127) return { id: spec.id, ok: false, latencyMs: null, message: "a program the check needs is missing on the director", fault: "a program the check needs is missing on the director" };
  // 126: found but not executable (e.g. curl without its x bit): the director's fault, not the server's
  // (curl itself never exits 126; measured on a Debian 12 director: it was judged "connection refused")
  if (rc === 126) return { id: spec.id, ok: false, latencyMs: null, message: "checker fault: a program the check needs cannot be run on the director (exit 126)", fault: "a program the check needs cannot be run on the director (exit 126)" };
  if (spec.kind !== "tcp" && rc === 111) return { id: spec.id, ok: false, latencyMs: null, message: "connection refused or unreachable" };
  if (spec.kind === "tcp") {
    if (rc === 0) return { id: spec.id, ok: true, latencyMs, message: "connected" };
    return { id: spec.id, ok: false, latencyMs: null, message: timeout ? `timeout after ${spec.timeoutMs} ms` : "connection refused or unreachable" };
  }
  if (timeout && !answer) return { id: spec.id, ok: false, latencyMs: null, message: `timeout after ${spec.timeoutMs} ms` };
  if (rc === 111 || (rc !== 0 && !answer)) return { id: spec.id, ok: false, latencyMs: null, message: "connection refused or unreachable" };
  const j = judgeHttp(spec, answer);
  return { id: spec.id, ok: j.ok, latencyMs: j.ok ? latencyMs : null, message: timeout && !j.ok ? `timeout after ${spec.timeoutMs} ms (${j.message})` : j.message };
}

/** A check that could not connect or could not run: `r ID RC MS x ERROR`. */
export function judgeError(spec: CheckSpec, rc: number, error: string): CheckResult {
  const e = error.trim();
  if (rc === 124 && e === "timeout") return { id: spec.id, ok: false, latencyMs: null, message: `timeout after ${spec.timeoutMs} ms` };
  if (rc === 127) {
    const fault = e || "a program the check needs is missing on the director";
    return { id: spec.id, ok: false, latencyMs: null, message: `checker fault: ${fault}`, fault };
  }
  // a router's ICMP "net unreachable" gives the same errno as the director's own missing route: on its
  // own a failure; the same on every check of a service is a checker fault (fault.ts)
  if (isLocalError(e)) return { id: spec.id, ok: false, latencyMs: null, message: `the director cannot connect: ${e}`, local: `the director cannot connect: ${e}` };
  return { id: spec.id, ok: false, latencyMs: null, message: e ? e.charAt(0).toLowerCase() + e.slice(1) : "connection refused or unreachable" };
}

export function parseRound(stdout: string, n: string, checks: readonly CheckSpec[]): RoundOutput {
  const m = parseSections(stdout, n);
  const byId = new Map(checks.map((c) => [c.id, c]));
  const seen = new Map<string, CheckResult>();
  const placeholder = new Map<string, CheckResult>();
  for (const line of (m.get("checks")?.text ?? "").split("\n")) {
    const f = line.split(" ");
    if ((f[0] !== "r" && f[0] !== "p") || f.length < 5) continue;
    const spec = byId.get(f[1]!);
    if (!spec) continue;
    // "s": the status line and whether the body held the substring; "b": the raw answer in base64; "x": an error
    if (f[4] === "x") {
      (f[0] === "p" ? placeholder : seen).set(spec.id, judgeError(spec, Number(f[2]), f.slice(5).join(" ")));
      continue;
    }
    const answer = f[4] === "s"
      ? (f.slice(6).join(" ") ? `${f.slice(6).join(" ")}\r\n\r\n${f[5] === "1" ? spec.bodyContains ?? "" : ""}` : "")
      : f[5] ? Buffer.from(f[5], "base64").toString("latin1") : "";
    seen.set(spec.id, judgeLine(spec, Number(f[2]), Number(f[3]), answer));
  }
  const faultText = m.get("fault")?.text.trim() || null;
  const stderr = m.get("stderr");
  const why = faultText ?? (stderr?.text.trim().split("\n")[0] || (stderr && stderr.rc ? `the probe program exited with status ${stderr.rc}` : null));
  // A check with no line at all never started: the checker failed, which says nothing about the server
  // (one the watchdog ended left its timeout line: that one the server earned).
  const results = checks.map((c) => {
    if (faultText) return { id: c.id, ok: false, latencyMs: null, message: `checker fault: ${faultText}`, fault: faultText };
    const r = seen.get(c.id) ?? placeholder.get(c.id);
    if (r) return r;
    const fault = `the check did not run on the director${why ? `: ${why}` : ""}`;
    return { id: c.id, ok: false, latencyMs: null, message: `checker fault: ${fault}`, fault };
  });
  const text = (k: string) => {
    const s = m.get(k);
    return s && s.rc === 0 ? s.text : null;
  };
  return { results, save: text("save"), list: text("list"), stats: text("stats"), rate: text("rate"), complete: m.has("end"), fault: faultText };
}

export { nonce };
