// Config as code, remote verbs of `lvs` (a client of the panel's /api/v1):
//
//   lvs export CLUSTER [--format yaml|json|keepalived] [--full]   the desired state as one document
//   lvs diff -f FILE [--cluster NAME]          what storing FILE would change, then the plan on the director
//   lvs apply -f FILE [--dry-run]              store FILE (a new version), plan, apply; a second run is a no-op
//   lvs versions CLUSTER                       the versions of the desired state and the applies of each
//   lvs rollback CLUSTER VERSION [--apply]     that version's desired state as a new version, the plan, (apply)
//   lvs import keepalived FILE --cluster NAME [--yes]   preview (FILE:LINE), store only with --yes
//
// The cluster of -f FILE is its `cluster.name` unless --cluster names it. A document with a bad value
// is refused before anything is sent (FILE:LINE: path: message), exit EXIT.refused; nothing changes.
import type { ClusterDocument, DocumentFormat } from "../../lib/declarative";
import { readDocumentFile, readKeepalivedFile } from "./document-file";
import { EXIT } from "./exit";
import { UsageError, parseArgs, type Command, type Io } from "./io";
import { client, defaultDeps, guarded, needConfig, type Client, type RemoteDeps } from "./remote";

const enc = encodeURIComponent;
/** `-f FILE` as `--file FILE` (parseArgs knows long options only). */
const longF = (args: string[]) => args.map((a) => (a === "-f" ? "--file" : a));

type Change = { kind: string; text: string };
type PlanHost = { host: string; role: string; steps: Array<{ command: string; disruptive: boolean; why?: string }>; note: string | null; error: string | null };
type DiffBody = { cluster: string; changes: Change[]; plan: PlanHost[] | null; planSteps: number | null };

function formatOf(file: string, text: string): DocumentFormat {
  if (/\.json$/i.test(file)) return "json";
  if (/\.ya?ml$/i.test(file)) return "yaml";
  return /^\s*\{/.test(text) ? "json" : "yaml";
}

/** Reads and validates FILE locally: the document, or null after printing FILE:LINE: path: message. */
async function readFileDocument(file: string, io: Io): Promise<ClusterDocument | null> {
  const doc = await readDocumentFile(file, (text) => formatOf(file, text), io);
  if (!doc) io.err(`${file}: not a valid cluster document: nothing sent, nothing changed\n`);
  return doc;
}

function clusterOf(doc: ClusterDocument, given: string | undefined, file: string): string {
  const name = given ?? doc.cluster?.name;
  if (!name) throw new UsageError(`${file} names no cluster (cluster.name): give --cluster NAME`);
  return name;
}

function printPlan(io: Io, plan: PlanHost[]) {
  for (const h of plan) {
    if (h.role !== "director" && !h.steps.length) continue;
    io.out(`# ${h.host} (${h.role})${h.error ? `: ERROR ${h.error}` : ""}\n`);
    for (const s of h.steps) io.out(`${s.command}${s.disruptive ? "   # disruptive" : ""}\n`);
    if (h.note) io.out(`# ${h.note}\n`);
  }
}

function printChanges(io: Io, changes: Change[], what: string) {
  if (!changes.length) io.out(`${what}: no change\n`);
  else for (const c of changes) io.out(`${c.kind === "add" ? "+" : c.kind === "remove" ? "-" : "~"} ${c.text}\n`);
}

async function diff(c: Client, cluster: string, doc: ClusterDocument, io: Io, json: boolean): Promise<DiffBody> {
  const { body } = await c.call("POST", `/clusters/${enc(cluster)}/document/diff`, doc);
  const d = body as DiffBody;
  if (json) io.out(JSON.stringify(d, null, 2) + "\n");
  else {
    io.out(`# desired state of ${cluster}\n`);
    printChanges(io, d.changes, "desired state");
    if (d.plan) {
      io.out(`# then on the directors (${d.planSteps} command${d.planSteps === 1 ? "" : "s"})\n`);
      printPlan(io, d.plan);
    }
  }
  return d;
}

const planErrors = (d: { plan: PlanHost[] | null }) => (d.plan ?? []).filter((h) => h.error).length;

export function exportCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "prints CLUSTER's desired state as one declarative document (YAML by default; JSON; keepalived.conf), to keep in git",
    usage: "export CLUSTER [--format yaml|json|keepalived] [--full]",
    async run(args, io) {
      const { flags, options, positionals } = parseArgs(args, { flags: ["full"], options: ["format"] });
      if (positionals.length !== 1) throw new UsageError("give the cluster");
      const format = options.get("format") ?? "yaml";
      if (!["yaml", "json", "keepalived"].includes(format)) throw new UsageError("--format must be yaml, json or keepalived");
      return guarded(io, false, async () => {
        const { body } = await client(needConfig(deps), deps.fetch).call("GET", `/clusters/${enc(positionals[0]!)}/document?format=${format}${flags.has("full") ? "&full=true" : ""}`);
        io.out(typeof body === "string" ? body : JSON.stringify(body, null, 2) + "\n");
        return EXIT.ok;
      });
    },
  };
}

