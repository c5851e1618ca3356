// `lvs director status|apply`: what the panel does to a director, from a shell, over SSH directly
// (lib/director + lib/ssh; no panel, no database). Always prints JSON on stdout.
//
//   lvs director status --target user@host[:port] --key FILE --known-hosts FILE [--desired FILE.json]
//   lvs director apply  --target user@host[:port] --key FILE --known-hosts FILE --desired FILE.json
//                       [--dry-run] [--prune] [--graceful] [--adopt]
//
// --desired is a lib/ipvs table ({ "services": [...] }, as `lvs plan --desired` takes) or
// { "table": {...}, "owned": ["TCP 10.0.0.1:80", ...], "adopt", "prune", "graceful" }. Without "owned"
// the panel owns exactly the desired services: others on the director are left alone unless --prune.
//
// Exit codes: the one table of every lvs verb (exit.ts): 0 done, 1 failed, 2 usage, 3 drift, 4 SSH error.
import { IPV4_MAPPED_RULE, isIPv4Mapped } from "../../lib/ipvs/address";
import { EXIT } from "./exit";
import { UsageError, parseArgs, type Command, type Io } from "./io";

export { EXIT };

export interface CliTarget {
  username: string;
  host: string;
  port: number;
}

/** user@host[:port], user@[v6]:port. Values are validated here: nothing odd reaches ssh2. */
export function parseTarget(s: string): CliTarget {
  const m = /^([a-z_][a-z0-9_.-]{0,31})@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?$/.exec(s);
  if (!m) throw new UsageError(`--target must be user@host[:port], not ${JSON.stringify(s.slice(0, 80))}`);
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (port < 1 || port > 65535) throw new UsageError("--target port must be 1..65535");
  const host = m[2]!.replace(/^\[|\]$/g, "");
  // the same rule as every address typed into the panel (forms, API)
  if (isIPv4Mapped(host)) throw new UsageError(`--target host ${IPV4_MAPPED_RULE}`);
  return { username: m[1]!, host, port };
}

/** The SSH pieces every remote verb takes: --target, --key, --known-hosts. */
export async function sshTargetFrom(options: ReadonlyMap<string, string>, io: Io) {
  const one = (n: string) => {
    const v = options.get(n);
    if (v === undefined) throw new UsageError(`--${n} is required`);
    return v;
  };
  const t = parseTarget(one("target"));
  const keyPem = await io.readFile(one("key")).catch((e: Error) => { throw new UsageError(`--key: ${e.message}`); });
  const known = await io.readFile(one("known-hosts")).catch((e: Error) => { throw new UsageError(`--known-hosts: ${e.message}`); });
  const { PrivateKey, knownHostKeys } = await import("../../lib/ssh");
  const pins = knownHostKeys(known, t.host, t.port);
  const pin = pins.find((k) => k.algorithm === "ssh-ed25519") ?? pins[0] ?? null;
  return { ...t, key: new PrivateKey(keyPem), hostKeyFingerprint: pin?.fingerprint ?? null, hostKeyAlgorithm: pin?.algorithm ?? null };
}

export function printJson(io: Io, v: unknown): void {
  io.out(JSON.stringify(v, null, 2) + "\n");
}

/** An error as JSON + exit code: SSH errors → 4 with their code, refused input → 1. */
export async function failure(io: Io, e: unknown): Promise<number> {
  const { isSshError } = await import("../../lib/ssh");
  if (isSshError(e)) {
    const { command: _command, stdout: _stdout, ...details } = e.details;
    printJson(io, { ok: false, error: { code: e.code, message: e.message, hint: e.hint, ...details, stderr: e.details.stderr?.slice(0, 2000) } });
    io.err(`lvs: ${e.code}: ${e.message}\n`);
    return EXIT.ssh;
  }
  const issues = (e as { issues?: unknown }).issues;
  if (e instanceof Error && (e.name === "InvalidDesired" || e.name === "InvalidParams")) {
    printJson(io, { ok: false, error: { code: "refused", message: e.message, issues } });
    io.err(`lvs: ${e.message}\n`);
    return EXIT.failed;
  }
  throw e;
}

