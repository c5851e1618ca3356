import type { PrismaClient } from "@/generated/prisma/client";
import { z } from "zod";
import { audit } from "@/lib/audit";
import { isUniqueViolation, StaleError, UserError } from "@/lib/errors";
import { hostPort } from "@/lib/ipvs/address";
import { CHECK_DEFAULTS, healthCheckInputSchema, type HealthCheckInput } from "@/lib/health/config";
import { WEBHOOK_EVENTS, webhookInputSchema } from "@/lib/notify";
import { createWebhook as createWebhookRow, updateWebhook, webhookPatchSchema } from "@/lib/notify/manage";
import { serviceLabel } from "@/lib/data/virtual-services";
import { lockCluster, recordVersion, type Writer } from "@/lib/data/cluster-versions";

// Health-check configuration from the console's forms: a check per virtual service
// (lib/health healthCheckInputSchema), an override per real server (a blank field inherits), and the
// webhooks that hear about transitions. Desired state only; the worker picks it up at its next round.

const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");
const NUMBERS = ["port", "intervalMs", "timeoutMs", "rise", "fall", "quorum"] as const;
const NULLABLE = ["port", "hostHeader", "bodyContains"] as const;

/** Form strings → the schema's JSON types: digits → numbers, checkbox → boolean, blank → default/null. */
function fromForm(form: Record<string, string>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = form[k];
    if (k === "enabled") { out.enabled = v === "on" || v === "true"; continue; }
    if (blank(v)) { if ((NULLABLE as readonly string[]).includes(k)) out[k] = null; continue; }
    const t = v!.trim();
    out[k] = (NUMBERS as readonly string[]).includes(k) && /^\d+$/.test(t) ? Number(t) : t;
  }
  return out;
}

const KEYS = ["enabled", "kind", "port", "path", "hostHeader", "expectStatus", "bodyContains", "intervalMs", "timeoutMs", "rise", "fall", "runFrom", "onFail", "quorum"] as const;

/** zod messages of the health schema in the console's words ("must be …"). */
function friendly(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") return `must be ${issue.expected === "number" ? "a whole number" : issue.expected}`;
  if (issue.code === "too_small") return `must be at least ${String(issue.minimum)}`;
  if (issue.code === "too_big") return issue.origin === "string" ? `must be at most ${String(issue.maximum)} characters` : `must be at most ${String(issue.maximum)}`;
  if (issue.code === "invalid_value") return `must be one of ${issue.values.map(String).join(", ")}`;
  return /^(a |the |status )/.test(issue.message) ? `must be ${issue.message.replace(/^the timeout must not exceed/, "no more than")}` : issue.message;
}

function errorsOf(e: z.ZodError, rename: (k: string) => string = (k) => k): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of e.issues) (out[rename(String(i.path[0] ?? "_form"))] ??= []).push(friendly(i));
  return out;
}

/** The service check form, validated by lib/health's schema. */
export const healthCheckFormSchema = z.record(z.string(), z.string()).transform((form, ctx): HealthCheckSave => {
  const r = healthCheckInputSchema.safeParse(fromForm(form, KEYS));
  if (!r.success) {
    for (const [k, msgs] of Object.entries(errorsOf(r.error))) for (const m of msgs) ctx.addIssue({ code: "custom", path: [k], message: m });
    return z.NEVER;
  }
  if (blank(form.virtualServiceId)) {
    ctx.addIssue({ code: "custom", path: ["virtualServiceId"], message: "is required" });
    return z.NEVER;
  }
  // the check's version the form was opened at; 0: the service had no check yet
  const version = (form.version ?? "").trim();
  if (!/^\d{1,9}$/.test(version)) {
    ctx.addIssue({ code: "custom", path: ["version"], message: "is missing: reload the page" });
    return z.NEVER;
  }
  return { ...r.data, virtualServiceId: form.virtualServiceId!.trim(), version: Number(version) };
});

export type HealthCheckSave = HealthCheckInput & { virtualServiceId: string; version: number };

/**
 * Saves only if nobody saved the service's check since `version` was read (0: it had none); bumps the
 * version. The write itself checks it (UPDATE ... WHERE version, or a create that the unique key on the
 * service refuses when another create won), so two saves from one version cannot both land.
 */
