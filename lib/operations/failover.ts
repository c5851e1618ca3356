import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { pushHaConfig, readHa, setBehind } from "@/lib/director/ha";
import { withDirectorLock } from "@/lib/director";
import { UserError } from "@/lib/errors";
import { directorsOf, haDirector, haSettingsOf, saveDirectorState } from "@/lib/data/ha";
import { vipsOf } from "@/lib/desired/desired";
import type { DirectorHaReading } from "@/lib/ha/model";
import { renderVrrpConfig } from "@/lib/keepalived/vrrp";
import { pool, targetFor } from "@/lib/operations/targets";

export interface FailoverResult { from: string; to: string; ms: number; steps: string[] }

/**
 * A planned switchover: the MASTER steps down and the chosen backup takes the VIPs, with no request
 * lost. The MASTER's track file goes to 1 (keepalived puts it in FAULT and sends priority 0: the
 * backup takes over at once, without waiting 3 × advert_int); once the backup holds every VIP the two
 * priorities are swapped (so preemption does not take the VIPs back), written to both directors, and
 * the old MASTER is released as the new BACKUP.
 */
export async function failoverCluster(prisma: PrismaClient, actor: string, clusterId: string, opts: { to?: string; timeoutMs?: number } = {}): Promise<FailoverResult> {
  const cluster = await prisma.cluster.findUnique({ where: { id: clusterId }, include: { virtualServices: { select: { address: true } } } });
  if (!cluster) throw new UserError("This cluster no longer exists.");
  const ha = haSettingsOf(cluster);
  if (!ha.enabled) throw new UserError(`${cluster.name} has no director HA: there is no backup to switch over to.`);
  const directors = await directorsOf(prisma, clusterId);
  const vips = vipsOf(cluster.virtualServices);
  const targets = new Map(await Promise.all(directors.map(async (d) => [d.id, await targetFor(prisma, d)] as const)));
  const read = async (id: string) => readHa(pool(), targets.get(id)!, vips, ha.iface);
  const now = await Promise.all(directors.map(async (d) => ({ d, r: await read(d.id).catch(() => null) })));
  const masters = now.filter((x) => x.r?.vrrpState === "MASTER");
  if (masters.length !== 1) throw new UserError(`A switchover needs exactly one MASTER; ${masters.length ? masters.map((m) => m.d.name).join(" and ") + " say MASTER" : "none is MASTER"}.`);
  const from = masters[0]!;
  const ready = (r: DirectorHaReading | null) => r?.keepalived === "running" && r.vrrpState === "BACKUP" && !r.behind;
  const to = opts.to ? now.find((x) => x.d.name === opts.to || x.d.id === opts.to) : now.filter((x) => x !== from && ready(x.r)).sort((a, b) => b.d.vrrpPriority - a.d.vrrpPriority)[0];
  if (!to || to === from) throw new UserError(opts.to ? `${opts.to} is not another director of ${cluster.name}.` : "No backup is ready to take over (BACKUP, keepalived running, not behind).");
  if (!ready(to.r)) throw new UserError(`${to.d.name} is not ready to take over: ${to.r ? `${to.r.vrrpState ?? "?"}${to.r.behind ? ", behind the desired state" : ""}` : "it could not be read"}.`);
  const steps: string[] = [];
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? Math.max(10_000, 10 * ha.advertInt * 1000);
  // both directors' leases: no apply writes their track files or keepalived.conf meanwhile
  return withDirectorLock(prisma, from.d.id, () => withDirectorLock(prisma, to.d.id, async () => {
    await setBehind(pool(), targets.get(from.d.id)!, true);
    steps.push(`${from.d.name}: track file 1 (FAULT: gives up the VIPs)`);
    let took: DirectorHaReading | null = null;
    while (performance.now() - t0 < timeoutMs) {
      took = await read(to.d.id).catch(() => null);
      if (took?.vrrpState === "MASTER" && vips.every((v) => took!.vipsHeld.includes(v))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const ms = Math.round(performance.now() - t0);
    if (took?.vrrpState !== "MASTER") {
      await setBehind(pool(), targets.get(from.d.id)!, false);
      throw new UserError(`${to.d.name} did not become MASTER within ${Math.round(timeoutMs / 1000)} s; ${from.d.name} was released again.`);
    }
    steps.push(`${to.d.name}: MASTER, holds ${vips.join(", ") || "no VIP"} after ${ms} ms`);
    // the new MASTER keeps the VIPs: swap the priorities, then let the old one back in as BACKUP
    const [pf, pt] = [from.d.vrrpPriority, to.d.vrrpPriority];
    const higher = Math.max(pf, pt), lower = Math.min(pf, pt) === higher ? Math.max(1, higher - 50) : Math.min(pf, pt);
    await prisma.$transaction(async (tx) => {
      await tx.host.update({ where: { id: to.d.id }, data: { vrrpPriority: higher } });
      await tx.host.update({ where: { id: from.d.id }, data: { vrrpPriority: lower } });
      await audit(tx, { actor, action: "cluster.failover", target: `cluster:${cluster.name}`, after: { from: from.d.name, to: to.d.name, ms, priorities: { [to.d.name]: higher, [from.d.name]: lower } } });
    });
    const fresh = await directorsOf(prisma, clusterId);
    for (const d of [to.d, from.d]) {
      const self = fresh.find((x) => x.id === d.id)!;
      const text = renderVrrpConfig({ settings: ha, self: haDirector(self), peers: fresh.filter((x) => x.id !== d.id).map(haDirector), vips });
      const r = await pushHaConfig(pool(), targets.get(d.id)!, text);
      steps.push(`${d.name}: priority ${self.vrrpPriority}${r.changed ? ", keepalived reloaded" : ""}`);
    }
    await setBehind(pool(), targets.get(from.d.id)!, false);
    steps.push(`${from.d.name}: track file 0 (BACKUP)`);
    for (const d of [from.d, to.d]) await saveDirectorState(prisma, d.id, await read(d.id).catch(() => null), null).catch(() => undefined);
    return { from: from.d.name, to: to.d.name, ms, steps };
  }, { waitMs: 30_000, owner: `failover:${actor}` }), { waitMs: 30_000, owner: `failover:${actor}` });
}
