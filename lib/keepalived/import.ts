// keepalived.conf (parsed) → the cluster document + a preview of every directive.
import { canonicalAddress } from "@/lib/ipvs/address";
import { PERSISTENCE_ENGINES, SCHED_FLAGS, SCHEDULERS, DEFAULT_SCHEDULER, DEFAULT_TIMEOUT, type Scheduler, type SchedFlag } from "@/lib/ipvs/model";
import { CHECK_DEFAULTS } from "@/lib/health/config";
import { DOCUMENT_VERSION, validateDocument, type ClusterDocument, type DocumentError, type DocumentHealthCheck, type DocumentInput, type PathPart } from "@/lib/declarative";
import { CHECKERS, OTHER_CHECKERS, parseChecker, readCheckOption, type CheckOptions, type ParsedCheck } from "./import-check";
import { expandGroup, type GroupMember } from "./import-group";
import { parseConfig, type ConfigReader, type ParsedConfig, type Statement } from "./parse";
import { bool, Items, uint, type PreviewItem } from "./preview";
import { globalDefs, VRRP_TOP, vrrpSection, vrrpTop, type SyncDaemon } from "./import-vrrp";

export interface ImportResult {
  /** false when anything was refused (or the document is invalid): nothing may be stored */
  ok: boolean;
  document: ClusterDocument;
  items: PreviewItem[];
}

type Forward = "route" | "masq" | "tunnel";
const METHODS: Record<string, Forward> = { DR: "route", NAT: "masq", TUN: "tunnel" };
export const METHOD_OF: Record<Forward, string> = { route: "DR", masq: "NAT", tunnel: "TUN" };
type DocService = DocumentInput["services"][number];
type DocRealServer = NonNullable<DocService["realServers"]>[number];

/** Reads `path` (and its includes) through `reader` and maps it. */
export function previewKeepalived(path: string, reader: ConfigReader): ImportResult {
  return importKeepalived(parseConfig(path, reader));
}

export function importKeepalived(parsed: ParsedConfig): ImportResult {
  const items = new Items();
  for (const i of parsed.issues) items.add(i.kind === "note" ? "noted" : "refused", i, i.message);
  const groups = new Map<string, { st: Statement; members: GroupMember[] }>();
  for (const st of parsed.statements)
    if (st.keyword === "virtual_server_group") {
      const name = st.args[0];
      if (!name || !st.block) items.refused(st, "virtual_server_group needs a name and a block");
      else if (groups.has(name)) items.refused(st, `virtual_server_group ${name} is defined twice`);
      else {
        groups.set(name, { st, members: expandGroup(st, items) });
        items.mapped(st, `virtual_server_group ${name}: ${groups.get(name)!.members.length} members, one service each where it is used`);
      }
    }
  const services: DocService[] = [];
  const lines: Lines[] = [];
  const instances: Statement[] = [];
  let sync: SyncDaemon | null = null;
  for (const st of parsed.statements) {
    if (st.keyword === "virtual_server") {
      for (const s of virtualServer(st, groups, items)) { services.push(s.service); lines.push({ st, rs: s.rsLines, check: s.checkSt }); }
    } else if (st.keyword === "virtual_server_group") continue;
    else if (st.keyword === "vrrp_instance") instances.push(st);
    else if (st.keyword in VRRP_TOP) vrrpTop(st, items);
    else if (st.keyword === "global_defs") sync = globalDefs(st, items) ?? sync;
    else items.refused(st, `${st.keyword}: no equivalent in the panel`);
  }
  // after the services: a VIP of the vrrp_instance is checked against them
  const vips = new Set(services.flatMap((s) => (s.address ? [canonicalAddress(s.address)?.address ?? s.address] : [])));
  const ha = vrrpSection(instances, sync, vips, items);
  const raw = { version: DOCUMENT_VERSION, services, ...(ha ? { ha } : {}) } as DocumentInput;
  const v = validateDocument(raw);
  if (!v.ok) for (const e of v.errors) items.refused(lineOf(e, lines, instances[0]), `${e.path}: ${e.message}`);
  const ok = v.ok && !items.list.some((i) => i.kind === "refused");
  // in the order of the files as read, then by line
  const order = new Map(parsed.files.map((f, i) => [f, i]));
  items.list.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line);
  return { ok, document: v.ok ? v.document : (raw as ClusterDocument), items: items.list };
}

interface Lines { st: Statement; rs: Statement[]; check?: Statement }

