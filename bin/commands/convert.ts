// `lvs convert FILE --from keepalived|yaml|json --to keepalived|yaml|json`: offline, no panel, no login.
// Notes go to stderr as FILE:LINE; anything without an equivalent is refused with exit 1.
import { documentJsonSchema, writeDocument, type ClusterDocument } from "../../lib/declarative";
import { renderKeepalived } from "../../lib/keepalived";
import { readDocumentFile, readKeepalivedFile } from "./document-file";
import { UsageError, parseArgs, type Command } from "./io";

const FORMATS = ["keepalived", "yaml", "json"] as const;
type Format = (typeof FORMATS)[number];
const format = (v: string | undefined, opt: string): Format => {
  if (v && (FORMATS as readonly string[]).includes(v)) return v as Format;
  throw new UsageError(`--${opt} must be one of ${FORMATS.join(", ")}`);
};

export const convertCommand: Command = {
  summary:
    "converts a cluster between keepalived.conf and the panel's declarative document (YAML/JSON), offline; includes are resolved relative to FILE; " +
    "notes on stderr (--verbose: every directive mapped one-to-one too; --quiet: no notes); exit 1 naming FILE:LINE for anything without an equivalent. --full writes every default too; --json-schema prints the document's JSON Schema",
  usage: "convert FILE --from keepalived|yaml|json --to keepalived|yaml|json [--quiet | --verbose] [--full] | convert --json-schema",
  async run(args, io) {
    const { flags, options, positionals } = parseArgs(args, { flags: ["quiet", "verbose", "full", "json-schema"], options: ["from", "to"] });
    if (flags.has("json-schema")) {
      if (positionals.length || options.size) throw new UsageError("--json-schema takes no other argument");
      io.out(`${JSON.stringify(documentJsonSchema(), null, 2)}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError("one FILE expected");
    const from = format(options.get("from"), "from"), to = format(options.get("to"), "to");
    const file = positionals[0]!;
    let doc: ClusterDocument | null;
    if (from === "keepalived") {
      const shows = (k: string) => k === "refused" || k === "pending" || (k === "noted" && !flags.has("quiet")) || (k === "mapped" && flags.has("verbose"));
      const r = readKeepalivedFile(file, io, shows);
      if (!r.document) {
        io.err(`${file}: ${r.refused} directive${r.refused === 1 ? "" : "s"} without an equivalent: nothing converted\n`);
        return 1;
      }
      doc = r.document;
    } else {
      doc = await readDocumentFile(file, from, io, { quiet: flags.has("quiet") });
      if (!doc) return 1;
    }
    if (to !== "keepalived") {
      io.out(writeDocument(doc, to, { full: flags.has("full") }));
      return 0;
    }
    const e = renderKeepalived(doc);
    for (const n of e.notes) if (n.kind === "refused" || !flags.has("quiet")) io.err(`${file}: ${n.kind === "refused" ? "no equivalent in keepalived" : "note"}: ${n.path}: ${n.message}\n`);
    if (!e.ok) return 1;
    io.out(e.text);
    return 0;
  },
};