export function diffCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "what storing the document in FILE would change in the panel's desired state, then what the director would run (exit 0: nothing; 3: something would change)",
    usage: "diff -f FILE [--cluster NAME] [--json]",
    async run(args, io) {
      const { flags, options, positionals } = parseArgs(longF(args), { flags: ["json"], options: ["file", "cluster"] });
      const file = options.get("file");
      if (!file || positionals.length) throw new UsageError("give -f FILE");
      const doc = await readFileDocument(file, io);
      if (!doc) return EXIT.refused;
      const cluster = clusterOf(doc, options.get("cluster"), file);
      return guarded(io, flags.has("json"), async () => {
        const d = await diff(client(needConfig(deps), deps.fetch), cluster, doc, io, flags.has("json"));
        if (planErrors(d)) return EXIT.failed;
        return d.changes.length || d.planSteps ? EXIT.drift : EXIT.ok;
      });
    },
  };
}

type Run = { id: string; outcome: string; error: string | null; steps: Array<{ host: string; command: string; status: string; stdout: string; stderr: string }> };

async function applyNow(c: Client, cluster: string, io: Io, json: boolean): Promise<number> {
  const { body } = await c.call("POST", `/clusters/${enc(cluster)}/apply?wait=true&timeout=300`);
  const run = body as Run;
  if (json) io.out(JSON.stringify(run, null, 2) + "\n");
  else {
    for (const s of run.steps) io.out(`${s.status.padEnd(10)}${s.host}: ${s.command}\n`);
    io.out(`apply ${run.id}: ${run.outcome}${run.error ? ` — ${run.error}` : ""}\n`);
  }
  if (run.outcome === "succeeded") return EXIT.ok;
  return run.outcome === "verify_failed" ? EXIT.drift : EXIT.failed;
}

/** `lvs apply -f FILE`: store (a version), plan, apply only when the director differs. `lvs apply CLUSTER` stays the plain apply. */
export function applyFileCommand(plain: Command, deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: `${plain.summary}. With -f FILE: stores the document as the desired state (a new version when it changes anything), then applies when the director differs; ` +
      "a second run is a no-op (exit 0); --dry-run only shows what would change (exit 3 if anything would)",
    usage: `${plain.usage}\n  lvs apply -f FILE [--cluster NAME] [--dry-run] [--json]`,
    async run(args, io) {
      if (!args.some((a) => a === "-f" || a === "--file" || a.startsWith("--file="))) return plain.run(args, io);
      const { flags, options, positionals } = parseArgs(longF(args), { flags: ["json", "dry-run"], options: ["file", "cluster"] });
      const file = options.get("file")!;
      if (positionals.length) throw new UsageError("with -f FILE, the cluster is the document's cluster.name (or --cluster NAME)");
      const doc = await readFileDocument(file, io);
      if (!doc) return EXIT.refused;
      const cluster = clusterOf(doc, options.get("cluster"), file);
      const json = flags.has("json");
      return guarded(io, json, async () => {
        const c = client(needConfig(deps), deps.fetch);
        if (flags.has("dry-run")) {
          const d = await diff(c, cluster, doc, io, json);
          if (planErrors(d)) return EXIT.failed;
          return d.changes.length || d.planSteps ? EXIT.drift : EXIT.ok;
        }
        const { body } = await c.call("PUT", `/clusters/${enc(cluster)}/document?source=cli`, doc);
        const stored = body as { changed: boolean; changes: string[]; clusterVersion: number | null };
        if (!json) io.out(stored.changed ? `stored as version ${stored.clusterVersion}:\n${stored.changes.map((x) => `  ${x}\n`).join("")}` : `desired state of ${cluster}: no change (version ${stored.clusterVersion})\n`);
        const plan = (await c.call("POST", `/clusters/${enc(cluster)}/plan`)).body as { hosts: PlanHost[]; changes: number; errors: string[] };
        if (plan.errors.length) {
          if (json) io.out(JSON.stringify({ stored, plan }, null, 2) + "\n");
          else printPlan(io, plan.hosts);
          return EXIT.failed;
        }
        if (!plan.changes) {
          if (json) io.out(JSON.stringify({ stored, plan, apply: null }, null, 2) + "\n");
          else io.out(`the director already matches: nothing to apply\n`);
          return EXIT.ok;
        }
        return applyNow(c, cluster, io, json);
      });
    },
  };
}

type VersionRow = { number: number; actor: string; source: string; createdAt: string; changes: string[]; applies: Array<{ id: string; outcome: string; verified: boolean }> };

