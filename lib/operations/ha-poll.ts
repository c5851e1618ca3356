import type { PrismaClient } from "@/generated/prisma/client";
import { readHa } from "@/lib/director/ha";
import { directorStates, saveDirectorState } from "@/lib/data/ha";
import { HA_POLL_MS, splitBrain, type DirectorHaRow, type SplitBrain } from "@/lib/ha/model";
import { targetFromHost } from "@/lib/host-target";
import { enqueueWebhook } from "@/lib/notify";
import { isSshError, type SshPool } from "@/lib/ssh";
import { vipsOf } from "@/lib/desired/desired";
import { startApply } from "@/lib/operations/apply";

/** Who converges a director that came back behind (ApplyRun.actor). */
export const HA_ACTOR = "director-ha";
/** A director that stays behind is retried at most this often. */
const CONVERGE_RETRY_MS = 60_000;

export interface HaRound { states: number; splitBrain: SplitBrain | null; converging: string[] }

/**
 * One HA cluster's poll (run by the worker that leads the cluster): each director's VRRP state, VIPs
 * held and sync daemon read and stored; split brain reported by webhook when it starts and when it
 * ends; a director that is behind (held out of MASTER) and answers again is converged by an apply of
 * its own (the others are not touched).
 */
export class HaPoller {
  private last = 0;
  private lastSplit: string | null | undefined;
  private lastConverge = new Map<string, number>();
  private lastMaster: string | null | undefined;

  constructor(private clusterId: string, private deps: { prisma: PrismaClient; pool: SshPool; log: (m: string, x?: Record<string, unknown>) => void },
    private pollMs = HA_POLL_MS) {}

  dueInMs(now = Date.now()): number {
    return Math.max(0, this.last + this.pollMs - now);
  }

  async round(now = Date.now()): Promise<HaRound | null> {
    this.last = now;
    const { prisma, pool } = this.deps;
    const c = await prisma.cluster.findUnique({
      where: { id: this.clusterId },
      include: { hosts: { where: { role: "director" }, orderBy: { name: "asc" }, include: { sshKey: { select: { privateKey: true } } } }, virtualServices: { select: { address: true } } },
    });
    if (!c?.haEnabled) return null;
    // the VIPs are the services' addresses: no real server is read (a poll every 2 s)
    const vips = vipsOf(c.virtualServices);
    // behind in the database: the last apply did not verify there (it may not have reached the
    // director to set its track file); it stays behind until an apply verifies on it
    const previous = await directorStates(prisma, c.id);
    const before = new Map(previous.map((s) => [s.hostId, s.reading?.behind ?? false]));
    const read = await Promise.all(c.hosts.map(async (h) => {
      if (!h.hostKeyFingerprint || !h.sshKey) return { h, r: null };
      try {
        const got = await readHa(pool, targetFromHost(h), vips, c.vrrpInterface);
        const r = { ...got, behind: got.behind || (before.get(h.id) ?? false) };
        await saveDirectorState(prisma, h.id, r, null);
        return { h, r, error: null };
      } catch (e) {
        const error = isSshError(e) ? `${e.code}: ${e.message}` : String(e);
        await saveDirectorState(prisma, h.id, null, error);
        return { h, r: null, error };
      }
    }));
    // what was just stored, judged as stored (no second read); a director not read keeps its last reading
    const at = new Date();
    const rows: DirectorHaRow[] = read.map(({ h, r, error }) => r || error
      ? { hostId: h.id, name: h.name, reading: r, error, readAt: at }
      : previous.find((p) => p.hostId === h.id) ?? { hostId: h.id, name: h.name, reading: null, error: null, readAt: null });
    const split = splitBrain(rows, this.pollMs, Date.now());
    await this.reportSplit(c, split);
    await this.noteMaster(c.id, split ? null : read.find((x) => x.r?.vrrpState === "MASTER")?.h.name ?? null);
    const converging: string[] = [];
    for (const { h, r } of read) {
      if (!r?.behind || now - (this.lastConverge.get(h.id) ?? 0) < CONVERGE_RETRY_MS) continue;
      this.lastConverge.set(h.id, now);
      try {
        await startApply(prisma, { id: null, email: HA_ACTOR }, c.id, { only: [h.id], waitMs: 15_000 });
        converging.push(h.name);
        this.deps.log("converging a director that was behind", { cluster: c.name, director: h.name });
      } catch (e) {
        this.deps.log("could not converge a director that is behind", { cluster: c.name, director: h.name, error: String(e) });
      }
    }
    return { states: rows.length, splitBrain: split, converging };
  }

  /** The health view's history: an event when the MASTER changes (seen by this poll: to within HA_POLL_MS). */
  private async noteMaster(clusterId: string, master: string | null) {
    if (master === null || master === this.lastMaster) return;
    const was = this.lastMaster;
    this.lastMaster = master;
    if (was === undefined) {
      // a new leader: the last event says who was MASTER before it took over
      const last = await this.deps.prisma.healthEvent.findFirst({ where: { clusterId, kind: "director.master" }, orderBy: { createdAt: "desc" } });
      if (last?.subject === master) return;
    }
    await this.deps.prisma.healthEvent.create({ data: { clusterId, kind: "director.master", subject: master,
      message: was ? `MASTER moved from ${was} to ${master}` : `${master} is MASTER` } });
  }

  /** A webhook when split brain begins, changes or ends (not one per poll). */
  private async reportSplit(c: { id: string; name: string }, split: SplitBrain | null) {
    const key = split ? JSON.stringify(split) : null;
    if (this.lastSplit === undefined) {
      // first poll of this leader: the previous leader reported what it saw; report only a split brain
      this.lastSplit = null;
    }
    if (key === this.lastSplit) return;
    const was = this.lastSplit;
    this.lastSplit = key;
    const summary = split
      ? `SPLIT BRAIN in ${c.name}: ${[...split.vips.map((v) => `${v.vip} held by ${v.holders.join(" and ")}`), ...(split.masters.length ? [`MASTER on ${split.masters.join(" and ")}`] : [])].join("; ")}`
      : `split brain in ${c.name} cleared: one director holds each VIP`;
    if (!split && !was) return;
    await this.deps.prisma.$transaction((tx) => enqueueWebhook(tx, { event: "split-brain", at: new Date().toISOString(), cluster: { id: c.id, name: c.name }, summary,
      data: { splitBrain: split, cleared: !split } }));
    this.deps.log(split ? "SPLIT BRAIN" : "split brain cleared", { cluster: c.name });
  }
}
