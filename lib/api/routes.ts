import "server-only";
// The /api/v1 resources. Every mutation calls the SAME service module as the UI's server action
// (lib/data, lib/operations), with the SAME zod schema; only the transport differs.
import { z } from "zod";
import { audit } from "@/lib/audit";
import { createCluster, updateCluster } from "@/lib/data/clusters";
import type { Writer } from "@/lib/data/cluster-versions";
import { deleteClusterWithDirector, leftRunning } from "@/lib/operations/teardown";
import { can } from "@/lib/roles";
import { presentedKey, trustHostKey } from "@/lib/operations/host-keys";
import { liveSnapshot } from "@/lib/live/live";
import { allClusterRows } from "@/lib/data/overview";
import { planCluster, realServerOp, startApply } from "@/lib/operations/cluster";
import { createRealServer, createVirtualService, deleteRealServer, deleteVirtualService, setRealServerState, updateRealServer, updateVirtualService } from "@/lib/data/virtual-services";
import { realServerSchema, realServerUpdateSchema, virtualServiceSchema, virtualServiceUpdateSchema } from "@/lib/validation/virtual-service";
import { createHost, deleteHost, updateHost } from "@/lib/data/hosts";
import { testWebhook, webhookInputSchema } from "@/lib/notify";
import { createWebhook, deleteWebhook, listWebhooks, updateWebhook, webhookPatchSchema, webhookView } from "@/lib/notify/manage";
import { clusterCreateSchema, clusterUpdateSchema } from "@/lib/validation/cluster";
import { hostCreateSchema, hostUpdateSchema } from "@/lib/validation/host";
import { BodyParser } from "./body";
import { documentRoutes } from "./document-routes";
import { haRoutes } from "./ha-routes";
import { checkIfMatch, json, requireIfMatch, versionEtag, versionFromIfMatch } from "./http";
import { openApiDocument } from "./openapi";
import { clusterJson, hostEtag, hostJson, realServerEtag, realServerFormInput, realServerJson, serviceFormInput, serviceJson } from "./present";
import { ApiProblem } from "./problem";
import { findCluster, findHost, findRealServer, findService } from "./refs";
import { API_BASE, createRouter, type Ctx, type Route } from "./router";

const clusterBody = new BodyParser({ schema: clusterCreateSchema });
const clusterPatchBody = new BodyParser({ schema: clusterUpdateSchema, fromPath: ["id", "version"] });
const hostBody = new BodyParser({ schema: hostCreateSchema, fromPath: ["clusterId"] });
const hostPatchBody = new BodyParser({ schema: hostUpdateSchema, fromPath: ["id"] });
const serviceBody = new BodyParser({ schema: virtualServiceSchema, fromPath: ["clusterId"] });
const servicePatchBody = new BodyParser({ schema: virtualServiceUpdateSchema, fromPath: ["clusterId", "id", "version"] });
const rsBody = new BodyParser({ schema: realServerSchema, fromPath: ["virtualServiceId"] });
const rsPatchBody = new BodyParser({ schema: realServerUpdateSchema, fromPath: ["virtualServiceId", "id", "version"] });
const rsWeightBody = new BodyParser({ schema: realServerUpdateSchema,
  fromPath: ["virtualServiceId", "id", "version", "hostId", "address", "port", "forwardingMethod", "upperThreshold", "lowerThreshold"] });
export const hostKeyTrustSchema = z.object({ fingerprint: z.string({ error: "is required" }).trim().min(1, "is required").max(100, "must be at most 100 characters") });
const hostKeyBody = new BodyParser({ schema: hostKeyTrustSchema });
export const rsHostOpSchema = z.object({
  host: z.string().trim().min(1, "is required").max(100, "must be at most 100 characters").optional(),
  // unprepare only: the hosts whose live traffic (the director still sends them a VIP's share) may be dropped
  confirmDropTraffic: z.array(z.string().trim().min(1).max(100), { error: "must be a list of host names" }).max(1000).optional(),
});
const rsHostOpBody = new BodyParser({ schema: rsHostOpSchema });

const webhookBody = new BodyParser({ schema: webhookInputSchema });
const webhookPatchBody = new BodyParser({ schema: webhookPatchSchema });

const C = "/clusters/{cluster}";
const S = `${C}/services/{service}`;
const R = `${S}/real-servers/{realServer}`;