export async function saveHealthCheck(prisma: PrismaClient, { actor, source }: Writer, input: HealthCheckSave) {
  const vs = await prisma.virtualService.findUnique({ where: { id: input.virtualServiceId }, include: { cluster: true } });
  if (!vs) throw new UserError("This virtual service no longer exists.");
  const { virtualServiceId, version, ...data } = input;
  if (data.quorum > 1 && data.quorum > (await prisma.realServer.count({ where: { virtualServiceId } })))
    throw new UserError("The quorum is larger than the number of real servers.", { quorum: ["must not exceed the number of real servers of the service"] });
  const stale = () => new StaleError(`The health check of ${serviceLabel(vs)}`);
  try {
    return await prisma.$transaction(async (tx) => {
      await lockCluster(tx, vs.clusterId);
      const before = await tx.healthCheck.findUnique({ where: { virtualServiceId } });
      if (before ? before.version !== version : version !== 0) throw stale();
      if (before) {
        const res = await tx.healthCheck.updateMany({ where: { virtualServiceId, version }, data: { ...data, version: { increment: 1 } } });
        if (res.count !== 1) throw stale();
      } else await tx.healthCheck.create({ data: { virtualServiceId, ...data } });
      const after = await tx.healthCheck.findUniqueOrThrow({ where: { virtualServiceId } });
      await audit(tx, { actor, action: before ? "health-check.update" : "health-check.create", target: `service:${vs.cluster.name}/${serviceLabel(vs)}`, before: before ? publicCheck(before) : undefined, after: publicCheck(after) });
      await recordVersion(tx, vs.clusterId, actor, source);
      return { check: after, vs };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw stale(); // another first save won
    throw e;
  }
}

const publicCheck = (c: Record<string, unknown>) => Object.fromEntries(KEYS.map((k) => [k, c[k] ?? null]));

const OVERRIDE_KEYS = ["kind", "port", "path", "hostHeader", "expectStatus", "bodyContains", "timeoutMs", "rise", "fall"] as const;

/**
 * A real server's override: blank fields inherit the service's check. Judged by merging it over the
 * service's check and validating the result with the same schema, so an override can never make a
 * check the worker would refuse.
 */
export async function saveHealthOverride(prisma: PrismaClient, actor: string, form: Record<string, string>) {
  const rsId = (form.realServerId ?? "").trim();
  const rs = rsId ? await prisma.realServer.findUnique({ where: { id: rsId }, include: { virtualService: { include: { cluster: true, healthCheck: true } } } }) : null;
  if (!rs) throw new UserError("This real server no longer exists.");
  const svc = rs.virtualService.healthCheck;
  if (!svc) throw new UserError("Configure the service's health check first; a real server's override refines it.");
  const given = fromForm(form, OVERRIDE_KEYS);
  for (const k of NULLABLE) if (given[k] === null) delete given[k]; // blank: inherit
  const inherit = form.inherit === "on" || form.inherit === "true";
  const enabled = form.enabled === "off" ? false : form.enabled === "on" ? true : null;
  const base = { ...publicCheck(svc) } as Record<string, unknown>;
  const merged = healthCheckInputSchema.safeParse({ ...base, ...given, enabled: enabled ?? svc.enabled });
  if (!merged.success) throw new UserError("Please correct the highlighted fields.", errorsOf(merged.error));
  const data = inherit
    ? { enabled: null, kind: null, port: null, path: null, hostHeader: null, expectStatus: null, bodyContains: null, timeoutMs: null, rise: null, fall: null }
    : { enabled, ...Object.fromEntries(OVERRIDE_KEYS.map((k) => [k, k in given ? (merged.data as Record<string, unknown>)[k] : null])) };
  const label = `${serviceLabel(rs.virtualService)} -> ${hostPort(rs.address, rs.port)}`;
  return prisma.$transaction(async (tx) => {
    const after = await tx.healthCheckOverride.upsert({ where: { realServerId: rs.id }, create: { realServerId: rs.id, ...data } as never, update: data as never });
    await audit(tx, { actor, action: "health-check.override", target: `real-server:${rs.virtualService.cluster.name}/${label}`, after: data });
    return { override: after, rs, label };
  });
}

function webhookFormErrors(issues: z.core.$ZodIssue[]): never {
  const errs: Record<string, string[]> = {};
  for (const i of issues) {
    const k = String(i.path[0] ?? "_form");
    (errs[k] ??= []).push(k === "url" ? "must be an http:// or https:// URL" : k === "secret" ? "must be 16..256 characters (or empty)" : friendly(i));
  }
  throw new UserError("Please correct the highlighted fields.", errs);
}

/** Webhook form: name, URL, optional secret (stored encrypted), events (checkboxes; none = all). */
export async function createWebhook(prisma: PrismaClient, actor: string, form: Record<string, string>) {
  const events = WEBHOOK_EVENTS.filter((e) => form[`event_${e}`] === "on");
  const r = webhookInputSchema.safeParse({ name: form.name ?? "", url: (form.url ?? "").trim(), secret: blank(form.secret) ? null : form.secret, events, enabled: true });
  if (!r.success) webhookFormErrors(r.error.issues);
  return createWebhookRow(prisma, actor, r.data);
}

/**
 * The edit form of one webhook: a blank URL or secret keeps the current one (the page never carries
 * them), "removeSecret" drops the signature, "enabled" is a checkbox, events are checkboxes.
 */
export async function updateWebhookForm(prisma: PrismaClient, actor: string, form: Record<string, string>) {
  const events = WEBHOOK_EVENTS.filter((e) => form[`event_${e}`] === "on");
  const r = webhookPatchSchema.safeParse({
    name: form.name ?? "", events, enabled: form.enabled === "on",
    ...(blank(form.url) ? {} : { url: form.url!.trim() }),
    ...(form.removeSecret === "on" ? { secret: null } : blank(form.secret) ? {} : { secret: form.secret }),
  });
  if (!r.success) webhookFormErrors(r.error.issues);
  return updateWebhook(prisma, actor, form.id ?? "", r.data);
}

export { CHECK_DEFAULTS };
