// In-process coalescing of machine reads: callers asking for the same read while it runs share it,
// and a result younger than `reuseMs` is handed out again instead of asking the machine anew. A
// failure is shared with those who waited for it, and reused after only when asked (`reuseFailures`:
// a host that does not answer is not asked again by every viewer either).

interface Entry { promise: Promise<unknown>; settledAt: number | null; ok: boolean }

export class Coalescer {
  private entries = new Map<string, Entry>();

  /** `fn`'s result for `key`: the running call's, or a fresh one's; reused for `reuseMs` after it resolved. */
  run<T>(key: string, fn: () => Promise<T>, reuseMs = 0, opts: { reuseFailures?: boolean } = {}): Promise<T> {
    const e = this.entries.get(key);
    if (e && (e.settledAt === null || ((e.ok || opts.reuseFailures) && Date.now() - e.settledAt < reuseMs))) return e.promise as Promise<T>;
    const entry: Entry = { promise: Promise.resolve(), settledAt: null, ok: false };
    entry.promise = fn().then(
      (v) => { Object.assign(entry, { settledAt: Date.now(), ok: true }); this.forget(key, entry, reuseMs); return v; },
      (err) => { entry.settledAt = Date.now(); this.forget(key, entry, opts.reuseFailures ? reuseMs : 0); throw err; },
    );
    this.entries.set(key, entry);
    return entry.promise as Promise<T>;
  }

  private forget(key: string, entry: Entry, afterMs: number) {
    const drop = () => { if (this.entries.get(key) === entry) this.entries.delete(key); };
    if (afterMs <= 0) drop();
    else setTimeout(drop, afterMs).unref?.();
  }
}

const g = globalThis as unknown as { lvsPanelCoalescer?: Coalescer };
/** The process-wide coalescer. */
export function coalescer(): Coalescer {
  g.lvsPanelCoalescer ??= new Coalescer();
  return g.lvsPanelCoalescer;
}
