import type { SshPool, SshTarget } from "@/lib/ssh";
import { SshError } from "@/lib/ssh";
import { parseRsParams, type RsParams, type RsParamsInput } from "./model";
import { parseScriptOutput, verdict, type RsFacts, type VipVerdict } from "./probe";
import { renderRsScript } from "./script";

export * from "./model";
export { renderRsScript, wantedSysctls } from "./script";
export { parseScriptOutput, verdict, vipFacingIface, type RsFacts, type VipVerdict } from "./probe";

export interface RsReport {
  /** What the script did, in order (`ok sysctls`, `ok vip 10.0.0.100 bound`, `note ...`). */
  events: string[];
  facts: RsFacts;
  verdicts: VipVerdict[];
  ready: boolean;
  durationMs: number;
}

async function run(pool: SshPool, target: SshTarget, params: RsParams, verbs: Array<"start" | "stop" | "status">): Promise<RsReport> {
  // Built (and so validated) before anything is sent.
  const script = renderRsScript(params);
  const r = await pool.script(target, script, verbs, { okExitCodes: "any" });
  const out = parseScriptOutput(r.stdout);
  if (out.failure !== null || r.exitCode !== 0 || !out.facts) {
    const code = /sudo: /.test(r.stderr) ? "permission-denied" : "command-failed";
    throw new SshError(code, `real server ${verbs[0]} failed: ${out.failure ?? r.stderr.trim().split("\n")[0] ?? `exit ${r.exitCode}`}`, { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs });
  }
  const verdicts = verdict(out.facts, params);
  return { events: out.events, facts: out.facts, verdicts, ready: verdicts.every((v) => v.ready), durationMs: r.durationMs };
}

/** Reads the real server's state and judges it per VIP. One exec. */
export async function probeRealServer(pool: SshPool, target: SshTarget, params: RsParamsInput): Promise<RsReport> {
  return await run(pool, target, parseRsParams(params), ["status"]);
}

/** rs_vip.sh start: sysctls, verify, VIPs, persistence; then the probe. One exec. Idempotent. */
export async function prepareRealServer(pool: SshPool, target: SshTarget, params: RsParamsInput): Promise<RsReport> {
  return await run(pool, target, parseRsParams(params), ["start", "status"]);
}

/** rs_vip.sh stop: VIPs off; with none left, sysctls to 0 and persistence removed; then the probe. One exec. */
export async function undoRealServer(pool: SshPool, target: SshTarget, params: RsParamsInput): Promise<RsReport> {
  return await run(pool, target, parseRsParams(params), ["stop", "status"]);
}
