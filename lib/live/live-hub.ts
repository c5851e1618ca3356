// One poller per cluster, however many browsers watch and whatever interval or view they ask for: a
// director listing of a big table is not free, nor is probing every real server. The loop reads at
// the hub's cadence what the union of its listeners needs; a listener that asked for a longer
// interval gets every event that is at least that far from its last one, a shorter one the cadence.

export type HubEvent = { data: unknown } | { failure: string };
type Listener = (e: HubEvent) => void;

/** The cadence of every cluster's shared loop, and the shortest interval a client is given. */
export const LIVE_INTERVAL_MS = 2000;

export interface Subscription {
  /** the interval the client asked for; below the hub's cadence it gets the cadence */
  intervalMs: number;
  /** what this listener needs read (e.g. "stats", "rate"); the loop reads the union of its listeners' */
  needs?: readonly string[];
}

interface Member { listener: Listener; intervalMs: number; needs: readonly string[]; lastAt: number }

interface Loop {
  members: Set<Member>;
  last: HubEvent | null;
  timer: ReturnType<typeof setTimeout> | null;
}

export class LiveHub {
  private loops = new Map<string, Loop>();
  readonly intervalMs: number;
  /** ticks run, per key (for tests and metrics) */
  readonly ticks = new Map<string, number>();

  constructor(opts: { intervalMs?: number } = {}) {
    this.intervalMs = Math.max(1, opts.intervalMs ?? LIVE_INTERVAL_MS);
  }

  /**
   * `listener` gets the events of the loop for `key` (the last one at once, when there is one); the
   * loop runs `tick` now and then `intervalMs` (the hub's) after each tick ends, never overlapping,
   * while anyone listens. The first subscriber's `tick` serves everyone on the key; it is called with
   * the union of the members' needs at that moment. Returns the unsubscribe.
   */
  subscribe(key: string, sub: Subscription, tick: (needs: ReadonlySet<string>) => Promise<unknown>, listener: Listener): () => void {
    const member: Member = { listener, intervalMs: Math.max(this.intervalMs, sub.intervalMs), needs: sub.needs ?? [], lastAt: 0 };
    let loop = this.loops.get(key);
    if (!loop) {
      loop = { members: new Set([member]), last: null, timer: null };
      this.loops.set(key, loop);
      void this.run(key, loop, tick);
    } else {
      loop.members.add(member);
      if (loop.last) this.deliver(member, loop.last, Date.now());
    }
    const l = loop;
    return () => {
      l.members.delete(member);
      if (l.members.size === 0) {
        if (l.timer) clearTimeout(l.timer);
        l.timer = null;
        if (this.loops.get(key) === l) this.loops.delete(key);
      }
    };
  }

  /** Keys with a running loop (for tests and metrics). */
  get size(): number {
    return this.loops.size;
  }

  /** Listeners of a key (for tests). */
  listeners(key: string): number {
    return this.loops.get(key)?.members.size ?? 0;
  }

  private deliver(m: Member, ev: HubEvent, now: number) {
    // a tenth of the cadence of slack: a loop tick that ends a little early still counts as on time
    if (m.lastAt && now - m.lastAt < m.intervalMs - this.intervalMs / 10) return;
    m.lastAt = now;
    m.listener(ev);
  }

  private async run(key: string, loop: Loop, tick: (needs: ReadonlySet<string>) => Promise<unknown>) {
    if (loop.members.size === 0 || this.loops.get(key) !== loop) return;
    const needs = new Set([...loop.members].flatMap((m) => m.needs));
    this.ticks.set(key, (this.ticks.get(key) ?? 0) + 1);
    let ev: HubEvent;
    try {
      ev = { data: await tick(needs) };
    } catch (e) {
      ev = { failure: e instanceof Error ? e.message : String(e) };
    }
    loop.last = ev;
    const now = Date.now();
    for (const m of [...loop.members]) this.deliver(m, ev, now);
    if (loop.members.size > 0 && this.loops.get(key) === loop) loop.timer = setTimeout(() => void this.run(key, loop, tick), this.intervalMs);
  }
}

const g = globalThis as unknown as { lvsPanelLiveHub?: LiveHub };
/** The process-wide hub. */
export function liveHub(): LiveHub {
  g.lvsPanelLiveHub ??= new LiveHub();
  return g.lvsPanelLiveHub;
}
