// Remote verbs of `lvs`: a client of the panel's /api/v1 (issue 8).
//
//   lvs login URL [--token-stdin]     stores URL + token in ~/.config/lvs/config.json (mode 0600)
//   lvs clusters
//   lvs rs add|rm|drain|enable|disable CLUSTER SERVICE RIP[:PORT] [--weight N] [--method route|masq|tunnel] [--apply]
//   lvs rs weight CLUSTER SERVICE RIP[:PORT] WEIGHT [--apply]
//   lvs plan CLUSTER                  (lvs plan --desired … stays the local planner)
//   lvs apply CLUSTER [--no-wait]
//   lvs status CLUSTER [--no-arp]     the director's table like ipvsadm -Ln, with each real server's ARP state
//                                     and each director's VRRP role (bin/commands/ha-render.ts)
//   --json on every verb prints the API's JSON instead of text.
//
// Exit codes: the one table of every lvs verb (exit.ts).
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { splitHostPort } from "../../lib/ipvs/address";
import { FORWARDING_METHODS } from "../../lib/ipvs/model";
import { EXIT } from "./exit";
import { renderDirectors, type DirectorsJson } from "./ha-render";
import { UsageError, parseArgs, type Command, type Io } from "./io";

export interface RemoteConfig { url: string; token: string }

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), ".config");
  return path.join(base, "lvs", "config.json");
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RemoteConfig | null {
  if (env.LVS_URL && env.LVS_TOKEN) return { url: env.LVS_URL, token: env.LVS_TOKEN };
  try {
    const c = JSON.parse(fs.readFileSync(configPath(env), "utf8")) as Partial<RemoteConfig>;
    if (typeof c.url === "string" && typeof c.token === "string") return { url: env.LVS_URL || c.url, token: env.LVS_TOKEN || c.token };
  } catch {
    /* no config */
  }
  return null;
}

export function saveConfig(c: RemoteConfig, env: NodeJS.ProcessEnv = process.env): string {
  const p = configPath(env);
  fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
  const tmp = `${p}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(c, null, 2) + "\n", { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, p);
  return p;
}

/** An API answer that is not 2xx, as the exit code and the problem's words. */
export class RemoteError extends Error {
  constructor(readonly exitCode: number, message: string, readonly body?: unknown) {
    super(message);
  }
}

type Problem = { title?: string; detail?: string; status?: number; errors?: Array<{ field: string; rule: string; message: string }> };

function exitFor(status: number): number {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status >= 500) return EXIT.unreachable;
  return EXIT.refused;
}

export function problemText(status: number, p: Problem | null): string {
  const head = p?.detail ?? p?.title ?? `HTTP ${status}`;
  const fields = (p?.errors ?? []).map((e) => `  ${e.field || "(body)"}: ${e.message} [${e.rule}]`);
  return [`${head} (HTTP ${status})`, ...fields].join("\n");
}

export interface Client {
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown; headers: Headers }>;
}

/** fetch against the configured panel; network errors and 5xx are retried (POSTs carry an Idempotency-Key, so a retry never adds twice). */
export function client(cfg: RemoteConfig, fetchImpl: typeof fetch = fetch): Client {
  const base = cfg.url.replace(/\/+$/, "");
  return {
    async call(method, p, body, headers = {}) {
      const h: Record<string, string> = { authorization: `Bearer ${cfg.token}`, accept: "application/json", ...headers };
      if (body !== undefined) h["content-type"] = "application/json";
      if (method === "POST" && !h["idempotency-key"]) h["idempotency-key"] = crypto.randomUUID();
      let lastErr: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, 300 * attempt));
        let res: Response;
        try {
          res = await fetchImpl(`${base}/api/v1${p}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
        } catch (e) {
          lastErr = e;
          continue;
        }
        const text = await res.text();
        let parsed: unknown = null;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          parsed = text;
        }
        // 502: a machine did not answer — the call itself was handled, do not repeat it
        if ((res.status >= 500 && res.status !== 502) || (res.status === 409 && (parsed as Problem | null)?.title?.includes("still being handled"))) {
          lastErr = new RemoteError(exitFor(res.status), problemText(res.status, parsed as Problem), parsed);
          continue;
        }
        if (res.status >= 400) throw new RemoteError(exitFor(res.status), problemText(res.status, parsed as Problem), parsed);
        return { status: res.status, body: parsed, headers: res.headers };
      }
      if (lastErr instanceof RemoteError) throw lastErr;
      throw new RemoteError(EXIT.unreachable, `cannot reach the panel at ${base}: ${(lastErr as Error)?.message ?? lastErr}${(lastErr as { cause?: { code?: string } })?.cause?.code ? ` (${(lastErr as { cause: { code: string } }).cause.code})` : ""}`);
    },
  };
}

