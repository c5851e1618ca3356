// `lvs convert FILE --from keepalived|yaml|json --to keepalived|yaml|json`: offline, no panel, no login.
// Notes go to stderr as FILE:LINE; anything without an equivalent is refused with exit 1.
import path from "node:path";
import { documentJsonSchema, readDocument, writeDocument, type ClusterDocument } from "../../lib/declarative";
import { formatItem, previewKeepalived, renderKeepalived } from "../../lib/keepalived";
import { fsReader } from "./fs-reader";
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
    const abs = path.resolve(file);
    const shown = (p: string) => (p === abs ? file : path.relative(process.cwd(), p) || p);
    let doc: ClusterDocument;
    if (from === "keepalived") {
      let r;
      try {
        r = previewKeepalived(abs, fsReader);
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const refused = r.items.filter((i) => i.kind === "refused");
      const shows = (k: string) => k === "refused" || k === "pending" || (k === "noted" && !flags.has("quiet")) || (k === "mapped" && flags.has("verbose"));
      for (const i of r.items) if (shows(i.kind)) io.err(`${formatItem({ ...i, file: shown(i.file), also: i.also?.map((a) => ({ ...a, file: shown(a.file) })) })}\n`);
      if (!r.ok) {
        io.err(`${file}: ${refused.length} directive${refused.length === 1 ? "" : "s"} without an equivalent: nothing converted\n`);
        return 1;
      }
      doc = r.document;
    } else {
      let text: string;
      try {
        text = await io.readFile(file);
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const r = readDocument(text, from);
      if (!r.ok) {
        for (const e of r.errors) io.err(`${file}:${e.line ?? "?"}: ${e.path ? `${e.path}: ` : ""}${e.message}\n`);
        return 1;
      }
      if (!flags.has("quiet")) for (const n of r.notices) io.err(`${file}: note: ${n.path}: ${n.message}\n`);
      doc = r.document;
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
