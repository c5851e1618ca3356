// What one check is, after the service's check and the real server's override are merged; and the
// validation every value gets before it goes near a shell (the director runs them in bash).
import { z } from "zod";
import { canonicalAddress } from "@/lib/ipvs/address";

export const CHECK_KINDS = ["tcp", "http", "https"] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** keepalived-like defaults: 5 s interval, 2 s timeout, up after 2 successes, down after 3 failures. */
export const CHECK_DEFAULTS = { kind: "tcp" as CheckKind, path: "/", expectStatus: "200-399", intervalMs: 5000, timeoutMs: 2000, rise: 2, fall: 3, quorum: 1 };

/** "200-399", "200,204", "301-302,200" → ranges; null when the text is not that. */
export function parseExpectStatus(text: string): Array<[number, number]> | null {
  const out: Array<[number, number]> = [];
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!m) return null;
    const lo = Number(m[1]);
    const hi = Number(m[2] ?? m[1]);
    if (lo < 100 || hi > 599 || lo > hi) return null;
    out.push([lo, hi]);
  }
  return out.length ? out : null;
}

export function statusExpected(ranges: ReadonlyArray<[number, number]>, status: number): boolean {
  return ranges.some(([lo, hi]) => status >= lo && status <= hi);
}

const path = z.string().max(1024).regex(/^\/[\x21-\x7e]*$/, "a path starting with / (no spaces)");
const hostHeader = z.string().max(255).regex(/^[A-Za-z0-9.\-:[\]]+$/, "a host name, optionally with :port");
const expectStatus = z.string().max(100).refine((s) => parseExpectStatus(s) !== null, "status codes such as 200-399 or 200,204");

/** The form/API schema for a service's check (the forms and the API reuse it). */
export const healthCheckInputSchema = z.object({
  enabled: z.boolean().default(true),
  kind: z.enum(CHECK_KINDS).default("tcp"),
  port: z.number().int().min(1).max(65535).nullable().default(null),
  path: path.default("/"),
  hostHeader: hostHeader.nullable().default(null),
  expectStatus: expectStatus.default("200-399"),
  bodyContains: z.string().min(1).max(256).nullable().default(null),
  intervalMs: z.number().int().min(500).max(3_600_000).default(5000),
  timeoutMs: z.number().int().min(100).max(60_000).default(2000),
  rise: z.number().int().min(1).max(100).default(2),
  fall: z.number().int().min(1).max(100).default(3),
  runFrom: z.enum(["director", "panel"]).default("director"),
  onFail: z.enum(["quiesce", "remove"]).default("quiesce"),
  quorum: z.number().int().min(1).max(10_000).default(1),
}).refine((c) => c.timeoutMs <= c.intervalMs, { message: "the timeout must not exceed the interval", path: ["timeoutMs"] });
export type HealthCheckInput = z.infer<typeof healthCheckInputSchema>;

type ServiceCheckRow = {
  enabled: boolean; kind: CheckKind; port: number | null; path: string; hostHeader: string | null; expectStatus: string; bodyContains: string | null;
  intervalMs: number; timeoutMs: number; rise: number; fall: number; runFrom: "director" | "panel"; onFail: "quiesce" | "remove"; quorum: number;
};
type OverrideRow = Partial<{ enabled: boolean | null; kind: CheckKind | null; port: number | null; path: string | null; hostHeader: string | null; expectStatus: string | null; bodyContains: string | null; timeoutMs: number | null; rise: number | null; fall: number | null }>;

/** One real server's check, ready to run. */
export interface CheckSpec {
  /** RealServer.id */
  id: string;
  kind: CheckKind;
  address: string;
  port: number;
  path: string;
  /** Host header sent (http/https) */
  host: string;
  expect: Array<[number, number]>;
  bodyContains: string | null;
  timeoutMs: number;
  rise: number;
  fall: number;
}

const pick = <T,>(o: T | null | undefined, s: T): T => (o === null || o === undefined ? s : o);

/**
 * The effective check of one real server (the service's check with the override's non-null columns),
 * or null when checking is disabled for it. Throws on a value that cannot be run safely.
 */
export function effectiveCheck(svc: ServiceCheckRow, rs: { id: string; address: string; port: number }, ov?: OverrideRow | null): CheckSpec | null {
  if (!pick(ov?.enabled, svc.enabled)) return null;
  const addr = canonicalAddress(rs.address);
  if (!addr) throw new Error(`real server address ${JSON.stringify(rs.address)} is not an IP address`);
  const kind = pick(ov?.kind, svc.kind);
  const port = pick(ov?.port, svc.port) ?? rs.port;
  const p = path.parse(pick(ov?.path, svc.path));
  const canonical = addr.address;
  const hh = pick(ov?.hostHeader, svc.hostHeader);
  const host = hh === null ? (canonical.includes(":") ? `[${canonical}]` : canonical) : hostHeader.parse(hh);
  const expect = parseExpectStatus(pick(ov?.expectStatus, svc.expectStatus));
  if (!expect) throw new Error(`expected status ${JSON.stringify(pick(ov?.expectStatus, svc.expectStatus))} is not valid`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`check port ${port} is out of range`);
  return {
    id: rs.id, kind, address: canonical, port, path: p, host, expect,
    bodyContains: pick(ov?.bodyContains, svc.bodyContains), timeoutMs: pick(ov?.timeoutMs, svc.timeoutMs),
    rise: Math.max(1, pick(ov?.rise, svc.rise)), fall: Math.max(1, pick(ov?.fall, svc.fall)),
  };
}

/** The result of one check, wherever it ran. */
export interface CheckResult {
  id: string;
  ok: boolean;
  latencyMs: number | null;
  /** "connected", "HTTP 200", "HTTP 503 (expected 200-399)", "connection refused", "timeout after 2000 ms" */
  message: string;
  /** not checked (the panel's egress policy refused the address): no verdict, the streak stays */
  refused?: boolean;
  /**
   * Set when the check could not be made (bash, curl or /tmp missing on the director, a local errno,
   * the round script failed): the result says nothing about the real server and moves no streak.
   */
  fault?: string;
  /**
   * Set when the failure came from the checking host itself (an errno such as "Network is unreachable"
   * or "Too many open files"): a failure of this server like any other, unless every check of the
   * service has one, which is then a checker fault (lib/health/fault.ts).
   */
  local?: string;
}

/** Judges an HTTP answer (raw response: status line, headers, body) against the spec. */
export function judgeHttp(spec: CheckSpec, raw: string): { ok: boolean; message: string } {
  const m = /HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(raw);
  if (!m) return { ok: false, message: raw.trim() ? `not an HTTP answer: ${JSON.stringify(raw.slice(0, 60))}` : "empty answer" };
  const status = Number(m[1]);
  if (!statusExpected(spec.expect, status)) return { ok: false, message: `HTTP ${status} (expected ${spec.expect.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(",")})` };
  if (spec.bodyContains !== null) {
    const sep = raw.indexOf("\r\n\r\n");
    const body = sep >= 0 ? raw.slice(sep + 4) : raw;
    if (!body.includes(spec.bodyContains)) return { ok: false, message: `HTTP ${status}, body lacks ${JSON.stringify(spec.bodyContains)}` };
  }
  return { ok: true, message: `HTTP ${status}` };
}