const enc = encodeURIComponent;

/** Injected so tests can point the verbs at a panel without touching ~/.config. */
export interface RemoteDeps { env: NodeJS.ProcessEnv; fetch: typeof fetch }
export const defaultDeps = (): RemoteDeps => ({ env: process.env, fetch });

export function needConfig(deps: RemoteDeps): RemoteConfig {
  const c = loadConfig(deps.env);
  if (!c) throw new RemoteError(EXIT.auth, `not logged in: run \`lvs login URL\` (or set LVS_URL and LVS_TOKEN)`);
  return c;
}

/** Runs a remote verb: RemoteError → its message and exit code. */
export async function guarded(io: Io, json: boolean, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof RemoteError) {
      if (json && e.body && typeof e.body === "object") io.out(JSON.stringify(e.body, null, 2) + "\n");
      io.err(`lvs: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

function pad(s: string, n: number) {
  return s.length >= n ? `${s} ` : s + " ".repeat(n - s.length);
}

// ---------- login ----------
export function loginCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "checks a token against the panel at URL and stores both in ~/.config/lvs/config.json (mode 0600); the token is read from stdin (or LVS_TOKEN)",
    usage: "login URL [--json]   (token on stdin)",
    async run(args, io) {
      const { flags, positionals } = parseArgs(args, { flags: ["json"] });
      if (positionals.length !== 1) throw new UsageError("give the panel's URL, e.g. lvs login https://panel.example.net");
      let url: URL;
      try {
        url = new URL(positionals[0]!);
      } catch {
        throw new UsageError(`not a URL: ${positionals[0]}`);
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError("the URL must be http:// or https://");
      return guarded(io, flags.has("json"), async () => {
        const token = (deps.env.LVS_TOKEN || (await io.readStdin())).trim();
        if (!token) throw new UsageError("paste the token on stdin (create one on the panel's API tokens page)");
        const cfg = { url: url.origin + url.pathname.replace(/\/+$/, ""), token };
        const me = (await client(cfg, deps.fetch).call("GET", "/me")).body as { user: { email: string }; token: { name: string }; role: string };
        const where = saveConfig(cfg, deps.env);
        if (flags.has("json")) io.out(JSON.stringify({ url: cfg.url, config: where, ...me }, null, 2) + "\n");
        else io.out(`Logged in to ${cfg.url} as ${me.user.email} (token ${me.token.name}, role ${me.role}); saved ${where}\n`);
        if (url.protocol === "http:" && !/^(localhost|127\.|\[::1\])/.test(url.host)) io.err("lvs: warning: the token travels unencrypted over http://\n");
        return EXIT.ok;
      });
    },
  };
}

// ---------- clusters ----------
type ClusterRow = { name: string; description: string; hostCount: number; vipCount: number; realServerCount: number; lastApply: { at: string; outcome: string; actor: string } | null };
export function clustersCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "lists the panel's clusters (VIPs, real servers, hosts, last apply)",
    usage: "clusters [--json]",
    async run(args, io) {
      const { flags, positionals } = parseArgs(args, { flags: ["json"] });
      if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      return guarded(io, flags.has("json"), async () => {
        const { body } = await client(needConfig(deps), deps.fetch).call("GET", "/clusters");
        if (flags.has("json")) return io.out(JSON.stringify(body, null, 2) + "\n"), EXIT.ok;
        const rows = (body as { clusters: ClusterRow[] }).clusters;
        io.out(`${pad("CLUSTER", 20)}${pad("VIPS", 6)}${pad("RS", 5)}${pad("HOSTS", 7)}LAST APPLY\n`);
        for (const c of rows) io.out(`${pad(c.name, 20)}${pad(String(c.vipCount), 6)}${pad(String(c.realServerCount), 5)}${pad(String(c.hostCount), 7)}${c.lastApply ? `${c.lastApply.outcome} ${c.lastApply.at.slice(0, 19).replace("T", " ")} by ${c.lastApply.actor}` : "never"}\n`);
        return EXIT.ok;
      });
    },
  };
}

// ---------- apply (shared by rs --apply) ----------
type Run = { id: string; outcome: string; error: string | null; steps: Array<{ position: number; host: string; command: string; status: string; exitCode: number | null; stdout: string; stderr: string }> };

async function doApply(c: Client, cluster: string, wait: boolean, io: Io, json: boolean): Promise<number> {
  const { status, body } = await c.call("POST", `/clusters/${enc(cluster)}/apply${wait ? "?wait=true&timeout=300" : ""}`);
  const run = body as Run;
  if (json) io.out(JSON.stringify(run, null, 2) + "\n");
  else {
    for (const s of run.steps) io.out(`${pad(s.status, 10)}${s.host}: ${s.command}${s.status === "failed" ? `\n          ${(s.stderr || s.stdout).trim().split("\n").join("\n          ")}` : ""}\n`);
    io.out(`apply ${run.id}: ${run.outcome}${run.error ? ` — ${run.error}` : ""}\n`);
  }
  if (status === 202 && !wait) return EXIT.ok;
  return run.outcome === "succeeded" ? EXIT.ok : EXIT.failed;
}

export function applyCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "pushes CLUSTER's desired state to its director and waits for the result (exit 1 if it failed or did not verify)",
    usage: "apply CLUSTER [--no-wait] [--json]",
    async run(args, io) {
      const { flags, positionals } = parseArgs(args, { flags: ["json", "no-wait"] });
      if (positionals.length !== 1) throw new UsageError("give the cluster");
      return guarded(io, flags.has("json"), () => doApply(client(needConfig(deps), deps.fetch), positionals[0]!, !flags.has("no-wait"), io, flags.has("json")));
    },
  };
}

// ---------- plan (remote when given a CLUSTER, else the local planner) ----------
type PlanHost = { host: string; role: string; steps: Array<{ command: string; disruptive: boolean; why?: string }>; note: string | null; error: string | null };
export function remotePlanCommand(local: Command, deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: `${local.summary}. With a CLUSTER instead: asks the panel what an apply would run now (exit 1 if a host could not be planned)`,
    usage: `${local.usage}\n  lvs plan CLUSTER [--json]`,
    async run(args, io) {
      const remote = args.length > 0 && !args[0]!.startsWith("--") && !args.some((a) => a === "--desired" || a.startsWith("--desired="));
      if (!remote) return local.run(args, io);
      const { flags, positionals } = parseArgs(args, { flags: ["json"] });
      if (positionals.length !== 1) throw new UsageError("give one cluster");
      return guarded(io, flags.has("json"), async () => {
        const { body } = await client(needConfig(deps), deps.fetch).call("POST", `/clusters/${enc(positionals[0]!)}/plan`);
        const plan = body as { hosts: PlanHost[]; changes: number; errors: string[] };
        if (flags.has("json")) io.out(JSON.stringify(plan, null, 2) + "\n");
        else for (const h of plan.hosts) {
          io.out(`# ${h.host} (${h.role})${h.error ? `: ERROR ${h.error}` : ""}\n`);
          for (const s of h.steps) io.out(`${s.command}${s.disruptive ? "   # disruptive" : ""}\n`);
          if (h.note) io.out(`# ${h.note}\n`);
        }
        return plan.errors.length ? EXIT.failed : EXIT.ok;
      });
    },
  };
}

