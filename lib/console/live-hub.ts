// One read per cluster, view and interval, however many browsers watch: the live streams of the same
// key share one loop (a director listing of a big table is not free, nor is probing every real server).

export type HubEvent = { data: unknown } | { failure: string };
type Listener = (e: HubEvent) => void;

interface Loop {
  listeners: Set<Listener>;
  last: HubEvent | null;
  timer: ReturnType<typeof setTimeout> | null;
}

export class LiveHub {
  private loops = new Map<string, Loop>();

  /**
   * `listener` gets every event of the loop for `key` (the last one at once, when there is one); the
   * loop runs `tick` now and then `intervalMs` after each tick ends (never overlapping), while anyone
   * listens. The first subscriber's `tick` serves everyone on the key. Returns the unsubscribe.
   */
  subscribe(key: string, intervalMs: number, tick: () => Promise<unknown>, listener: Listener): () => void {
    let loop = this.loops.get(key);
    if (!loop) {
      loop = { listeners: new Set(), last: null, timer: null };
      this.loops.set(key, loop);
      loop.listeners.add(listener);
      void this.run(key, loop, intervalMs, tick);
    } else {
      loop.listeners.add(listener);
      if (loop.last) listener(loop.last);
    }
    const l = loop;
    return () => {
      l.listeners.delete(listener);
      if (l.listeners.size === 0) {
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

  private async run(key: string, loop: Loop, intervalMs: number, tick: () => Promise<unknown>) {
    if (loop.listeners.size === 0 || this.loops.get(key) !== loop) return;
    let ev: HubEvent;
    try {
      ev = { data: await tick() };
    } catch (e) {
      ev = { failure: e instanceof Error ? e.message : String(e) };
    }
    loop.last = ev;
    for (const l of [...loop.listeners]) l(ev);
    if (loop.listeners.size > 0 && this.loops.get(key) === loop) loop.timer = setTimeout(() => void this.run(key, loop, intervalMs, tick), intervalMs);
  }
}

const g = globalThis as unknown as { lvsPanelLiveHub?: LiveHub };
/** The process-wide hub. */
export function liveHub(): LiveHub {
  g.lvsPanelLiveHub ??= new LiveHub();
  return g.lvsPanelLiveHub;
}
