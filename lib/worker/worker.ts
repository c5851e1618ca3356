// The background worker: health checks and the live poller per cluster (lib/health ClusterChecker),
// webhook delivery (lib/notify), retention of the growing tables (./retention.ts). Runs beside the web server (`npm start`), or
// inside it with the embedded PGlite. Several instances on one PostgreSQL share the work: each
// cluster is run by the instance holding its advisory lock (lib/worker/leader.ts); webhook rows are
// claimed with SKIP LOCKED by anyone; retention runs on the holder of the "housekeeping" lock.
import type { PrismaClient } from "@/generated/prisma/client";
import { ClusterChecker, type RoundReport } from "@/lib/health/runner";
import { HaPoller } from "@/lib/operations/ha-poll";
import { deliverDue } from "@/lib/notify";
import type { SshPool } from "@/lib/ssh";
import type { Leadership } from "./leader";
import { retentionFromEnv, runRetention, type Retention } from "./retention";

export interface WorkerOptions {
  /** main loop period */
  tickMs: number;
  /** how often a non-leader tries to take a cluster over (bounds the takeover time) */
  acquireMs: number;
  pollMs: number;
  reachabilityMs: number;
  /** how long each growing table keeps its rows (lib/worker/retention.ts) */
  retention: Retention;
  /** webhook delivery period (0: this instance does not deliver) */
  deliverMs: number;
  webhookBackoffMs?: number;
}

export const WORKER_DEFAULTS: WorkerOptions = {
  tickMs: 200,
  acquireMs: Number(process.env.WORKER_ACQUIRE_MS ?? 500),
  pollMs: Number(process.env.WORKER_POLL_MS ?? 10_000),
  reachabilityMs: 30_000,
  retention: retentionFromEnv(),
  deliverMs: 1000,
};

export type WorkerLog = (msg: string, extra?: Record<string, unknown>) => void;

const clusterLock = (id: string) => `cluster:${id}`;

export class Worker {
  private timer: NodeJS.Timeout | null = null;
  private checkers = new Map<string, ClusterChecker>();
  /** director HA polls of the clusters this instance leads (a no-op round for a cluster without HA) */
  private haPollers = new Map<string, HaPoller>();
  private haBusy = new Set<string>();
  private haClusters = new Set<string>();
  private busy = new Set<string>();
  private lastTry = new Map<string, number>();
  private clusters: string[] = [];
  private lastList = 0;
  private lastDeliver = 0;
  private lastRetention = 0;
  private delivering = false;
  private retaining = false;
  private stopping = false;
  private inflight = new Set<Promise<unknown>>();
  /** every round's report, for tests and benchmarks */
  onRound?: (clusterId: string, r: RoundReport) => void;

  constructor(private prisma: PrismaClient, private pool: SshPool, private leader: Leadership, private opts: WorkerOptions = WORKER_DEFAULTS, private log: WorkerLog = () => {}) {
    leader.onLost(() => {
      this.log("leadership session lost: stepping down from every cluster");
      this.checkers.clear();
    });
  }

  start() {
    if (this.timer) return;
    const loop = () => {
      if (this.stopping) return;
      this.tick().catch((e) => this.log("tick failed", { error: String(e) })).finally(() => {
        if (!this.stopping) this.timer = setTimeout(loop, this.opts.tickMs);
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Clusters this instance leads now. */
  leading(): string[] {
    return [...this.checkers.keys()];
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  async tick(now = Date.now()) {
    if (now - this.lastList >= 5000 || this.lastList === 0) {
      const listed = await this.prisma.cluster.findMany({ select: { id: true, haEnabled: true } });
      this.clusters = listed.map((c) => c.id);
      // only clusters with director HA are polled for it (their poller reads the flag again each round)
      this.haClusters = new Set(listed.filter((c) => c.haEnabled).map((c) => c.id));
      this.lastList = now;
      for (const id of [...this.checkers.keys()]) if (!this.clusters.includes(id)) {
        this.checkers.delete(id);
        this.haPollers.delete(id);
        await this.leader.release(clusterLock(id));
      }
    }
    for (const id of this.clusters) {
      if (!this.leader.holds(clusterLock(id))) {
        this.checkers.delete(id);
        this.haPollers.delete(id);
        if (now - (this.lastTry.get(id) ?? 0) < this.opts.acquireMs) continue;
        this.lastTry.set(id, now);
        let got = false;
        try {
          got = await this.leader.tryAcquire(clusterLock(id));
        } catch (e) {
          this.log("leadership: cannot reach PostgreSQL", { error: String(e) });
          break;
        }
        if (!got) continue;
        this.log("leading cluster", { cluster: id });
        this.checkers.set(id, new ClusterChecker(id, { prisma: this.prisma, pool: this.pool, fence: (tx) => this.leader.fence(tx, clusterLock(id)), log: this.log }, { pollMs: this.opts.pollMs, reachabilityMs: this.opts.reachabilityMs }));
      }
      const ch = this.checkers.get(id);
      if (ch && this.haClusters.has(id)) this.haPoll(id, now);
      if (!ch || this.busy.has(id) || ch.dueInMs(now) > 0) continue;
      this.busy.add(id);
      void this.track(ch.round().then((r) => { if (r) this.onRound?.(id, r); }, (e) => this.log("round failed", { cluster: id, error: String(e) })).finally(() => this.busy.delete(id)));
    }
    if (this.opts.deliverMs > 0 && !this.delivering && now - this.lastDeliver >= this.opts.deliverMs) {
      this.lastDeliver = now;
      this.delivering = true;
      void this.track(deliverDue(this.prisma, { baseBackoffMs: this.opts.webhookBackoffMs }).catch((e) => this.log("webhook delivery failed", { error: String(e) })).finally(() => (this.delivering = false)));
    }
    if (!this.retaining && now - this.lastRetention >= 60_000) {
      this.lastRetention = now;
      if (await this.leader.tryAcquire("housekeeping").catch(() => false)) {
        // in the background, batch by batch: a large backlog must not hold up the health rounds
        this.retaining = true;
        void this.track(runRetention(this.prisma, this.opts.retention, now, () => !this.stopping && this.leader.holds("housekeeping"))
          .then((r) => { if (Object.values(r).some((n) => n > 0)) this.log("retention", r); }, (e) => this.log("retention failed", { error: String(e) }))
          .finally(() => (this.retaining = false)));
      }
    }
  }

  private haPoll(id: string, now: number) {
    let p = this.haPollers.get(id);
    if (!p) this.haPollers.set(id, (p = new HaPoller(id, { prisma: this.prisma, pool: this.pool, log: this.log })));
    if (this.haBusy.has(id) || p.dueInMs(now) > 0) return;
    this.haBusy.add(id);
    void this.track(p.round(now).catch((e) => this.log("HA poll failed", { cluster: id, error: String(e) })).finally(() => this.haBusy.delete(id)));
  }

  async stop() {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inflight]);
    await this.leader.close();
  }
}
