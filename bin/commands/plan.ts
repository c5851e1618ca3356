// `lvs plan`: desired JSON vs the actual `ipvsadm -S -n` → the ipvsadm commands, one per line.
import { IpvsParseError } from "../../lib/ipvs/errors";
import { mergeThresholds } from "../../lib/ipvs/merge";
import { parseList } from "../../lib/ipvs/parse-list";
import { parseSave } from "../../lib/ipvs/parse-save";
import { planReport } from "../../lib/ipvs/plan";
import { renderRestore, stepCommand } from "../../lib/ipvs/render";
import { validateTable } from "../../lib/ipvs/schema";
import { UsageError, parseArgs, type Command, type Io } from "./io";
import { EXIT } from "./exit";

async function read(io: Io, path: string, what: string): Promise<string> {
  try {
    return await io.readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function withFile<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof IpvsParseError) throw new IpvsParseError(e.line, e.text, `${path}: ${e.reason}`);
    throw e;
  }
}

export const planCommand: Command = {
  summary:
    "prints the ipvsadm commands that turn ACTUAL (ipvsadm -S -n) into DESIRED ({\"services\":[...]}), one per line, nothing when in sync. " +
    "--thresholds adds -Ln --thresholds (the save format lacks -x/-y); --conns gives -Ln for --graceful; --restore prints one ipvsadm -R batch; " +
    "services not in DESIRED are left alone unless --prune",
  usage: "plan --desired FILE.json --actual SAVE.txt [--thresholds LIST.txt] [--conns LIST.txt] [--prune] [--graceful] [--adopt] [--restore]",
  async run(args, io) {
    const { flags, options, positionals } = parseArgs(args, {
      flags: ["prune", "graceful", "adopt", "restore"],
      options: ["desired", "actual", "thresholds", "conns"],
    });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const desiredPath = options.get("desired"), actualPath = options.get("actual");
    if (!desiredPath || !actualPath) throw new UsageError("--desired and --actual are required");

    let raw: unknown;
    try {
      raw = JSON.parse(await read(io, desiredPath, "desired"));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      io.err(`${desiredPath}: not JSON: ${(e as Error).message}\n`);
      return EXIT.failed;
    }
    const desired = validateTable(raw);
    if (!desired.ok) {
      for (const x of desired.errors) io.err(`${desiredPath}: ${x.path || "(top)"}: ${x.message}\n`);
      return EXIT.failed;
    }
    for (const n of desired.notices) io.err(`note: ${n.path}: ${n.message}\n`);

    const saveText = await read(io, actualPath, "actual");
    let actual = withFile(actualPath, () => parseSave(saveText));
    const thPath = options.get("thresholds");
    if (thPath) {
      const t = await read(io, thPath, "thresholds");
      actual = mergeThresholds(actual, withFile(thPath, () => parseList(t, ["thresholds"])));
    }
    const connsPath = options.get("conns");
    const connections = connsPath ? await read(io, connsPath, "conns").then((t) => withFile(connsPath, () => parseList(t))) : undefined;

    const report = planReport(desired.value, actual, {
      prune: flags.has("prune"), graceful: flags.has("graceful"), adopt: flags.has("adopt"), ...(connections ? { connections } : {}),
    });
    for (const c of report.conflicts) io.err(`conflict: ${c.reason}\n`);
    for (const d of report.draining)
      io.err(`draining: ${d.service}${d.destination ? ` -> ${d.destination}` : ""} (${d.activeConns === null ? "active connections unknown: pass --conns" : `${d.activeConns} active`})\n`);
    io.out(flags.has("restore") ? renderRestore(report.steps) : report.steps.map((s) => stepCommand(s) + "\n").join(""));
    return EXIT.ok;
  },
};