// ---------- rs ----------
const RS_VERBS = ["add", "rm", "drain", "enable", "disable", "weight"] as const;
export function rsCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "changes a real server of a virtual service in the panel's desired state (SERVICE: VIP:PORT, tcp:VIP:PORT, udp:…, fwm:MARK); --apply pushes it at once",
    usage: "rs add|rm|drain|enable|disable CLUSTER SERVICE RIP[:PORT] [--weight N] [--method route|masq|tunnel] [--idempotency-key K] [--apply] [--json]\n  lvs rs weight CLUSTER SERVICE RIP[:PORT] WEIGHT [--apply] [--json]",
    async run(args, io) {
      const { flags, options, positionals } = parseArgs(args, { flags: ["json", "apply"], options: ["weight", "method", "idempotency-key"] });
      const [verb, cluster, svc, rip, extra, ...more] = positionals;
      if (!verb || !(RS_VERBS as readonly string[]).includes(verb)) throw new UsageError(`the first argument is one of ${RS_VERBS.join(", ")}`);
      if (!cluster || !svc || !rip) throw new UsageError("give CLUSTER SERVICE RIP[:PORT]");
      if (verb === "weight" ? extra === undefined || more.length : extra !== undefined) throw new UsageError(verb === "weight" ? "give the weight after RIP[:PORT]" : `unexpected argument "${extra}"`);
      if (verb !== "add" && (options.has("weight") || options.has("method"))) throw new UsageError("--weight and --method go with rs add (use rs weight to change a weight)");
      const weightText = verb === "weight" ? extra! : options.get("weight");
      if (weightText !== undefined && !/^\d{1,10}$/.test(weightText)) throw new UsageError(`the weight must be a whole number, not "${weightText}"`);
      const method = options.get("method");
      if (method !== undefined && !(FORWARDING_METHODS as readonly string[]).includes(method)) throw new UsageError(`--method is ${FORWARDING_METHODS.join(", ")}`);
      const json = flags.has("json");
      return guarded(io, json, async () => {
        const c = client(needConfig(deps), deps.fetch);
        const base = `/clusters/${enc(cluster)}/services/${enc(svc)}/real-servers`;
        const key = options.get("idempotency-key");
        const idem = key ? { "idempotency-key": key } : undefined;
        let res;
        if (verb === "add") {
          const hp = /^\[([^\]]+)\](?::(\d+))?$/.exec(rip) ?? /^([^:]+)(?::(\d+))?$/.exec(rip) ?? [rip, rip, undefined];
          const body: Record<string, unknown> = { address: hp[1] };
          if (hp[2] !== undefined) body.port = Number(hp[2]);
          if (weightText !== undefined) body.weight = Number(weightText);
          if (method) body.forwardingMethod = method;
          res = await c.call("POST", base, body, idem);
        } else {
          // the API refuses a change without If-Match (428): name the version just read, so a change
          // someone else made in between is refused (412, exit 7) instead of overwritten
          const read = await c.call("GET", `${base}/${enc(rip)}`);
          const ifMatch = { ...idem, "if-match": read.headers.get("etag") ?? "" };
          if (verb === "rm") res = await c.call("DELETE", `${base}/${enc(rip)}`, undefined, ifMatch);
          else if (verb === "weight") res = await c.call("POST", `${base}/${enc(rip)}/weight`, { weight: Number(weightText) }, ifMatch);
          else res = await c.call("POST", `${base}/${enc(rip)}/${verb}`, undefined, ifMatch);
        }
        const r = res.body as { ref: string; weight: number; state: string; notice?: string | null } | null;
        if (json) io.out(JSON.stringify(r ?? { removed: rip }, null, 2) + "\n");
        else io.out(verb === "rm" ? `removed ${rip} from ${svc} (desired state)\n` : `${r!.ref} weight ${r!.weight} ${r!.state}${res.headers.get("idempotent-replayed") ? " (already done: replayed)" : ""}${r!.notice ? `\n${r!.notice}` : ""}\n`);
        if (flags.has("apply")) return doApply(c, cluster, true, io, json);
        if (!json) io.out(`apply to push it: lvs apply ${cluster}\n`);
        return EXIT.ok;
      });
    },
  };
}

