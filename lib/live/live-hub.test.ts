import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LiveHub, type HubEvent } from "@/lib/live/live-hub";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A tick that counts its calls and takes `ms` (fake time). */
function counter(ms = 0) {
  let n = 0;
  const tick = async () => {
    n++;
    if (ms) await new Promise((r) => setTimeout(r, ms));
    return n;
  };
  return { tick, calls: () => n };
}

describe("LiveHub", () => {
  it("runs one loop for every listener of a key, at the interval after each tick ends", async () => {
    const hub = new LiveHub({ intervalMs: 1000 });
    const c = counter(300);
    const a: HubEvent[] = [], b: HubEvent[] = [];
    const offA = hub.subscribe("k", { intervalMs: 1000 }, c.tick, (e) => a.push(e));
    const offB = hub.subscribe("k", { intervalMs: 1000 }, async () => { throw new Error("the second tick is never run"); }, (e) => b.push(e));
    await vi.advanceTimersByTimeAsync(300);
    expect(c.calls()).toBe(1);
    expect(a).toEqual([{ data: 1 }]);
    expect(b).toEqual([{ data: 1 }]);
    await vi.advanceTimersByTimeAsync(1000); // the interval, then the tick starts
    expect(c.calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(300);
    expect(a.map((e) => (e as { data: number }).data)).toEqual([1, 2]);
    expect(b).toEqual(a);
    offA();
    offB();
    expect(hub.size).toBe(0);
  });

  it("gives a late listener the last event at once", async () => {
    const hub = new LiveHub({ intervalMs: 1000 });
    const c = counter();
    const off1 = hub.subscribe("k", { intervalMs: 1000 }, c.tick, () => {});
    await vi.advanceTimersByTimeAsync(10);
    const late: HubEvent[] = [];
    const off2 = hub.subscribe("k", { intervalMs: 1000 }, c.tick, (e) => late.push(e));
    expect(late).toEqual([{ data: 1 }]);
    expect(c.calls()).toBe(1);
    off1();
    off2();
  });

  it("stops when the last listener leaves, and starts afresh for a new one", async () => {
    const hub = new LiveHub({ intervalMs: 1000 });
    const c = counter();
    const off = hub.subscribe("k", { intervalMs: 1000 }, c.tick, () => {});
    await vi.advanceTimersByTimeAsync(2500);
    expect(c.calls()).toBe(3);
    off();
    await vi.advanceTimersByTimeAsync(5000);
    expect(c.calls()).toBe(3);
    const again: HubEvent[] = [];
    const off2 = hub.subscribe("k", { intervalMs: 1000 }, c.tick, (e) => again.push(e));
    await vi.advanceTimersByTimeAsync(1);
    expect(again).toEqual([{ data: 4 }]);
    off2();
  });

  it("a listener leaving mid-tick stops the loop after that tick without sending to it", async () => {
    const hub = new LiveHub({ intervalMs: 1000 });
    const c = counter(500);
    const got: HubEvent[] = [];
    const off = hub.subscribe("k", { intervalMs: 1000 }, c.tick, (e) => got.push(e));
    await vi.advanceTimersByTimeAsync(200);
    off();
    await vi.advanceTimersByTimeAsync(5000);
    expect(got).toEqual([]);
    expect(c.calls()).toBe(1);
  });

  it("keeps keys apart and passes a failure to the listeners", async () => {
    const hub = new LiveHub({ intervalMs: 1000 });
    const c = counter();
    const x: HubEvent[] = [], y: HubEvent[] = [];
    const offX = hub.subscribe("x", { intervalMs: 1000 }, c.tick, (e) => x.push(e));
    const offY = hub.subscribe("y", { intervalMs: 1000 }, async () => { throw new Error("director unreachable"); }, (e) => y.push(e));
    await vi.advanceTimersByTimeAsync(1);
    expect(x).toEqual([{ data: 1 }]);
    expect(y).toEqual([{ failure: "director unreachable" }]);
    expect(hub.size).toBe(2);
    offX();
    offY();
  });

  it("one loop per key whatever the intervals: shorter ones get the cadence, longer ones every event at least that far apart", async () => {
    const hub = new LiveHub({ intervalMs: 1000 });
    const c = counter();
    const fast: HubEvent[] = [], slow: HubEvent[] = [], same: HubEvent[] = [];
    const offs = [
      hub.subscribe("k", { intervalMs: 100 }, c.tick, (e) => fast.push(e)),
      hub.subscribe("k", { intervalMs: 3000 }, c.tick, (e) => slow.push(e)),
      hub.subscribe("k", { intervalMs: 1000 }, c.tick, (e) => same.push(e)),
    ];
    await vi.advanceTimersByTimeAsync(6001);
    expect(c.calls()).toBe(7); // t = 0, 1, ..., 6 s: one tick per cadence for all three
    expect(fast.map((e) => (e as { data: number }).data)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(same).toEqual(fast);
    expect(slow.map((e) => (e as { data: number }).data)).toEqual([1, 4, 7]);
    expect(hub.size).toBe(1);
    offs.forEach((off) => off());
    expect(hub.size).toBe(0);
  });

  it("reads the union of what its listeners need, as they come and go", async () => {
    const hub = new LiveHub({ intervalMs: 1000 });
    const asked: string[][] = [];
    const tick = async (needs: ReadonlySet<string>) => { asked.push([...needs].sort()); return asked.length; };
    const offList = hub.subscribe("k", { intervalMs: 1000, needs: [] }, tick, () => {});
    await vi.advanceTimersByTimeAsync(1);
    const offStats = hub.subscribe("k", { intervalMs: 1000, needs: ["stats"] }, tick, () => {});
    const offRate = hub.subscribe("k", { intervalMs: 1000, needs: ["rate", "stats"] }, tick, () => {});
    await vi.advanceTimersByTimeAsync(1000);
    offStats();
    offRate();
    await vi.advanceTimersByTimeAsync(1000);
    expect(asked).toEqual([[], ["rate", "stats"], []]);
    offList();
  });
});