// the directive a document field comes from, to point an error at its line
const FIELD_KEYWORDS: Record<string, string[]> = {
  weight: ["weight"], upperThreshold: ["uthreshold"], lowerThreshold: ["lthreshold"], forward: ["lvs_method", "lb_kind"], scheduler: ["lb_algo", "lvs_sched"],
  persistence: ["persistence_timeout", "persistence_granularity", "persistence_engine"], flags: [...SCHED_FLAGS], ops: ["ops"], sorryServer: ["sorry_server"], family: ["ip_family"],
};
const within = (st: Statement, field: PathPart | undefined) => st.block?.find((c) => FIELD_KEYWORDS[String(field)]?.includes(c.keyword)) ?? st;

function lineOf(e: DocumentError, lines: Lines[], vrrp?: Statement): Statement {
  if (e.parts[0] === "ha" && vrrp) return vrrp;
  const [, i, field, j, sub] = e.parts as [PathPart, number, PathPart, number, PathPart];
  const l = lines[i];
  if (!l) return { keyword: "document", args: [], file: lines[0]?.st.file ?? "", line: 0, block: null };
  if (field === "healthCheck" && l.check) return l.check;
  if (field === "realServers" && l.rs[j]) return within(l.rs[j]!, sub);
  return within(l.st, field);
}

interface Expanded { service: DocService; rsLines: Statement[]; checkSt?: Statement }

function virtualServer(st: Statement, groups: Map<string, { st: Statement; members: GroupMember[] }>, items: Items): Expanded[] {
  const [a0, a1] = st.args;
  let targets: GroupMember[];
  if (a0 === "group") {
    const g = a1 ? groups.get(a1) : undefined;
    if (!g) { items.refused(st, `virtual_server group ${a1 ?? ""}: no virtual_server_group of that name`); return []; }
    targets = g.members;
    items.noted(st, `group ${a1} → ${targets.length} virtual services (the document has no groups; exported as one virtual_server each)`);
  } else if (a0 === "fwmark") {
    const m = uint(st, items, a1, "fwmark");
    if (m === undefined) return [];
    targets = [{ fwmark: m, family: undefined }];
    items.mapped(st, `fwmark ${m}`);
  } else {
    const addr = a0 ? canonicalAddress(a0.replace(/^\[(.*)\]$/, "$1")) : null;
    if (!addr) { items.refused(st, `virtual_server ${st.args.join(" ")}: an address, fwmark N or group NAME expected`); return []; }
    const port = a1 === undefined ? 0 : uint(st, items, a1, "port");
    if (port === undefined) return [];
    targets = [{ address: addr.address, port }];
    items.mapped(st, `address ${addr.address} port ${port}`);
  }
  const body = serviceBody(st, items);
  if (!body) return [];
  return targets.map((t) => {
    const fw = "fwmark" in t;
    const service: DocService = {
      ...(fw ? { protocol: "fwmark", fwmark: t.fwmark, family: t.family ?? body.family } : { protocol: body.protocol, address: t.address, port: t.port }),
      ...body.service,
    };
    return { service, rsLines: body.rsLines, checkSt: body.checkSt };
  });
}

interface Body { protocol: "tcp" | "udp" | "sctp"; family?: "inet" | "inet6"; service: Omit<DocService, "protocol">; rsLines: Statement[]; checkSt?: Statement }