export function versionsCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "lists the versions of CLUSTER's desired state (who, when, from where, what changed) and the applies that pushed each",
    usage: "versions CLUSTER [--json]",
    async run(args, io) {
      const { flags, positionals } = parseArgs(args, { flags: ["json"] });
      if (positionals.length !== 1) throw new UsageError("give the cluster");
      return guarded(io, flags.has("json"), async () => {
        const { body } = await client(needConfig(deps), deps.fetch).call("GET", `/clusters/${enc(positionals[0]!)}/versions`);
        const v = (body as { versions: VersionRow[] }).versions;
        if (flags.has("json")) io.out(JSON.stringify(body, null, 2) + "\n");
        else for (const x of v) {
          const applied = x.applies.length ? `  applied: ${x.applies.map((a) => (a.verified ? "verified" : a.outcome)).join(", ")}` : "";
          io.out(`v${x.number}  ${x.createdAt.slice(0, 19).replace("T", " ")}  ${x.actor}  (${x.source})${applied}\n`);
          for (const ch of x.changes.slice(0, 10)) io.out(`    ${ch}\n`);
          if (x.changes.length > 10) io.out(`    … ${x.changes.length - 10} more\n`);
        }
        return EXIT.ok;
      });
    },
  };
}

export function rollbackCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "stores the desired state of VERSION as a new version and shows the plan; --apply pushes it at once",
    usage: "rollback CLUSTER VERSION [--apply] [--json]",
    async run(args, io) {
      const { flags, positionals } = parseArgs(args, { flags: ["json", "apply"] });
      if (positionals.length !== 2) throw new UsageError("give the cluster and the version");
      const [cluster, version] = positionals as [string, string];
      const n = version.replace(/^v/, "");
      if (!/^\d{1,9}$/.test(n)) throw new UsageError("VERSION must be a version number (3 or v3)");
      const json = flags.has("json");
      return guarded(io, json, async () => {
        const c = client(needConfig(deps), deps.fetch);
        const { body } = await c.call("POST", `/clusters/${enc(cluster)}/versions/${n}/rollback`);
        const r = body as { changed: boolean; changes: string[]; clusterVersion: number };
        if (json && !flags.has("apply")) io.out(JSON.stringify(r, null, 2) + "\n");
        else if (!json) io.out(r.changed ? `rolled back to v${n} as version ${r.clusterVersion}:\n${r.changes.map((x) => `  ${x}\n`).join("")}` : `the desired state already is v${n}'s\n`);
        if (flags.has("apply")) return applyNow(c, cluster, io, json);
        const plan = (await c.call("POST", `/clusters/${enc(cluster)}/plan`)).body as { hosts: PlanHost[]; errors: string[] };
        if (!json) printPlan(io, plan.hosts);
        return plan.errors.length ? EXIT.failed : EXIT.ok;
      });
    },
  };
}

export function importCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "previews what a keepalived.conf (includes resolved relative to it) maps to in CLUSTER (FILE:LINE for notes and refusals) and what it would change; " +
      "stores it as a new version only with --yes; exit 1 naming FILE:LINE when a directive has no equivalent",
    usage: "import keepalived FILE --cluster NAME [--yes] [--json]",
    async run(args, io) {
      const [kind, ...rest] = args;
      if (kind !== "keepalived") throw new UsageError("import what? lvs import keepalived FILE --cluster NAME");
      const { flags, options, positionals } = parseArgs(rest, { flags: ["json", "yes"], options: ["cluster"] });
      if (positionals.length !== 1) throw new UsageError("give one FILE");
      const cluster = options.get("cluster");
      if (!cluster) throw new UsageError("give --cluster NAME");
      const file = positionals[0]!;
      const r = readKeepalivedFile(file, io, (kind) => kind !== "mapped");
      if (!r.document) {
        io.err(`${file}: ${r.refused} directive(s) without an equivalent: nothing imported\n`);
        return EXIT.failed;
      }
      const doc = { ...r.document, cluster: { ...(r.document.cluster ?? {}), name: cluster } };
      const json = flags.has("json");
      return guarded(io, json, async () => {
        const c = client(needConfig(deps), deps.fetch);
        const d = await diff(c, cluster, doc, io, json);
        if (!flags.has("yes")) {
          if (!json) io.out(`nothing stored: run again with --yes to store it as a new version\n`);
          return EXIT.ok;
        }
        const { body } = await c.call("PUT", `/clusters/${enc(cluster)}/document?source=import`, doc);
        const s = body as { changed: boolean; clusterVersion: number | null };
        if (!json) io.out(s.changed ? `stored as version ${s.clusterVersion}; apply pushes it (lvs apply ${cluster})\n` : `no change: the desired state already is this\n`);
        return planErrors(d) ? EXIT.failed : EXIT.ok;
      });
    },
  };
}