const created = (body: unknown, location: string, etag?: string) =>
  json(body, 201, { location: `${API_BASE}${location}`, ...(etag ? { etag } : {}) });
const noContent = () => new Response(null, { status: 204, headers: { "cache-control": "no-store" } });

/** The caller as the writer of a desired-state change (its version's source: api). */
const api = (ctx: Ctx): Writer => ({ actor: ctx.caller.actor, source: "api" });

async function cluster(ctx: Ctx) {
  return findCluster(ctx.prisma, ctx.params.cluster!);
}
async function service(ctx: Ctx) {
  const c = await cluster(ctx);
  return { c, s: await findService(ctx.prisma, c.id, ctx.params.service!) };
}
async function realServer(ctx: Ctx) {
  const { c, s } = await service(ctx);
  return { c, s, r: await findRealServer(ctx.prisma, s.id, ctx.params.realServer!) };
}
/** The version a real-server change names (428 without If-Match); services.ts checks it on the locked row. */
const rsVersion = (ctx: Ctx, r: { version: number }) => versionFromIfMatch(ctx.ifMatch, `real server ${ctx.params.realServer}`, r.version);
const servicePath = (c: { name: string }, ref: string) => `/clusters/${encodeURIComponent(c.name)}/services/${encodeURIComponent(ref)}`;

async function webhook(ctx: Ctx) {
  const ref = ctx.params.webhook!;
  const w = (await ctx.prisma.webhook.findUnique({ where: { id: ref } })) ?? (await ctx.prisma.webhook.findUnique({ where: { name: ref } }));
  if (!w) throw new ApiProblem("not-found", `No webhook ${JSON.stringify(ref.slice(0, 100))}.`);
  return w;
}
const webhookPath = (name: string) => `/webhooks/${encodeURIComponent(name)}`;

async function runJson(ctx: Ctx, runId: string) {
  const run = await ctx.prisma.applyRun.findUnique({ where: { id: runId }, include: { steps: { orderBy: { position: "asc" } } } });
  if (!run) throw new ApiProblem("not-found", "No such apply.");
  return {
    id: run.id, clusterId: run.clusterId, actor: run.actor, outcome: run.outcome, error: run.error,
    startedAt: run.startedAt.toISOString(), finishedAt: run.finishedAt?.toISOString() ?? null,
    desired: run.desired, verification: run.verification,
    steps: run.steps.map((s) => ({ position: s.position, host: s.hostName, command: s.command, disruptive: s.disruptive, status: s.status,
      exitCode: s.exitCode, stdout: s.stdout, stderr: s.stderr, durationMs: s.durationMs,
      startedAt: s.startedAt?.toISOString() ?? null, finishedAt: s.finishedAt?.toISOString() ?? null })),
  };
}

function boolQuery(url: URL, name: string, dflt: boolean): boolean {
  const v = url.searchParams.get(name);
  if (v === null) return dflt;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw new ApiProblem("validation", `Query parameter ${name} must be true or false.`, [{ field: name, rule: "invalid_type:boolean", message: "must be true or false" }]);
}

type Arp = { host: string; hostId: string; address: string | null; ready: boolean | null; error: string | null;
  vips: Array<{ vip: string; ready: boolean; iface: string | null; problems: string[]; warnings: string[] }>;
  arp: { all: Record<string, number | undefined>; iface: string | null; ifaceConf: Record<string, number | undefined> | null } | null };

/** Each real-server host's ARP state (arp_ignore/arp_announce, VIP on lo) from a fresh probe. */
async function arpState(ctx: Ctx, clusterId: string): Promise<Arp[]> {
  let results;
  try {
    results = await realServerOp(ctx.prisma, ctx.caller.actor, clusterId, "probe");
  } catch (e) {
    if (e instanceof Error && e.name === "UserError") return [];
    throw e;
  }
  const addr = new Map((await ctx.prisma.host.findMany({ where: { clusterId }, select: { id: true, address: true } })).map((h) => [h.id, h.address]));
  return results.map((r) => {
    const iface = r.report?.verdicts.find((v) => v.iface)?.iface ?? r.report?.facts.defaultDev ?? null;
    return {
      host: r.host, hostId: r.hostId, address: addr.get(r.hostId) ?? null, ready: r.report?.ready ?? null, error: r.error,
      vips: (r.report?.verdicts ?? []).map((v) => ({ vip: v.vip, ready: v.ready, iface: v.iface, problems: v.problems, warnings: v.warnings })),
      arp: r.report ? { all: r.report.facts.conf.all ?? {}, iface, ifaceConf: iface ? r.report.facts.conf[iface] ?? null : null } : null,
    };
  });
}

