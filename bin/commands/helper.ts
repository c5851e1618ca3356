// `lvs helper install`: installs the panel's sudo helper (/usr/local/sbin/lvs-panel-helper) and its one
// sudoers line on a host, over SSH, as root or through the SSH user's current sudo (lib/ssh/helper.ts).
//
//   lvs helper install --target user@host[:port] --key FILE --known-hosts FILE [--user NAME]
//
// --user: the account the sudoers line is for (default: the --target user). Exit codes as `lvs director`.
import { UsageError, parseArgs, type Command } from "./io";
import { EXIT, failure, printJson, sshTargetFrom } from "./director";

export const helperCommand: Command = {
  summary: "installs the panel's sudo helper and its one sudoers line on a host (run once, as root or through existing sudo); JSON out",
  usage: "helper install --target user@host[:port] --key FILE --known-hosts FILE [--user NAME]",
  async run(args, io) {
    const [verb, ...rest] = args;
    if (verb !== "install") throw new UsageError("the first argument is install");
    const { options, positionals } = parseArgs(rest, { options: ["target", "key", "known-hosts", "user"] });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const target = await sshTargetFrom(options, io);
    const user = options.get("user") ?? target.username;
    const { SshPool, helperSudoersLine, installSudoHelper } = await import("../../lib/ssh");
    try {
      helperSudoersLine(user); // refused before connecting
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const pool = new SshPool({ connectAttempts: 2, backoffMs: 200 });
    try {
      const r = await installSudoHelper(pool, target, user);
      printJson(io, { ok: true, target: `${target.username}@${target.host}:${target.port}`, user, sudoers: helperSudoersLine(user), output: r.output });
      return EXIT.ok;
    } catch (e) {
      return await failure(io, e);
    } finally {
      await pool.close();
    }
  },
};