function serviceBody(vs: Statement, items: Items): Body | null {
  if (!vs.block) { items.refused(vs, "virtual_server without a block"); return null; }
  const o: CheckOptions = {};
  let protocol: Body["protocol"] = "udp", protoSt: Statement | null = null, family: Body["family"], forward: Forward | undefined;
  let scheduler: Scheduler | undefined, ops = false, quorum: number | undefined, quorumSt: Statement | undefined, inhibit: boolean | undefined;
  let persistence: { timeout: number; netmask?: string; engine?: "sip" } | null = null, netmask: string | undefined, engine: "sip" | undefined;
  let sorry: { address: string; port?: number; st: Statement } | null = null, sorryMethod: Forward | undefined;
  const flags: SchedFlag[] = [], rsStatements: Statement[] = [], optionSts: Statement[] = [];
  for (const st of vs.block) {
    if (readCheckOption(st, o, items)) { optionSts.push(st); continue; }
    switch (st.keyword) {
      case "lb_algo": case "lvs_sched": {
        const s = st.args[0] as Scheduler;
        if ((SCHEDULERS as readonly string[]).includes(s)) { scheduler = s; items.mapped(st, `scheduler ${s}`); }
        else items.refused(st, `scheduler ${st.args[0] ?? ""}: not one of ${SCHEDULERS.join(", ")}`);
        break;
      }
      case "lb_kind": case "lvs_method": { const f = method(st, items); if (f) forward = f; break; }
      case "protocol": {
        const p = st.args[0]?.toLowerCase();
        if (p === "tcp" || p === "udp" || p === "sctp") { protocol = p; protoSt = st; }
        else items.refused(st, `protocol ${st.args[0] ?? ""}: TCP, UDP or SCTP expected`);
        break;
      }
      case "ip_family": {
        const f = st.args[0];
        if (f === "inet" || f === "inet6") { family = f; items.mapped(st, `family ${f}`); } else items.refused(st, "ip_family inet|inet6 expected");
        break;
      }
      case "persistence_timeout": {
        const t = st.args[0] === undefined ? DEFAULT_TIMEOUT : uint(st, items, st.args[0], "persistence_timeout");
        if (t !== undefined) { persistence = { timeout: t }; items.mapped(st, `persistence.timeout ${t}`); }
        break;
      }
      case "persistence_granularity": if (st.args[0]) { netmask = st.args[0]; items.mapped(st, `persistence.netmask ${netmask}`); } else items.refused(st, "persistence_granularity needs a netmask"); break;
      case "persistence_engine":
        if ((PERSISTENCE_ENGINES as readonly string[]).includes(st.args[0] ?? "")) { engine = st.args[0] as "sip"; items.mapped(st, `persistence.engine ${engine}`); }
        else items.refused(st, `persistence_engine ${st.args[0] ?? ""}: only ${PERSISTENCE_ENGINES.join(", ")}`);
        break;
      case "ops": ops = true; items.mapped(st, "ops"); break;
      case "quorum": { const q = uint(st, items, st.args[0], "quorum"); if (q !== undefined) { quorum = q; quorumSt = st; } break; }
      case "hysteresis": {
        const h = uint(st, items, st.args[0], "hysteresis");
        if (h === 0) items.mapped(st, "hysteresis 0 (the panel has none)");
        else if (h !== undefined) items.refused(st, `hysteresis ${h}: the panel's quorum has no hysteresis`);
        break;
      }
      case "sorry_server": {
        const a = st.args[0] ? canonicalAddress(st.args[0]) : null;
        const p = st.args[1] === undefined ? undefined : uint(st, items, st.args[1], "sorry_server port");
        if (!a) items.refused(st, "sorry_server needs an address");
        else if (st.args[1] === undefined || p !== undefined) sorry = { address: a.address, port: p, st };
        break;
      }
      case "sorry_server_lvs_method": { const f = method(st, items); if (f) sorryMethod = f; break; }
      case "sorry_server_inhibit": items.noted(st, "the panel adds the sorry server when it is needed and removes it after (keepalived keeps it at weight 0)"); break;
      case "inhibit_on_failure": { const b = bool(st, items); if (b !== undefined) { inhibit = b; optionSts.push(st); items.mapped(st, `onFail ${b ? "quiesce (weight 0)" : "remove"}`); } break; }
      case "real_server": rsStatements.push(st); break;
      case "ha_suspend": items.add("pending", st, "ha_suspend: not yet mapped (director HA)"); break;
      case "omega": items.noted(st, "not carried: the panel runs no notify scripts"); break;
      case "quorum_up": case "quorum_down": items.refused(st, `${st.keyword}: the panel runs no scripts (its webhooks report health transitions)`); break;
      default:
        if ((SCHED_FLAGS as readonly string[]).includes(st.keyword)) { flags.push(st.keyword as SchedFlag); items.mapped(st, `flags ${st.keyword}`); }
        else items.refused(st, `virtual_server ${st.keyword}: no equivalent in the panel`);
    }
  }
  const isFwmark = vs.args[0] === "fwmark";
  if (protoSt) {
    if (isFwmark) items.noted(protoSt, "under fwmark, protocol only selects the checkers' protocol: the service is fwmark");
    else items.mapped(protoSt, `protocol ${protocol}`);
  } else if (!isFwmark) items.noted(vs, "no protocol: keepalived defaults to UDP → protocol udp");
  if (!scheduler) items.noted(vs, `no lb_algo: scheduler ${DEFAULT_SCHEDULER}`);
  if (!forward) items.noted(vs, "no lb_kind: keepalived's default NAT → forward masq");
  const svcForward = forward ?? "masq";
  if (persistence && netmask) persistence.netmask = netmask;
  if (persistence && engine) persistence.engine = engine;
  if (!persistence && (netmask || engine)) items.refused(vs, "persistence_granularity / persistence_engine without persistence_timeout");

  const realServers: DocRealServer[] = [], checks: Array<{ rs: Statement; check: ParsedCheck | null; none: boolean; inhibit: boolean }> = [];
  const from = items.list.length;
  for (const rs of rsStatements) {
    const r = realServer(rs, o, inhibit, svcForward, items, optionSts);
    if (!r) continue;
    realServers.push(r.rs);
    checks.push({ rs, check: r.check, none: r.none, inhibit: r.inhibit });
  }
  items.dedupeNotes(from);
  const svcPort = isFwmark || vs.args[0] === "group" ? undefined : Number(vs.args[1] ?? 0);
  if (!checks.some((c) => !c.none)) unused(optionSts, items);
  const healthCheck = serviceCheck(checks, realServers.map((r) => r.port ?? svcPort), quorum, quorumSt, items, realServers.every((r) => (r.weight ?? 1) === 1));
  let sorryServer: { address: string; port: number } | null = null;
  if (sorry) {
    const port = sorry.port ?? svcPort ?? 0;
    // the panel's rule (lib/desired): DR on the service port, else NAT; fwmark: NAT
    const panel: Forward = !isFwmark && port === svcPort && vs.args[0] !== "group" ? "route" : "masq";
    const kept = sorryMethod ?? svcForward;
    if (vs.args[0] === "group") items.refused(sorry.st, "sorry_server on a virtual_server group: not supported");
    else if (kept !== panel) items.refused(sorry.st, `the sorry server is ${METHOD_OF[kept]} here; the panel uses ${METHOD_OF[panel]} for it (${panel === "route" ? "DR on the service port" : "NAT on another port or under fwmark"})`);
    else { sorryServer = { address: sorry.address, port }; items.mapped(sorry.st, `sorryServer ${sorry.address}:${port}`); }
  }
  return {
    protocol, family, rsLines: checks.map((c) => c.rs), checkSt: checks.find((c) => c.check)?.check?.st,
    service: { scheduler: scheduler ?? DEFAULT_SCHEDULER, flags, persistence, ops, forward: svcForward, sorryServer, healthCheck, realServers },
  };
}