const R200 = { 200: "OK" };
const R_WRITE = { 401: "No or bad token", 403: "Role does not allow it", 404: "Not found", 409: "Conflict", 413: "Body too large", 415: "Not JSON", 422: "Validation failed" };

const routes: Route[] = [
  {
    method: "GET", path: "/openapi.json", permission: "public", tag: "meta", summary: "This API's OpenAPI 3.1 document",
    responses: R200, handler: async () => json(apiDocument()),
  },
  {
    method: "GET", path: "/", permission: "read", tag: "meta", summary: "Entry point: links to the resources",
    responses: R200, handler: async () => json({ api: "lvs-panel", version: "v1", openapi: `${API_BASE}/openapi.json`, docs: "/api-docs", clusters: `${API_BASE}/clusters`, me: `${API_BASE}/me` }),
  },
  {
    method: "GET", path: "/me", permission: "read", tag: "meta", summary: "Who the token belongs to and its effective role",
    responses: R200, handler: async (ctx) => json({ user: { email: ctx.caller.user.email, name: ctx.caller.user.name, role: ctx.caller.user.role },
      token: { name: ctx.caller.token.name, prefix: ctx.caller.token.prefix }, role: ctx.caller.role }),
  },
  // clusters
  {
    method: "GET", path: "/clusters", permission: "read", tag: "clusters", summary: "List clusters with counts and the last apply",
    responses: R200, handler: async (ctx) => {
      // one query: the overview's counts and last apply, with the cluster's own columns
      return json({ clusters: (await allClusterRows(ctx.prisma)).map((c) => ({ ...clusterJson(c), hostCount: c.hostCount, vipCount: c.vipCount, realServerCount: c.realServerCount,
        lastApply: c.lastApply ? { ...c.lastApply, at: c.lastApply.at.toISOString() } : null })) });
    },
  },
  {
    method: "POST", path: "/clusters", permission: "edit", tag: "clusters", summary: "Create a cluster", body: clusterBody, idempotent: true,
    responses: { 201: "Created", ...R_WRITE }, handler: async (ctx) => {
      const c = await createCluster(ctx.prisma, api(ctx), clusterBody.parse(ctx.body));
      return created(clusterJson(c), `/clusters/${encodeURIComponent(c.name)}`, versionEtag(c.version));
    },
  },
  {
    method: "GET", path: C, permission: "read", tag: "clusters", summary: "One cluster (ETag = its version)",
    responses: R200, handler: async (ctx) => {
      const c = await cluster(ctx);
      return json(clusterJson(c), 200, { etag: versionEtag(c.version) });
    },
  },
  {
    method: "PATCH", path: C, permission: "edit", tag: "clusters", summary: "Change a cluster (If-Match required)", body: clusterPatchBody, ifMatch: "required",
    responses: { 200: "Saved", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const version = versionFromIfMatch(ctx.ifMatch, `cluster ${c.name}`, c.version);
      const input = clusterPatchBody.parse(ctx.body, { id: c.id, version }, { name: c.name, description: c.description, defaultForwardingMethod: c.defaultForwardingMethod });
      const after = await updateCluster(ctx.prisma, api(ctx), input);
      return json(clusterJson(after), 200, { etag: versionEtag(after.version) });
    },
  },
  {
    method: "DELETE", path: C, permission: "edit", tag: "clusters", ifMatch: "required",
    summary: "Delete a cluster with its hosts and services (If-Match required); its apply history is kept",
    description: "The director is read first. While it still runs the cluster's virtual services or VIPs the delete is refused (409, the commands in `teardown`) unless `director=remove` (they are removed first, as an apply; needs the apply permission) or `director=leave` (they keep running).",
    query: [{ name: "director", description: "remove: remove the cluster from the director first; leave: leave the director as it is", schema: { type: "string", enum: ["remove", "leave"] } }],
    responses: { 204: "Deleted", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE, 409: "The director still runs the cluster's services" }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const choice = ctx.url.searchParams.get("director") ?? "check";
      if (choice !== "check" && choice !== "remove" && choice !== "leave")
        throw new ApiProblem("validation", "Query parameter director must be remove or leave.", [{ field: "director", rule: "enum", message: "must be remove or leave" }]);
      if (choice === "remove" && !can(ctx.caller.role, "apply")) throw new ApiProblem("forbidden", "director=remove runs commands on the director: it needs a role that may apply.");
      const version = versionFromIfMatch(ctx.ifMatch, `cluster ${c.name}`, c.version);
      const out = await deleteClusterWithDirector(ctx.prisma, { id: ctx.caller.user.id, email: ctx.caller.actor }, c.id, version, choice);
      if (!out.deleted) {
        const what = out.plan.error ? `its director ${out.plan.director} could not be read (${out.plan.error})` : `its director ${out.plan.director} still runs ${leftRunning(out.plan)}`;
        throw new ApiProblem("conflict", `Not deleted: ${what}. Send director=remove to remove them first, or director=leave to leave them running.`, [], {}, { teardown: out.plan });
      }
      return noContent();
    },
  },
  // hosts
  {
    method: "GET", path: `${C}/hosts`, permission: "read", tag: "hosts", summary: "The cluster's directors and real-server hosts",
    responses: R200, handler: async (ctx) => {
      const c = await cluster(ctx);
      return json({ hosts: (await ctx.prisma.host.findMany({ where: { clusterId: c.id }, orderBy: { name: "asc" } })).map(hostJson) });
    },
  },
  {
    method: "POST", path: `${C}/hosts`, permission: "edit", tag: "hosts", summary: "Add a host (its SSH host key stays untrusted until trusted)", body: hostBody, idempotent: true,
    responses: { 201: "Created", ...R_WRITE }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const h = await createHost(ctx.prisma, ctx.caller.actor, hostBody.parse(ctx.body, { clusterId: c.id }));
      return created(hostJson(h), `/clusters/${encodeURIComponent(c.name)}/hosts/${encodeURIComponent(h.name)}`, hostEtag(h));
    },
  },
  {
    method: "GET", path: `${C}/hosts/{host}`, permission: "read", tag: "hosts", summary: "One host",
    responses: R200, handler: async (ctx) => {
      const h = await findHost(ctx.prisma, (await cluster(ctx)).id, ctx.params.host!);
      return json(hostJson(h), 200, { etag: hostEtag(h) });
    },
  },
  {
    method: "PATCH", path: `${C}/hosts/{host}`, permission: "edit", tag: "hosts", body: hostPatchBody, ifMatch: "required",
    summary: "Change how the panel reaches a host, or a director's vrrpPriority (If-Match required; a new address or port drops the pinned host key)",
    responses: { 200: "Saved", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE }, handler: async (ctx) => {
      const h = await findHost(ctx.prisma, (await cluster(ctx)).id, ctx.params.host!);
      requireIfMatch(ctx.ifMatch, `host ${h.name}`);
      const input = hostPatchBody.parse(ctx.body, { id: h.id }, { name: h.name, address: h.address, sshPort: h.sshPort, sshUser: h.sshUser, sshKeyId: h.sshKeyId });
      // checked again inside updateHost's transaction, on the locked row
      const out = await updateHost(ctx.prisma, { actor: ctx.caller.actor, source: "api" }, input, (current) => checkIfMatch(ctx.ifMatch, hostEtag(current), `host ${h.name}`));
      return json(hostJson(out.host), 200, { etag: hostEtag(out.host) });
    },
  },
  {
    method: "DELETE", path: `${C}/hosts/{host}`, permission: "edit", tag: "hosts", summary: "Remove a host (If-Match required)", ifMatch: "required",
    responses: { 204: "Deleted", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE }, handler: async (ctx) => {
      const h = await findHost(ctx.prisma, (await cluster(ctx)).id, ctx.params.host!);
      requireIfMatch(ctx.ifMatch, `host ${h.name}`);
      // checked again inside deleteHost's transaction, on the locked row
      await deleteHost(ctx.prisma, ctx.caller.actor, h.id, (current) => checkIfMatch(ctx.ifMatch, hostEtag(current), `host ${h.name}`));
      return noContent();
    },
  },
  {
    method: "GET", path: `${C}/hosts/{host}/host-key`, permission: "trust-host-key", tag: "hosts", summary: "The SSH host key the host presents now, compared with the pinned one",
    responses: R200, handler: async (ctx) => {
      const h = await findHost(ctx.prisma, (await cluster(ctx)).id, ctx.params.host!);
      const k = await presentedKey(ctx.prisma, h.id);
      return json({ host: h.name, fingerprint: k.fingerprint, algorithm: k.algorithm, status: k.status, pinned: k.pinned });
    },
  },
  {
    method: "POST", path: `${C}/hosts/{host}/host-key`, permission: "trust-host-key", tag: "hosts", summary: "Trust (pin) the host key with this fingerprint; a changed key needs an admin token", body: hostKeyBody,
    responses: { 200: "Trusted", ...R_WRITE }, handler: async (ctx) => {
      const h = await findHost(ctx.prisma, (await cluster(ctx)).id, ctx.params.host!);
      const { fingerprint } = hostKeyBody.parse(ctx.body);
      const r = await trustHostKey(ctx.prisma, { email: ctx.caller.actor, role: ctx.caller.role }, h.id, fingerprint);
      return json({ host: hostJson(r.host), changed: r.changed });
    },
  },
  // virtual services
  {
    method: "GET", path: `${C}/services`, permission: "read", tag: "virtual services", summary: "The cluster's virtual services with their real servers (desired state)",
    responses: R200, handler: async (ctx) => {
      const c = await cluster(ctx);
      const rows = await ctx.prisma.virtualService.findMany({ where: { clusterId: c.id }, include: { realServers: { orderBy: [{ address: "asc" }, { port: "asc" }] } }, orderBy: [{ address: "asc" }, { port: "asc" }, { fwmark: "asc" }] });
      return json({ services: rows.map((s) => serviceJson(s, s.realServers)) });
    },
  },
  {
    method: "POST", path: `${C}/services`, permission: "edit", tag: "virtual services", summary: "Create a virtual service (desired state; apply pushes it)", body: serviceBody, idempotent: true,
    responses: { 201: "Created", ...R_WRITE }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const s = await createVirtualService(ctx.prisma, api(ctx), serviceBody.parse(ctx.body, { clusterId: c.id }));
      const body = serviceJson(s, []);
      return created(body, servicePath(c, body.ref), versionEtag(s.version));
    },
  },
  {
    method: "GET", path: S, permission: "read", tag: "virtual services", summary: "One virtual service (ETag = its version; any real-server change bumps it)",
    responses: R200, handler: async (ctx) => {
      const { s } = await service(ctx);
      const rs = await ctx.prisma.realServer.findMany({ where: { virtualServiceId: s.id }, orderBy: [{ address: "asc" }, { port: "asc" }] });
      return json(serviceJson(s, rs), 200, { etag: versionEtag(s.version) });
    },
  },
  {
    method: "PATCH", path: S, permission: "edit", tag: "virtual services", summary: "Change a virtual service (If-Match required)", body: servicePatchBody, ifMatch: "required",
    responses: { 200: "Saved", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE }, handler: async (ctx) => {
      const { c, s } = await service(ctx);
      const version = versionFromIfMatch(ctx.ifMatch, `virtual service ${ctx.params.service}`, s.version);
      const after = await updateVirtualService(ctx.prisma, api(ctx), servicePatchBody.parse(ctx.body, { clusterId: c.id, id: s.id, version }, serviceFormInput(s)));
      return json(serviceJson(after), 200, { etag: versionEtag(after.version) });
    },
  },
  {
    method: "DELETE", path: S, permission: "edit", tag: "virtual services", summary: "Delete a virtual service and its real servers (If-Match required)", ifMatch: "required",
    responses: { 204: "Deleted", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE }, handler: async (ctx) => {
      const { s } = await service(ctx);
      await deleteVirtualService(ctx.prisma, api(ctx), s.id, versionFromIfMatch(ctx.ifMatch, `virtual service ${ctx.params.service}`, s.version));
      return noContent();
    },
  },
  // real servers
  {
    method: "GET", path: `${S}/real-servers`, permission: "read", tag: "real servers", summary: "The service's real servers",
    responses: R200, handler: async (ctx) => {
      const { s } = await service(ctx);
      return json({ realServers: (await ctx.prisma.realServer.findMany({ where: { virtualServiceId: s.id }, orderBy: [{ address: "asc" }, { port: "asc" }] })).map(realServerJson) });
    },
  },
  {
    method: "POST", path: `${S}/real-servers`, permission: "edit", tag: "real servers", body: rsBody, idempotent: true,
    summary: "Add a real server (weight defaults to 1, forwardingMethod to the service's, hostId to the cluster's real-server host with that address; DR/TUN ports follow the service)",
    responses: { 201: "Created", ...R_WRITE }, handler: async (ctx) => {
      const { c, s } = await service(ctx);
      // a RIP that is one of the cluster's real-server hosts is linked to that host by createRealServer
      const input = rsBody.parse(ctx.body, { virtualServiceId: s.id }, { weight: "1", forwardingMethod: s.forwardingMethod });
      const { realServer: r, notice } = await createRealServer(ctx.prisma, api(ctx), input);
      const body = { ...realServerJson(r), notice };
      return created(body, `${servicePath(c, ctx.params.service!)}/real-servers/${encodeURIComponent(body.ref)}`, realServerEtag(r));
    },
  },
  {
    method: "GET", path: R, permission: "read", tag: "real servers", summary: "One real server (ETag from its content)",
    responses: R200, handler: async (ctx) => {
      const { r } = await realServer(ctx);
      return json(realServerJson(r), 200, { etag: realServerEtag(r) });
    },
  },
  {
    method: "PATCH", path: R, permission: "edit", tag: "real servers", summary: "Change a real server (If-Match required)", body: rsPatchBody, ifMatch: "required",
    responses: { 200: "Saved", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE }, handler: async (ctx) => {
      const { s, r } = await realServer(ctx);
      const version = rsVersion(ctx, r);
      const out = await updateRealServer(ctx.prisma, api(ctx), rsPatchBody.parse(ctx.body, { virtualServiceId: s.id, id: r.id, version }, realServerFormInput(r)));
      return json({ ...realServerJson(out.realServer), notice: out.notice }, 200, { etag: realServerEtag(out.realServer) });
    },
  },
  {
    method: "DELETE", path: R, permission: "edit", tag: "real servers", summary: "Remove a real server from the desired state (If-Match required; apply removes it from the director)", ifMatch: "required",
    responses: { 204: "Deleted", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE }, handler: async (ctx) => {
      const { r } = await realServer(ctx);
      await deleteRealServer(ctx.prisma, api(ctx), r.id, rsVersion(ctx, r));
      return noContent();
    },
  },
  {
    method: "POST", path: `${R}/weight`, permission: "edit", tag: "real servers", summary: "Set a real server's weight (If-Match required)", body: rsWeightBody, ifMatch: "required",
    responses: { 200: "Saved", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE }, handler: async (ctx) => {
      const { s, r } = await realServer(ctx);
      const version = rsVersion(ctx, r);
      if (!("weight" in ctx.body)) throw new ApiProblem("validation", "Give the weight.", [{ field: "weight", rule: "required", message: "is required" }]);
      const out = await updateRealServer(ctx.prisma, api(ctx), rsWeightBody.parse(ctx.body, { virtualServiceId: s.id, id: r.id, version }, realServerFormInput(r)));
      return json(realServerJson(out.realServer), 200, { etag: realServerEtag(out.realServer) });
    },
  },
  ...(["drain", "enable", "disable"] as const).map((action): Route => ({
    method: "POST", path: `${R}/${action}`, permission: "edit", tag: "real servers", ifMatch: "required",
    summary: { drain: "Drain: weight 0 in the kernel, no new connections, existing ones finish", enable: "Enable: back in the table with its weight", disable: "Disable: left out of the table" }[action],
    responses: { 200: "Saved", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE }, handler: async (ctx) => {
      const { r } = await realServer(ctx);
      const out = await setRealServerState(ctx.prisma, api(ctx), r.id, action === "drain" ? "draining" : action === "enable" ? "active" : "disabled", rsVersion(ctx, r));
      return json(realServerJson(out), 200, { etag: realServerEtag(out) });
    },
  })),
  // plan, apply, prepare, live
  {
    method: "POST", path: `${C}/plan`, permission: "read", tag: "operations", summary: "Dry run: per host, the exact commands an apply would run now",
    responses: { 200: "The plan", 401: "No or bad token", 404: "Not found" }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const hosts = await planCluster(ctx.prisma, c.id);
      return json({ cluster: c.name, hosts, changes: hosts.reduce((n, h) => n + h.steps.length, 0), errors: hosts.filter((h) => h.error).map((h) => `${h.host}: ${h.error}`) });
    },
  },
  {
    method: "POST", path: `${C}/apply`, permission: "apply", tag: "operations", idempotent: true,
    summary: "Push the desired state to the director (202 + Location of the apply; ?wait=true answers when it has finished)",
    query: [{ name: "wait", description: "wait for the apply to finish (up to `timeout` seconds)", schema: { type: "boolean", default: false } },
      { name: "timeout", description: "seconds to wait, 1..600", schema: { type: "integer", minimum: 1, maximum: 600, default: 120 } }],
    responses: { 200: "Finished (with wait=true)", 202: "Started", 401: "No or bad token", 403: "Role does not allow it", 404: "Not found", 409: "Another apply is running" },
    handler: async (ctx) => {
      const c = await cluster(ctx);
      const wait = boolQuery(ctx.url, "wait", false);
      const t = ctx.url.searchParams.get("timeout");
      if (t !== null && !/^\d{1,3}$/.test(t)) throw new ApiProblem("validation", "timeout must be 1..600 seconds.", [{ field: "timeout", rule: "too_big", message: "must be 1..600" }]);
      const timeout = Math.min(600, Math.max(1, Number(t ?? 120)));
      const runId = await startApply(ctx.prisma, { id: ctx.caller.user.id, email: ctx.caller.actor }, c.id);
      const location = `${API_BASE}/clusters/${encodeURIComponent(c.name)}/applies/${runId}`;
      if (wait) {
        const deadline = Date.now() + timeout * 1000;
        for (;;) {
          const run = await ctx.prisma.applyRun.findUnique({ where: { id: runId }, select: { outcome: true } });
          if (run && run.outcome !== "running" && run.outcome !== "planned") return json(await runJson(ctx, runId), 200, { location });
          if (Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      return json(await runJson(ctx, runId), 202, { location });
    },
  },
  {
    method: "GET", path: `${C}/applies`, permission: "read", tag: "operations", summary: "The last 20 applies",
    responses: R200, handler: async (ctx) => {
      const c = await cluster(ctx);
      const runs = await ctx.prisma.applyRun.findMany({ where: { clusterId: c.id }, orderBy: { startedAt: "desc" }, take: 20, select: { id: true, actor: true, outcome: true, error: true, startedAt: true, finishedAt: true } });
      return json({ applies: runs.map((r) => ({ ...r, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt?.toISOString() ?? null })) });
    },
  },
  {
    method: "GET", path: `${C}/applies/{apply}`, permission: "read", tag: "operations", summary: "One apply with its steps and their status",
    responses: R200, handler: async (ctx) => {
      const c = await cluster(ctx);
      const run = await runJson(ctx, ctx.params.apply!);
      if (run.clusterId !== c.id) throw new ApiProblem("not-found", "No such apply in this cluster.");
      return json(run);
    },
  },
  ...(["prepare", "undo"] as const).map((op): Route => ({
    method: "POST", path: `${C}/${op === "prepare" ? "prepare" : "unprepare"}`, permission: "apply", tag: "operations", body: rsHostOpBody,
    summary: op === "prepare" ? "Prepare real-server hosts for DR/TUN (ARP sysctls, VIP on lo): all, or {\"host\": NAME}" : "Undo the preparation: all, or {\"host\": NAME}. Refused (409, nothing changed) while the director still sends a host DR/TUN traffic, unless {\"confirmDropTraffic\": [NAME, …]} names it",
    responses: { 200: "Per host: the report or the error", ...R_WRITE }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const { host, confirmDropTraffic } = rsHostOpBody.parse(ctx.body);
      const hostId = host ? (await findHost(ctx.prisma, c.id, host)).id : undefined;
      const results = await realServerOp(ctx.prisma, ctx.caller.actor, c.id, op, hostId, { confirmDropTraffic });
      return json({ ok: results.every((r) => !r.error && r.report?.ready !== false), hosts: results.map((r) => ({ host: r.host, ready: r.report?.ready ?? null, error: r.error, events: r.report?.events ?? [], verdicts: r.report?.verdicts ?? [] })) });
    },
  })),
  {
    method: "GET", path: `${C}/live`, permission: "read", tag: "operations", summary: "The director's kernel table (-Ln with stats, rates, drift) and each real server's ARP state",
    query: [{ name: "arp", description: "probe the real-server hosts' ARP state too", schema: { type: "boolean", default: true } }],
    responses: R200, handler: async (ctx) => {
      const c = await cluster(ctx);
      const arp = boolQuery(ctx.url, "arp", true);
      const [live, arpHosts] = await Promise.all([liveSnapshot(ctx.prisma, c.id), arp ? arpState(ctx, c.id) : Promise.resolve(null)]);
      return json({ cluster: c.name, ...live, arp: arpHosts });
    },
  },
  // webhooks (every cluster's): URLs are answered redacted (scheme, host, port), to every role
  {
    method: "GET", path: "/webhooks", permission: "read", tag: "webhooks", summary: "The webhooks (URL redacted: its path and query often hold the receiver's secret)",
    responses: R200, handler: async (ctx) => json({ webhooks: await listWebhooks(ctx.prisma) }),
  },
  {
    method: "POST", path: "/webhooks", permission: "edit", tag: "webhooks", body: webhookBody, idempotent: true,
    summary: "Add a webhook (its host must resolve to addresses the panel may reach: not loopback, link-local, … unless LVS_PANEL_ALLOW_EGRESS allows them)",
    responses: { 201: "Created", ...R_WRITE }, handler: async (ctx) => {
      const w = await createWebhook(ctx.prisma, ctx.caller.actor, webhookBody.parse(ctx.body));
      return created(webhookView(w), webhookPath(w.name));
    },
  },
  {
    method: "GET", path: "/webhooks/{webhook}", permission: "read", tag: "webhooks", summary: "One webhook (URL redacted)",
    responses: R200, handler: async (ctx) => {
      const w = await webhook(ctx);
      const last = await ctx.prisma.webhookDelivery.findFirst({ where: { webhookId: w.id }, orderBy: { createdAt: "desc" } });
      return json(webhookView(w, last ?? undefined));
    },
  },
  {
    method: "PATCH", path: "/webhooks/{webhook}", permission: "edit", tag: "webhooks", body: webhookPatchBody,
    summary: "Change a webhook: name, url, secret (null: unsigned), events, enabled (false: nothing is sent, queued deliveries are dropped)",
    responses: { 200: "Saved", ...R_WRITE }, handler: async (ctx) => {
      const w = await webhook(ctx);
      return json(webhookView(await updateWebhook(ctx.prisma, ctx.caller.actor, w.id, webhookPatchBody.parse(ctx.body))));
    },
  },
  {
    method: "DELETE", path: "/webhooks/{webhook}", permission: "edit", tag: "webhooks", summary: "Delete a webhook and its deliveries",
    responses: { 204: "Deleted", ...R_WRITE }, handler: async (ctx) => {
      await deleteWebhook(ctx.prisma, ctx.caller.actor, (await webhook(ctx)).id);
      return noContent();
    },
  },
  {
    method: "POST", path: "/webhooks/{webhook}/test", permission: "edit", tag: "webhooks",
    summary: "Send one test event now; answers only whether it was delivered (no status code, no connection error)",
    responses: { 200: "{ delivered: boolean }", 401: "No or bad token", 403: "Role does not allow it", 404: "Not found" }, handler: async (ctx) => {
      const w = await webhook(ctx);
      const r = await testWebhook(ctx.prisma, w.id, ctx.caller.actor);
      await audit(ctx.prisma, { actor: ctx.caller.actor, action: "webhook.test", target: `webhook:${w.name}`, after: { delivered: r.ok } });
      return json({ delivered: r.ok });
    },
  },
  ...documentRoutes,
  ...haRoutes,
];

let doc: ReturnType<typeof openApiDocument> | undefined;
/** The OpenAPI document of these routes, built once per process (/openapi.json and the /api-docs page). */
export function apiDocument() {
  doc ??= openApiDocument(routes);
  return doc;
}

export const API_ROUTES = routes;
export const handleApi = createRouter(routes);
