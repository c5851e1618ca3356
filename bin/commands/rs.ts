// `lvs rs status|prepare|undo`: a real server's DR/TUN preparation over SSH directly, as the panel
// does it (lib/realserver: one exec each). JSON on stdout. Exit codes from the one table (exit.ts):
// 0 ready / done, 1 failed (or refused before any command), 2 usage, 3 not ready (status / prepare
// verification), 4 SSH error (error.code).
//
//   lvs rs status|prepare|undo --target user@host[:port] --key FILE --known-hosts FILE --vip A [--vip B ...]
//                              [--mode dr|tun] [--port N] [--iface IF] [--director ADDR]
//
// Other `lvs rs` verbs (add, rm, drain, ... CLUSTER ...) talk to the panel (remote.ts): `rsVerbs`
// routes status/prepare/undo here and everything else there.
import { UsageError, parseArgs, type Command } from "./io";
import { EXIT, failure, printJson, sshTargetFrom } from "./director";

const VERBS = ["status", "prepare", "undo"] as const;

export const localRsCommand: Command = {
  summary: "probes, prepares (ARP sysctls, VIP on lo, persistence) or undoes a real server for DR/TUN over SSH; JSON out; exit 0 ready, 1 failed, 2 usage, 3 not ready, 4 SSH error",
  usage: "rs status|prepare|undo --target user@host[:port] --key FILE --known-hosts FILE --vip A [--vip B] [--mode dr|tun] [--port N] [--iface IF] [--director ADDR]",
  async run(args, io) {
    const [verb, ...rest] = args;
    if (!verb || !(VERBS as readonly string[]).includes(verb)) throw new UsageError(`the first argument is one of ${VERBS.join(", ")}`);
    const { options, repeated, positionals } = parseArgs(rest, { options: ["target", "key", "known-hosts", "mode", "port", "iface", "director"], repeat: ["vip"] });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const vips = repeated.get("vip") ?? [];
    if (!vips.length) throw new UsageError("--vip is required (repeat it for several VIPs)");
    const modeText = options.get("mode") ?? "dr";
    if (modeText !== "dr" && modeText !== "tun") throw new UsageError("--mode is dr or tun");
    const portText = options.get("port");
    if (portText !== undefined && !/^\d{1,5}$/.test(portText)) throw new UsageError("--port must be a number 1..65535");
    const params = {
      vips,
      mode: modeText === "tun" ? ("tunnel" as const) : ("route" as const),
      ...(portText !== undefined ? { port: Number(portText) } : {}),
      ...(options.has("iface") ? { iface: options.get("iface") as string } : {}),
      ...(options.has("director") ? { director: options.get("director") as string } : {}),
    };
    const target = await sshTargetFrom(options, io);
    const { SshPool } = await import("../../lib/ssh");
    const rs = await import("../../lib/realserver");
    const pool = new SshPool({ connectAttempts: 2, backoffMs: 200 });
    try {
      rs.parseRsParams(params); // refused before connecting
      const fn = verb === "prepare" ? rs.prepareRealServer : verb === "undo" ? rs.undoRealServer : rs.probeRealServer;
      const r = await fn(pool, target, params);
      const ok = verb === "undo" ? true : r.ready;
      printJson(io, { ok, verb, target: `${target.username}@${target.host}:${target.port}`, ...r });
      return ok ? EXIT.ok : EXIT.drift;
    } catch (e) {
      return await failure(io, e);
    } finally {
      await pool.close();
    }
  },
};

/** `lvs rs`: status/prepare/undo here (over SSH), the panel's verbs (add, rm, ...) in `remote`. */
export function rsVerbs(remote: Command): Command {
  return {
    summary: `${remote.summary}. Over SSH without the panel: ${localRsCommand.summary}`,
    usage: `${remote.usage}\n  lvs ${localRsCommand.usage}`,
    run: (args, io) => ((VERBS as readonly string[]).includes(args[0] ?? "") ? localRsCommand.run(args, io) : remote.run(args, io)),
  };
}
