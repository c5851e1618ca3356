import type { SshPool, SshTarget } from "@/lib/ssh";
import { SshError } from "@/lib/ssh";
import { parseRsParams, type RealServerParams, type RealServerParamsInput } from "./model";
import { parseScriptOutput, verdict, type RealServerFacts, type VipVerdict } from "./probe";
import { renderRsScript } from "./script";

export * from "./model";
export { renderRsScript, wantedSysctls } from "./script";
export { parseScriptOutput, verdict, vipFacingIface, type RealServerFacts, type VipVerdict } from "./probe";

export interface RealServerReport {
  /** What the script did, in order (`ok sysctls`, `ok vip 10.0.0.100 bound`, `note ...`). */
  events: string[];
  facts: RealServerFacts;
  verdicts: VipVerdict[];
  ready: boolean;
  durationMs: number;
}

async function run(pool: SshPool, target: SshTarget, params: RealServerParams, verbs: Array<"start" | "stop" | "status">): Promise<RealServerReport> {
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
export async function probeRealServer(pool: SshPool, target: SshTarget, params: RealServerParamsInput): Promise<RealServerReport> {
  return await run(pool, target, parseRsParams(params), ["status"]);
}

/** rs_vip.sh start: sysctls, verify, VIPs, persistence; then the probe. One exec. Idempotent. */
export async function prepareRealServer(pool: SshPool, target: SshTarget, params: RealServerParamsInput): Promise<RealServerReport> {
  return await run(pool, target, parseRsParams(params), ["start", "status"]);
}

/** rs_vip.sh stop: VIPs off; with none left, sysctls to 0 and persistence removed; then the probe. One exec. */
export async function undoRealServer(pool: SshPool, target: SshTarget, params: RealServerParamsInput): Promise<RealServerReport> {
  return await run(pool, target, parseRsParams(params), ["stop", "status"]);
}
