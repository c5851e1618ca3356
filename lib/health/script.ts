// Director-side checks: ONE exec per director per round runs every due check in parallel (bash
// /dev/tcp for TCP and HTTP, curl or busybox wget for HTTPS), and, when asked, reads the kernel
// table and its counters in the same exec (the poller). Every value reaching the shell is quoted
// with lib/ssh's shQuote after lib/health/config validated it.
import { shQuote } from "@/lib/ssh";
import { nonce, parseSections, sectionHelpers } from "@/lib/director/sections";
import { judgeHttp, type CheckResult, type CheckSpec } from "./config";

/** Bytes of an answer brought back (status line, headers and the start of the body). */
export const ANSWER_BYTES = 16384;

const FUNCS = `
D=$(mktemp -d 2>/dev/null || { mkdir -p /tmp/lvsp-hc.$$ && echo /tmp/lvsp-hc.$$; })
# one subshell per check and no other process for tcp/http: forks are what a busy director pays for
hc() { # out id kind addr port timeout_s path host needle
  local t0=\${EPOCHREALTIME/./} rc=0 r= f=0 e
  case $3 in
    tcp) { exec 3<>"/dev/tcp/$4/$5"; } 2>/dev/null || rc=111 ;;
    http) if { exec 3<>"/dev/tcp/$4/$5"; } 2>/dev/null; then
        printf 'GET %s HTTP/1.0\\r\\nHost: %s\\r\\nUser-Agent: lvs-panel-health\\r\\nConnection: close\\r\\n\\r\\n' "$7" "$8" >&3
        IFS= read -r -d '' -t "$6" -N 16384 r <&3; e=$?
        [ $e -gt 128 ] && [ -z "$r" ] && rc=124
        [ -n "$9" ] && [[ \${r#*$'\\r\\n\\r\\n'} == *"$9"* ]] && f=1
        r=\${r%%$'\\n'*}; r=\${r%$'\\r'}
      else rc=111; fi
      e=\${EPOCHREALTIME/./}; printf 'r %s %s %s s %s %s\\n' "$2" "$rc" $(( (e - t0) / 1000 )) "$f" "$r" > "$D/$1"; return ;;
    https) local u="https://$4:$5$7"; case $4 in *:*) u="https://[$4]:$5$7" ;; esac
      if command -v curl >/dev/null 2>&1; then
        r=$(set -o pipefail; timeout "$6" curl -sk -i -H "Host: $8" -A lvs-panel-health "$u" 2>/dev/null | head -c 16384 | base64 -w0); rc=$?
      else
        r=$(timeout "$6" wget -S -O - -T "$6" --no-check-certificate --header "Host: $8" -U lvs-panel-health "$u" 2>&1 | head -c 16384 | base64 -w0); rc=0
        [ -n "$r" ] || rc=1
      fi ;;
  esac
  e=\${EPOCHREALTIME/./}; printf 'r %s %s %s b %s\\n' "$2" "$rc" $(( (e - t0) / 1000 )) "$r" > "$D/$1"
}
`;

function timeoutSeconds(ms: number): string {
  return (Math.max(100, ms) / 1000).toFixed(3);
}

/** The script for one round on one director. `poll`: also read the table and counters. */
export function checkScript(n: string, checks: readonly CheckSpec[], opts: { poll: boolean; table: boolean }): string {
  const L = [sectionHelpers(n), FUNCS];
  checks.forEach((c, i) => {
    L.push(`hc ${i} ${shQuote(c.id)} ${c.kind} ${shQuote(c.address)} ${c.port} ${timeoutSeconds(c.timeoutMs)} ${shQuote(c.path)} ${shQuote(c.host)} ${shQuote(c.bodyContains ?? "")} & P="$P $!"`);
  });
  // a connect to a dead host blocks: one watchdog ends whatever is still running at the largest timeout
  const maxT = Math.max(100, ...checks.map((c) => c.timeoutMs));
  if (checks.length) L.push(`( sleep ${timeoutSeconds(maxT)}; kill $P ) >/dev/null 2>&1 & W=$!`);
  // the table read runs while the checks are in flight
  if (opts.table || opts.poll) L.push(`sec save; $SUDO ipvsadm -S -n 2>&1; rc $?`);
  if (opts.poll) {
    L.push(`sec list; $SUDO ipvsadm -Ln 2>&1; rc $?`);
    L.push(`sec stats; $SUDO ipvsadm -Ln --stats --exact 2>&1; rc $?`);
    L.push(`sec rate; $SUDO ipvsadm -Ln --rate --exact 2>&1; rc $?`);
  }
  L.push(checks.length ? `wait $P 2>/dev/null; kill $W 2>/dev/null` : `true`, `sec checks; cat "$D"/* 2>/dev/null; rc 0`, `rm -rf "$D"`, `sec end`);
  return L.join("\n") + "\n";
}

export interface RoundOutput {
  results: CheckResult[];
  save: string | null;
  list: string | null;
  stats: string | null;
  rate: string | null;
  complete: boolean;
}

/** Turns one check's line into a result (pure, so the judging is unit-tested). */
export function judgeLine(spec: CheckSpec, rc: number, latencyMs: number, answer: string): CheckResult {
  const timeout = rc === 124 || rc === 143 || rc === 137;
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

export function parseRound(stdout: string, n: string, checks: readonly CheckSpec[]): RoundOutput {
  const m = parseSections(stdout, n);
  const byId = new Map(checks.map((c) => [c.id, c]));
  const seen = new Map<string, CheckResult>();
  for (const line of (m.get("checks")?.text ?? "").split("\n")) {
    const f = line.split(" ");
    if (f[0] !== "r" || f.length < 5) continue;
    const spec = byId.get(f[1]!);
    if (!spec) continue;
    // "b": the raw answer in base64; "s": the status line and whether the body held the substring
    const answer = f[4] === "s"
      ? (f.slice(6).join(" ") ? `${f.slice(6).join(" ")}\r\n\r\n${f[5] === "1" ? spec.bodyContains ?? "" : ""}` : "")
      : f[5] ? Buffer.from(f[5], "base64").toString("latin1") : "";
    seen.set(spec.id, judgeLine(spec, Number(f[2]), Number(f[3]), answer));
  }
  // a check that printed nothing (killed, /tmp full) counts as failed: never as passed
  const results = checks.map((c) => seen.get(c.id) ?? { id: c.id, ok: false, latencyMs: null, message: `no answer within ${c.timeoutMs} ms (timeout)` });
  const text = (k: string) => {
    const s = m.get(k);
    return s && s.rc === 0 ? s.text : null;
  };
  return { results, save: text("save"), list: text("list"), stats: text("stats"), rate: text("rate"), complete: m.has("end") };
}

export { nonce };