async function readDesired(io: Io, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (e) {
    throw new UsageError(`--desired: ${(e as Error).message}`);
  }
  if (text.length > 16 * 1024 * 1024) throw new UsageError("--desired: file larger than 16 MiB");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--desired ${file} is not JSON: ${(e as Error).message}`);
  }
}

const SSH_OPTS = ["target", "key", "known-hosts"];

export const directorCommand: Command = {
  summary: "reads (status) or applies (apply) a director's IPVS table over SSH, as the panel does; JSON out; exit 0 ok, 1 failed, 2 usage, 3 drift/verify failed, 4 SSH error",
  usage: "director status --target user@host[:port] --key FILE --known-hosts FILE [--desired FILE.json]\n  lvs director apply --target user@host[:port] --key FILE --known-hosts FILE --desired FILE.json [--dry-run] [--prune] [--graceful] [--adopt]",
  async run(args, io) {
    const [verb, ...rest] = args;
    if (verb !== "status" && verb !== "apply") throw new UsageError("the first argument is status or apply");
    const { flags, options, positionals } = parseArgs(rest, verb === "apply" ? { flags: ["dry-run", "prune", "graceful", "adopt"], options: [...SSH_OPTS, "desired"] } : { flags: [], options: [...SSH_OPTS, "desired"] });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const desiredFile = options.get("desired");
    if (verb === "apply" && !desiredFile) throw new UsageError("--desired FILE.json is required");
    const target = await sshTargetFrom(options, io);
    let desiredInput: unknown = desiredFile ? await readDesired(io, desiredFile) : undefined;
    const { SshPool } = await import("../../lib/ssh");
    const { applyDirector, ipvsCore, probeDirector, readTable } = await import("../../lib/director");
    const { attachCounters, parseList } = await import("../../lib/ipvs");
    if (desiredInput !== undefined) {
      const d = desiredInput as Record<string, unknown>;
      const wrapped = typeof d === "object" && d !== null && "table" in d ? { ...d } : { table: d };
      for (const f of ["prune", "graceful", "adopt"] as const) if (flags.has(f)) (wrapped as Record<string, unknown>)[f] = true;
      desiredInput = wrapped;
    }
    const pool = new SshPool({ connectAttempts: 2, backoffMs: 200 });
    try {
      const desired = desiredInput === undefined ? null : ipvsCore.validate(desiredInput); // refused before connecting
      if (verb === "status") {
        const p = await probeDirector(pool, target);
        if (!p.ipvsadm.present || !p.ipvs.available) {
          printJson(io, { ok: false, target: `${target.username}@${target.host}:${target.port}`, probe: p, error: { code: p.ipvsadm.present ? "ipvs-unavailable" : "command-failed", message: p.ipvsadm.present ? p.ipvs.error : `ipvsadm is not installed (${p.installHint})` } });
          return EXIT.ssh;
        }
        const read = { save: p.save, thresholds: p.thresholds };
        const { table } = readTable(read);
        const counted = attachCounters(table, parseList(p.stats, ["stats"]));
        const differences = desired ? ipvsCore.verify(desired, read) : null;
        const { save: _s, thresholds: _t, stats: _st, ...probe } = p;
        printJson(io, { ok: true, target: `${target.username}@${target.host}:${target.port}`, ...probe, table: counted, raw: { save: p.save }, ...(differences ? { differences, inSync: differences.length === 0 } : {}) });
        return differences && differences.length ? EXIT.drift : EXIT.ok;
      }
      const r = await applyDirector(pool, target, ipvsCore, desiredInput, { dryRun: flags.has("dry-run") });
      printJson(io, { ok: r.outcome === "succeeded", target: `${target.username}@${target.host}:${target.port}`, ...r, before: r.before?.save ?? null, after: r.after?.save ?? null });
      if (r.error) {
        io.err(`lvs: ${r.error.code}: ${r.error.message}\n`);
        return EXIT.ssh;
      }
      if (r.failedStep) return EXIT.failed;
      if (r.dryRun) return r.steps.length ? EXIT.drift : EXIT.ok;
      return r.outcome === "verify_failed" ? EXIT.drift : EXIT.ok;
    } catch (e) {
      return await failure(io, e);
    } finally {
      await pool.close();
    }
  },
};
