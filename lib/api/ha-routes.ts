import "server-only";
// Director HA: the cluster's VRRP settings, each director's HA state, a planned switchover. The same
// lib functions as the panel's Director HA page and Directors panel.
import type { Cluster } from "@/generated/prisma/client";
import { haSettingsOf, updateHaSettings } from "@/lib/data/ha";
import { loadDirectorsView } from "@/lib/data/ha-view";
import { failoverCluster } from "@/lib/operations/failover";
import { failoverSchema, haSettingsApiSchema } from "@/lib/validation/ha";
import { BodyParser } from "./body";
import { json, versionEtag, versionFromIfMatch } from "./http";
import { ApiProblem } from "./problem";
import { findCluster } from "./refs";
import type { Ctx, Route } from "./router";

const C = "/clusters/{cluster}";
const haPatchBody = new BodyParser({ schema: haSettingsApiSchema, fromPath: ["id", "version"] });
const failoverBody = new BodyParser({ schema: failoverSchema });
const R_WRITE = { 401: "No or bad token", 403: "Role does not allow it", 404: "Not found", 409: "Conflict", 415: "Not JSON", 422: "Validation failed" };

const cluster = (ctx: Ctx) => findCluster(ctx.prisma, ctx.params.cluster!);

/** The settings as the API shows them: the PASS password only as set / not set (write-only). */
export function haJson(c: Cluster) {
  const s = haSettingsOf(c);
  return {
    cluster: c.name, haEnabled: s.enabled, vrrpRouterId: s.routerId, vrrpInterface: s.iface, vrrpAdvertInt: s.advertInt, vrrpPreempt: s.preempt,
    vrrpPreemptDelay: s.preemptDelay, vrrpUnicast: s.unicast, vrrpAuthPassSet: s.authPass !== null, syncDaemon: s.syncDaemon,
    version: c.version, etag: versionEtag(c.version),
  };
}

export const haRoutes: Route[] = [
  {
    method: "GET", path: `${C}/ha`, permission: "read", tag: "director HA", summary: "The cluster's director-HA (keepalived VRRP) settings; ETag = the cluster's version",
    responses: { 200: "OK", 404: "Not found" }, handler: async (ctx) => {
      const c = await cluster(ctx);
      return json(haJson(c), 200, { etag: versionEtag(c.version) });
    },
  },
  {
    method: "PATCH", path: `${C}/ha`, permission: "edit", tag: "director HA", body: haPatchBody, ifMatch: "required",
    summary: "Change the director-HA settings (If-Match: the cluster's ETag); omitted members keep their value",
    description: "Nothing changes on the machines until the next apply: with haEnabled it writes keepalived's VRRP configuration on every director and keepalived binds the VIPs. "
      + "Turning HA off: the next apply stops keepalived on every director first (for a moment no director holds the VIPs), then binds the VIPs on the first director only. "
      + "vrrpAuthPass is write-only: a string sets it, null or \"\" removes it, omitted keeps it. haEnabled needs two directors; vrrpUnicast needs IPv4 director addresses.",
    responses: { 200: "Saved", 412: "Changed since read", 428: "If-Match missing", ...R_WRITE }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const version = versionFromIfMatch(ctx.ifMatch, `cluster ${c.name}`, c.version);
      const s = haSettingsOf(c);
      const base = { haEnabled: s.enabled, vrrpRouterId: s.routerId, vrrpInterface: s.iface, vrrpAdvertInt: s.advertInt, vrrpPreempt: s.preempt,
        vrrpPreemptDelay: s.preemptDelay, vrrpUnicast: s.unicast, vrrpAuthPass: s.authPass, syncDaemon: s.syncDaemon };
      const after = await updateHaSettings(ctx.prisma, { actor: ctx.caller.actor, source: "api" }, haPatchBody.parse(ctx.body, { id: c.id, version }, base));
      return json(haJson(after), 200, { etag: versionEtag(after.version) });
    },
  },
  {
    method: "GET", path: `${C}/directors`, permission: "read", tag: "director HA",
    summary: "Each director with its VRRP priority and HA state (as the worker's poll last read it; \"unknown\" when older than two polls), split brain, the expected failover time",
    responses: { 200: "OK", 404: "Not found" }, handler: async (ctx) => {
      const c = await cluster(ctx);
      return json({ cluster: c.name, ...(await loadDirectorsView(ctx.prisma, c.id))! });
    },
  },
  {
    method: "POST", path: `${C}/failover`, permission: "apply", tag: "director HA", body: failoverBody,
    summary: "Planned switchover: the MASTER gives up the VIPs, the backup ({\"to\": DIRECTOR}, or the best ready one) takes them, their priorities are swapped",
    responses: { 200: "{ from, to, ms, steps }", ...R_WRITE, 502: "A director did not answer" }, handler: async (ctx) => {
      const c = await cluster(ctx);
      const { to } = failoverBody.parse(ctx.body);
      try {
        return json(await failoverCluster(ctx.prisma, ctx.caller.actor, c.id, { to }));
      } catch (e) {
        // a director's lease held by an apply, or lost (lib/director's errors, by name: lib/api does not import it)
        if (e instanceof Error && (e.name === "DirectorBusy" || e.name === "LeaseLost")) throw new ApiProblem("conflict", `Not switched over: ${e.message}.`);
        throw e;
      }
    },
  },
];
