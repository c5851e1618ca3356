// keepalived's checkers (TCP_CHECK, HTTP_GET, SSL_GET) → one health check of the document.
// Timing options may sit on the virtual_server, the real_server or the checker (the nearest wins).
import { CHECK_DEFAULTS, parseExpectStatus, type CheckKind } from "@/lib/health/config";
import type { Statement } from "./parse";
import { timerMs, uint, type Items } from "./preview";

/** keepalived's defaults (keepalived.conf(5)): delay_loop 60 s, connect_timeout 5 s, retry 1. */
export const KEEPALIVED_DEFAULTS = { delayLoopMs: 60_000, connectTimeoutMs: 5000, retry: 1, statusCode: "200-299" };
/** delay_before_retry when not set: 3 s for HTTP_GET/SSL_GET, 1 s otherwise. */
export const delayBeforeRetryDefault = (kind: CheckKind) => (kind === "tcp" ? 1000 : 3000);

export interface CheckOptions {
  connectTimeoutMs?: number; retry?: number; retrySt?: Statement; delayBeforeRetryMs?: number; delayBeforeRetrySt?: Statement;
  delayLoopMs?: number; virtualhost?: string;
}

export interface ParsedCheck {
  st: Statement;
  kind: CheckKind;
  port: number | null;
  path: string;
  expectStatus: string;
  hostHeader: string | null;
  bodyContains: string | null;
  intervalMs: number;
  timeoutMs: number;
  fall: number;
}

export const CHECKERS: Record<string, CheckKind> = { TCP_CHECK: "tcp", HTTP_GET: "http", SSL_GET: "https" };
export const OTHER_CHECKERS = new Set(["MISC_CHECK", "SMTP_CHECK", "DNS_CHECK", "UDP_CHECK", "PING_CHECK", "FILE_CHECK", "BFD_CHECK"]);
const HARMLESS: Record<string, string> = {
  warmup: "the panel starts checking at once (no random warm-up)",
  alpha: "the panel leaves a never-checked real server alone until its first result",
  log_all_failures: "the panel logs transitions (health events), not every failure",
  fast_recovery: "the panel puts a server back after `rise` good checks",
  smtp_alert: "the panel notifies by webhook, not e-mail",
  snmp_name: "the panel exposes Prometheus metrics, not SNMP",
};

/** A timing/Host option valid at any level; false when `st` is not one. Mutates `o`. */
export function readCheckOption(st: Statement, o: CheckOptions, items: Items): boolean {
  switch (st.keyword) {
    case "connect_timeout": { const v = timerMs(st, items, st.args[0]); if (v !== undefined) { o.connectTimeoutMs = v; items.mapped(st, `timeoutMs ${v}`); } return true; }
    case "delay_loop": { const v = timerMs(st, items, st.args[0]); if (v !== undefined) { o.delayLoopMs = v; items.mapped(st, `intervalMs ${v}`); } return true; }
    case "retry": case "nb_get_retry": { const v = uint(st, items, st.args[0], st.keyword); if (v !== undefined) { o.retry = v; o.retrySt = st; } return true; }
    case "delay_before_retry": { const v = timerMs(st, items, st.args[0]); if (v !== undefined) { o.delayBeforeRetryMs = v; o.delayBeforeRetrySt = st; } return true; }
    case "virtualhost": if (st.args[0]) { o.virtualhost = st.args[0]; items.mapped(st, `hostHeader ${st.args[0]}`); } else items.refused(st, "virtualhost needs a name"); return true;
    default:
      if (st.keyword in HARMLESS) { items.noted(st, `not carried: ${HARMLESS[st.keyword]}`); return true; }
      return false;
  }
}