// ---------- status ----------
type LiveRow = { kind: "service" | "dest"; service: string; text: string; scheduler?: string | null; flags?: string; forward?: string | null; weight?: number | null;
  activeConns?: number; inactConns?: number; drift: { status: string; fields: string[] } };
type Live = { cluster: string; at: string; ok: boolean; error: { code: string; message: string; hint?: string } | null; rows: LiveRow[]; driftCount: number;
  arp: Array<{ host: string; address: string | null; ready: boolean | null; error: string | null; vips: Array<{ vip: string; ready: boolean; problems: string[] }>; arp: { all: Record<string, number>; iface: string | null; ifaceConf: Record<string, number> | null } | null }> | null };

function arpText(a: NonNullable<Live["arp"]>[number] | undefined): string {
  if (!a) return "";
  if (a.error) return `? ${a.host}: ${a.error}`;
  const ig = Math.max(a.arp?.all.arp_ignore ?? 0, a.arp?.ifaceConf?.arp_ignore ?? 0);
  const an = Math.max(a.arp?.all.arp_announce ?? 0, a.arp?.ifaceConf?.arp_announce ?? 0);
  const problems = a.vips.flatMap((v) => v.problems);
  return `${a.ready ? "ok" : "NOT READY"} ${a.host} arp_ignore=${ig} arp_announce=${an}${problems.length ? ` (${problems.join("; ")})` : ""}`;
}

