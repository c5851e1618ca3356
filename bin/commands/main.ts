// `lvs` dispatch: one entry per verb group. Other groups (director, rs, remote verbs) add a line here.
import { IpvsParseError } from "../../lib/ipvs/errors";
import { processIo, UsageError, type Command, type Io } from "./io";
import { parseCommand } from "./parse";
import { planCommand } from "./plan";
import { convertCommand } from "./convert";
import { remoteCommands, remotePlanCommand, rsCommand } from "./remote";
import { directorCommand } from "./director";
import { failoverCommand, haCommand } from "./ha";
import { helperCommand } from "./helper";
import { rsVerbs } from "./rs";
import { applyFileCommand, diffCommand, exportCommand, importCommand, rollbackCommand, versionsCommand } from "./config";
import pkg from "../../package.json" with { type: "json" };

const PACKAGE_VERSION: string = pkg.version;
import { EXIT } from "./exit";

export const COMMANDS: Record<string, Command> = {
  parse: parseCommand,
  plan: remotePlanCommand(planCommand), // `lvs plan CLUSTER` asks the panel; `lvs plan --desired …` stays local
  ...remoteCommands(), // login, clusters, apply, status: bin/commands/remote.ts
  apply: applyFileCommand(remoteCommands().apply!), // `lvs apply -f FILE` (config as code); `lvs apply CLUSTER` as before
  export: exportCommand(), diff: diffCommand(), versions: versionsCommand(), rollback: rollbackCommand(), import: importCommand(), // bin/commands/config.ts
  rs: rsVerbs(rsCommand()), // lvs rs status|prepare|undo over SSH (bin/commands/rs.ts); other rs verbs: remote.ts
  director: directorCommand, // lvs director status|apply over SSH: bin/commands/director.ts
  helper: helperCommand, // lvs helper install over SSH: bin/commands/helper.ts
  convert: convertCommand, // keepalived.conf ⇄ YAML/JSON, offline: bin/commands/convert.ts
  failover: failoverCommand(), ha: haCommand(), // director HA over the panel: bin/commands/ha.ts
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  lvs ${c.usage}\n      ${c.summary}`);
  return `usage:\n${lines.join("\n")}\n  lvs --version\n      the lvs version and the Node.js that runs it\n`;
}

/** Runs `lvs ARGS`; returns the exit status (0 ok, 1 bad input, 2 usage). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === "help" || verb === "--help" || verb === "-h") {
    (verb === undefined ? io.err : io.out)(usage());
    return verb === undefined ? EXIT.usage : EXIT.ok;
  }
  if (verb === "--version" || verb === "version") {
    // which Node.js runs it: the launcher may have switched to the pinned one (bin/lvs.mjs)
    io.out(`lvs ${PACKAGE_VERSION} (Node.js ${process.version}, ${process.execPath})\n`);
    return 0;
  }
  const cmd = COMMANDS[verb];
  if (!cmd) {
    io.err(`lvs: unknown command "${verb}"\n${usage()}`);
    return EXIT.usage;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`lvs ${verb}: ${e.message}\nusage: lvs ${cmd.usage}\n`);
      return EXIT.usage;
    }
    if (e instanceof IpvsParseError) {
      io.err(`${e.message}\n`);
      return EXIT.failed;
    }
    throw e;
  }
}
