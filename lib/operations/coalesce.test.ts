import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Coalescer } from "@/lib/operations/coalesce";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A read that takes `ms` (fake time) and counts its calls. */
function read(ms: number, fail = false) {
  let n = 0;
  const fn = async () => {
    const k = ++n;
    await new Promise((r) => setTimeout(r, ms));
    if (fail) throw new Error(`read ${k} failed`);
    return k;
  };
  return { fn, calls: () => n };
}

describe("Coalescer", () => {
  it("callers during a running read share it; after it, a new read (no reuse)", async () => {
    const c = new Coalescer();
    const r = read(100);
    const a = c.run("k", r.fn), b = c.run("k", r.fn);
    await vi.advanceTimersByTimeAsync(100);
    expect([await a, await b, r.calls()]).toEqual([1, 1, 1]);
    const again = c.run("k", r.fn);
    await vi.advanceTimersByTimeAsync(100);
    expect([await again, r.calls()]).toEqual([2, 2]);
  });

  it("reuses a result for reuseMs after it resolved, then reads anew; keys stay apart", async () => {
    const c = new Coalescer();
    const r = read(10);
    const first = c.run("k", r.fn, 1000);
    await vi.advanceTimersByTimeAsync(10);
    expect(await first).toBe(1);
    await vi.advanceTimersByTimeAsync(900);
    expect(await c.run("k", r.fn, 1000)).toBe(1);
    const other = c.run("other", r.fn, 1000);
    await vi.advanceTimersByTimeAsync(10);
    expect(await other).toBe(2);
    await vi.advanceTimersByTimeAsync(200);
    const late = c.run("k", r.fn, 1000);
    await vi.advanceTimersByTimeAsync(10);
    expect(await late).toBe(3);
  });

  it("a failure reaches those who waited for it and is never reused", async () => {
    const c = new Coalescer();
    const r = read(10, true);
    const a = c.run("k", r.fn, 1000), b = c.run("k", r.fn, 1000);
    const done = Promise.allSettled([a, b]);
    await vi.advanceTimersByTimeAsync(10);
    expect((await done).map((x) => x.status)).toEqual(["rejected", "rejected"]);
    const next = c.run("k", r.fn, 1000);
    const settled = next.catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(10);
    expect(await settled).toBe("read 2 failed");
  });

  it("with reuseFailures a failure answers again for reuseMs (an unreachable host is not asked by every caller)", async () => {
    const c = new Coalescer();
    const r = read(10, true);
    const first = c.run("k", r.fn, 1000, { reuseFailures: true }).catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(10);
    expect(await first).toBe("read 1 failed");
    expect(await c.run("k", r.fn, 1000, { reuseFailures: true }).catch((e: Error) => e.message)).toBe("read 1 failed");
    await vi.advanceTimersByTimeAsync(1000);
    const later = c.run("k", r.fn, 1000, { reuseFailures: true }).catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(10);
    expect(await later).toBe("read 2 failed");
  });
});