/** Check options on a service without checks: carried nowhere, so noted instead of mapped. */
function unused(sts: Statement[], items: Items) {
  const key = (x: { file: string; line: number; keyword: string }) => `${x.file}:${x.line}:${x.keyword}`;
  const at = new Set(sts.map(key)), covered = new Set<string>();
  for (const i of items.list) {
    if (!at.has(key(i))) continue;
    covered.add(key(i));
    if (i.kind === "mapped") { i.kind = "noted"; i.message = "not carried: this service has no checks"; }
  }
  for (const st of sts) if (!covered.has(key(st))) items.noted(st, "not carried: this service has no checks");
}

function method(st: Statement, items: Items): Forward | undefined {
  const f = METHODS[st.args[0]?.toUpperCase() ?? ""];
  if (!f) { items.refused(st, `${st.keyword} ${st.args[0] ?? ""}: DR, NAT or TUN expected`); return undefined; }
  if (st.args.length > 1 && !(f === "tunnel" && st.args[1] === "type" && st.args[2] === "ipip" && st.args.length === 3)) {
    items.refused(st, `${st.keyword} ${st.args.join(" ")}: the panel's tunnels are ipip`);
    return undefined;
  }
  items.mapped(st, `forward ${f}`);
  return f;
}

function realServer(st: Statement, vsOptions: CheckOptions, vsInhibit: boolean | undefined, svcForward: Forward, items: Items, optionSts: Statement[]) {
  const a = st.args[0] ? canonicalAddress(st.args[0].replace(/^\[(.*)\]$/, "$1")) : null;
  if (!a) { items.refused(st, "real_server needs an address"); return null; }
  const port = st.args[1] === undefined ? undefined : uint(st, items, st.args[1], "port");
  if (st.args[1] !== undefined && port === undefined) return null;
  const rs: DocRealServer = { address: a.address, ...(port === undefined ? {} : { port }) };
  items.mapped(st, `real server ${a.address}${port === undefined ? "" : `:${port}`}`);
  const o: CheckOptions = { ...vsOptions };
  let inhibit = vsInhibit ?? false, check: ParsedCheck | null = null, checkers = 0;
  const checkSts: Statement[] = [];
  for (const c of st.block ?? []) {
    if (readCheckOption(c, o, items)) { optionSts.push(c); continue; }
    switch (c.keyword) {
      case "weight": { const w = uint(c, items, c.args[0], "weight"); if (w !== undefined) { rs.weight = w; items.mapped(c, `weight ${w}`); } break; }
      case "uthreshold": { const v = uint(c, items, c.args[0], "uthreshold"); if (v !== undefined) { rs.upperThreshold = v; items.mapped(c, `upperThreshold ${v}`); } break; }
      case "lthreshold": { const v = uint(c, items, c.args[0], "lthreshold"); if (v !== undefined) { rs.lowerThreshold = v; items.mapped(c, `lowerThreshold ${v}`); } break; }
      case "lvs_method": { const f = method(c, items); if (f && f !== svcForward) rs.forward = f; break; }
      case "inhibit_on_failure": { const b = bool(c, items); if (b !== undefined) { inhibit = b; optionSts.push(c); items.mapped(c, `onFail ${b ? "quiesce (weight 0)" : "remove"}`); } break; }
      case "notify_up": case "notify_down": items.refused(c, `${c.keyword}: the panel runs no scripts (its webhooks report health transitions)`); break;
      default:
        if (c.keyword in CHECKERS) checkSts.push(c);
        else if (OTHER_CHECKERS.has(c.keyword)) { items.refused(c, `${c.keyword}: the panel checks tcp, http and https only`); checkers++; }
        else items.refused(c, `real_server ${c.keyword}: no equivalent in the panel`);
    }
  }
  for (const c of checkSts) {
    if (++checkers > 1) { items.refused(c, "a second checker on this real server: the panel runs one check per real server"); continue; }
    check = parseChecker(c, o, items);
  }
  return { rs, check, none: checkers === 0, inhibit };
}