export function renderStatus(live: Live): string {
  const out: string[] = [];
  out.push(`IP Virtual Server table of cluster ${live.cluster} (read ${live.at.slice(0, 19).replace("T", " ")}Z)`);
  if (!live.ok) out.push(`director not readable: ${live.error?.code}: ${live.error?.message}${live.error?.hint ? ` — ${live.error.hint}` : ""}`);
  out.push("Prot LocalAddress:Port Scheduler Flags");
  out.push("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn ARP");
  const byAddr = new Map((live.arp ?? []).filter((a) => a.address).map((a) => [a.address!, a]));
  for (const r of live.rows) {
    const drift = r.drift.status === "ok" ? "" : `  [${r.drift.status}${r.drift.fields.length ? `: ${r.drift.fields.join(",")}` : ""}]`;
    if (r.kind === "service") {
      const [proto, ...rest] = r.text.split(" ");
      out.push(`${pad(proto ?? "", 4)} ${rest.join(" ")} ${r.scheduler ?? ""}${r.flags ? ` ${r.flags}` : ""}${drift}`);
    } else {
      const addr = splitHostPort(r.text)?.address ?? r.text;
      out.push(`  -> ${pad(r.text, 28)}${pad(r.forward ?? "", 8)}${pad(r.weight === null || r.weight === undefined ? "" : String(r.weight), 7)}${pad(r.activeConns === undefined ? "-" : String(r.activeConns), 11)}${pad(r.inactConns === undefined ? "-" : String(r.inactConns), 10)}${arpText(byAddr.get(addr))}${drift}`);
    }
  }
  if (live.ok) out.push(live.driftCount ? `${live.driftCount} difference(s) from the desired state: lvs plan ${live.cluster}` : "in sync with the desired state");
  return out.join("\n") + "\n";
}

export function statusCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "prints CLUSTER's live IPVS table like ipvsadm -Ln, with each real server's ARP state and drift from the desired state, and each director's VRRP role (exit 1 if the director cannot be read or two directors hold a VIP)",
    usage: "status CLUSTER [--no-arp] [--json]",
    async run(args, io) {
      const { flags, positionals } = parseArgs(args, { flags: ["json", "no-arp"] });
      if (positionals.length !== 1) throw new UsageError("give the cluster");
      return guarded(io, flags.has("json"), async () => {
        const c = client(needConfig(deps), deps.fetch);
        const { body } = await c.call("GET", `/clusters/${enc(positionals[0]!)}/live${flags.has("no-arp") ? "?arp=false" : ""}`);
        const live = body as Live;
        // each director's VRRP role as the panel last read it (an older panel without the route: none)
        const directors = await c.call("GET", `/clusters/${enc(positionals[0]!)}/directors`).then((r) => r.body as DirectorsJson, () => null);
        if (flags.has("json")) io.out(JSON.stringify({ ...live, directors }, null, 2) + "\n");
        else io.out(renderStatus(live) + (directors?.directors.length ? renderDirectors(directors) : ""));
        return live.ok && !directors?.splitBrain ? EXIT.ok : EXIT.failed;
      });
    },
  };
}

/**
 * The remote verbs for the dispatch table. Not plan and rs: main.ts wraps those (plan around the local
 * planner, rs around the SSH verbs of rs.ts) with rsCommand / remotePlanCommand.
 */
export function remoteCommands(deps: RemoteDeps = defaultDeps()): Record<string, Command> {
  return { login: loginCommand(deps), clusters: clustersCommand(deps), apply: applyCommand(deps), status: statusCommand(deps) };
}