/** One checker block; null when it cannot be mapped (already refused). */
export function parseChecker(st: Statement, inherited: CheckOptions, items: Items): ParsedCheck | null {
  const kind = CHECKERS[st.keyword]!;
  const o: CheckOptions = { ...inherited };
  let port: number | null = null, path = CHECK_DEFAULTS.path, expectStatus = kind === "tcp" ? CHECK_DEFAULTS.expectStatus : KEEPALIVED_DEFAULTS.statusCode;
  let bodyContains: string | null = null, ok = true, urls = 0, urlHost: string | undefined;
  for (const c of st.block ?? []) {
    if (readCheckOption(c, o, items)) continue;
    if (c.keyword === "connect_port") { const v = uint(c, items, c.args[0], "connect_port"); if (v === undefined) ok = false; else { port = v; items.mapped(c, `port ${v}`); } continue; }
    if (kind !== "tcp" && c.keyword === "url") {
      if (++urls > 1) { items.refused(c, "a second url: the panel checks one path per service"); ok = false; continue; }
      const u = parseUrl(c, items);
      if (!u) { items.noted(c, "url not mapped: see the refusals inside"); ok = false; continue; }
      items.mapped(c, "the check's path and expected status");
      ({ path, bodyContains } = u);
      if (u.expectStatus) expectStatus = u.expectStatus;
      urlHost = u.hostHeader;
      continue;
    }
    if (kind !== "tcp" && c.keyword === "http_protocol") { items.noted(c, "not carried: the panel chooses the HTTP version of its checks"); continue; }
    if (kind === "https" && c.keyword === "enable_sni") { items.noted(c, "not carried: the panel's HTTPS check connects by address"); continue; }
    items.refused(c, `${st.keyword} ${c.keyword}: no equivalent in the panel's checks`);
    ok = false;
  }
  if (kind !== "tcp" && urls === 0) { items.refused(st, `${st.keyword} without a url block`); ok = false; }
  if (!ok) { items.noted(st, `${st.keyword} not mapped: see the refusals inside`); return null; }
  const intervalMs = o.delayLoopMs ?? KEEPALIVED_DEFAULTS.delayLoopMs;
  const retry = o.retry ?? KEEPALIVED_DEFAULTS.retry;
  const fall = retry + 1;
  if (o.retrySt) items.noted(o.retrySt, `retry ${retry} → fall ${fall} (down after the first failure and ${retry} retr${retry === 1 ? "y" : "ies"})`);
  else items.noted(st, `no retry: keepalived's default 1 → fall ${fall}`);
  items.noted(st, "rise 1: keepalived puts a server back after one good check");
  if (o.delayBeforeRetrySt) {
    if (o.delayBeforeRetryMs === intervalMs) items.mapped(o.delayBeforeRetrySt, "the panel retries at the check interval");
    else items.noted(o.delayBeforeRetrySt, `the panel retries at the check interval (${intervalMs / 1000} s), not after ${o.delayBeforeRetryMs! / 1000} s`);
  } else if (retry > 0 && delayBeforeRetryDefault(kind) !== intervalMs)
    items.noted(st, `no delay_before_retry: keepalived retries after ${delayBeforeRetryDefault(kind) / 1000} s, the panel at the check interval (${intervalMs / 1000} s)`);
  if (o.delayLoopMs === undefined) items.noted(st, `no delay_loop: keepalived's default 60 s → intervalMs ${intervalMs}`);
  if (o.connectTimeoutMs === undefined) items.noted(st, `no connect_timeout: keepalived's default 5 s → timeoutMs ${KEEPALIVED_DEFAULTS.connectTimeoutMs}`);
  items.mapped(st, `healthCheck kind ${kind}`);
  return {
    st, kind, port, path, expectStatus, hostHeader: kind === "tcp" ? null : (urlHost ?? o.virtualhost ?? null), bodyContains,
    intervalMs, timeoutMs: o.connectTimeoutMs ?? KEEPALIVED_DEFAULTS.connectTimeoutMs, fall,
  };
}

function parseUrl(st: Statement, items: Items): { path: string; expectStatus?: string; hostHeader?: string; bodyContains: string | null } | null {
  let path: string | undefined, expectStatus: string | undefined, hostHeader: string | undefined, bodyContains: string | null = null, ok = true;
  for (const c of st.block ?? []) {
    if (c.keyword === "path" && c.args[0]) { path = c.args[0]; items.mapped(c, `path ${path}`); }
    else if (c.keyword === "status_code") {
      const text = c.args.join(",");
      if (!c.args.length || !parseExpectStatus(text)) { items.refused(c, `status_code ${c.args.join(" ")}: codes or ranges 100..599 expected`); ok = false; }
      else { expectStatus = text; items.mapped(c, `expectStatus ${text}`); }
    } else if (c.keyword === "virtualhost" && c.args[0]) { hostHeader = c.args[0]; items.mapped(c, `hostHeader ${hostHeader}`); }
    else if (c.keyword === "regex") {
      const lit = c.args.length === 1 ? regexLiteral(c.args[0]!) : null;
      if (lit === null) { items.refused(c, "a regular expression: the panel checks the body for a plain substring (bodyContains)"); ok = false; }
      else { bodyContains = lit; items.mapped(c, `bodyContains ${JSON.stringify(lit)}`); }
    } else if (c.keyword === "digest") { items.refused(c, "digest (an MD5 of the body): the panel checks status codes and a body substring"); ok = false; }
    else { items.refused(c, `url ${c.keyword}: no equivalent in the panel's checks`); ok = false; }
  }
  if (path === undefined) { items.refused(st, "url without a path"); return null; }
  return ok ? { path, expectStatus, hostHeader, bodyContains } : null;
}

const META = /[\\^$.|?*+()[\]{}]/;
/** A regex that is a literal string (metacharacters only escaped) → that string; else null. */
export function regexLiteral(re: string): string | null {
  let out = "";
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === "\\") {
      const n = re[i + 1];
      if (n === undefined || !META.test(n)) return null;
      out += n;
      i++;
    } else if (META.test(c)) return null;
    else out += c;
  }
  return out;
}

/** The inverse: a substring as a regex keepalived matches literally. */
export function literalRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}