/** One check for the whole service: every real server's must be the same (ports aside). */
function serviceCheck(checks: Array<{ rs: Statement; check: ParsedCheck | null; none: boolean; inhibit: boolean }>, ports: Array<number | undefined>, quorum: number | undefined, quorumSt: Statement | undefined, items: Items, weights: boolean): DocumentHealthCheck | null {
  const withCheck = checks.filter((c) => !c.none);
  if (withCheck.length === 0) {
    if (quorumSt) items.noted(quorumSt, "not carried: quorum only counts with health checks, and this service has none");
    return null;
  }
  const first = withCheck[0]!;
  // ports apart: one connect_port for all, or each real server's own port (null), see below
  const key = (c: ParsedCheck, rsPort: number | undefined) => JSON.stringify({ ...c, st: 0, port: c.port === rsPort ? null : c.port });
  const firstKey = first.check ? key(first.check, ports[checks.indexOf(first)]) : null;
  let ok = !!first.check;
  checks.forEach((c, i) => {
    if (c === first) return;
    if (c.none) { items.refused(c.rs, `no checker, while real server at line ${first.rs.line} has one: the document holds one check per service`); ok = false; }
    else if (c.check && firstKey !== null && key(c.check, ports[i]) !== firstKey) { items.refused(c.check.st, `differs from the check at line ${first.check!.st.line}: the document holds one check per service`); ok = false; }
    else if (!c.check) ok = false;
    if (c.inhibit !== first.inhibit) { items.refused(c.rs, `inhibit_on_failure differs from the real server at line ${first.rs.line}: the panel quiesces or removes for the whole service`); ok = false; }
  });
  if (!ok || !first.check) return null;
  const q = quorum ?? CHECK_DEFAULTS.quorum;
  if (quorumSt) {
    if (weights) items.mapped(quorumSt, `quorum ${q}`);
    else items.noted(quorumSt, `quorum ${q}: keepalived counts the weight of live servers, the panel counts live servers`);
  }
  if (!first.inhibit) items.noted(first.rs, "no inhibit_on_failure: keepalived removes a failed server → onFail remove");
  const c = first.check;
  const all = checks.map((x) => x.check?.port);
  const port = all.every((p) => p === all[0]) ? (all[0] ?? null) : null;
  return {
    enabled: true, kind: c.kind, port, path: c.path, hostHeader: c.hostHeader, expectStatus: c.expectStatus, bodyContains: c.bodyContains,
    intervalMs: c.intervalMs, timeoutMs: c.timeoutMs, rise: 1, fall: c.fall, runFrom: "director", onFail: first.inhibit ? "quiesce" : "remove", quorum: q,
  };
}
