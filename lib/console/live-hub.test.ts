import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LiveHub, type HubEvent } from "./live-hub";

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
    const hub = new LiveHub();
    const c = counter(300);
    const a: HubEvent[] = [], b: HubEvent[] = [];
    const offA = hub.subscribe("k", 1000, c.tick, (e) => a.push(e));
    const offB = hub.subscribe("k", 1000, async () => { throw new Error("the second tick is never run"); }, (e) => b.push(e));
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
    const hub = new LiveHub();
    const c = counter();
    const off1 = hub.subscribe("k", 1000, c.tick, () => {});
    await vi.advanceTimersByTimeAsync(10);
    const late: HubEvent[] = [];
    const off2 = hub.subscribe("k", 1000, c.tick, (e) => late.push(e));
    expect(late).toEqual([{ data: 1 }]);
    expect(c.calls()).toBe(1);
    off1();
    off2();
  });

  it("stops when the last listener leaves, and starts afresh for a new one", async () => {
    const hub = new LiveHub();
    const c = counter();
    const off = hub.subscribe("k", 1000, c.tick, () => {});
    await vi.advanceTimersByTimeAsync(2500);
    expect(c.calls()).toBe(3);
    off();
    await vi.advanceTimersByTimeAsync(5000);
    expect(c.calls()).toBe(3);
    const again: HubEvent[] = [];
    const off2 = hub.subscribe("k", 1000, c.tick, (e) => again.push(e));
    await vi.advanceTimersByTimeAsync(1);
    expect(again).toEqual([{ data: 4 }]);
    off2();
  });

  it("a listener leaving mid-tick stops the loop after that tick without sending to it", async () => {
    const hub = new LiveHub();
    const c = counter(500);
    const got: HubEvent[] = [];
    const off = hub.subscribe("k", 1000, c.tick, (e) => got.push(e));
    await vi.advanceTimersByTimeAsync(200);
    off();
    await vi.advanceTimersByTimeAsync(5000);
    expect(got).toEqual([]);
    expect(c.calls()).toBe(1);
  });

  it("keeps keys apart and passes a failure to the listeners", async () => {
    const hub = new LiveHub();
    const c = counter();
    const x: HubEvent[] = [], y: HubEvent[] = [];
    const offX = hub.subscribe("x", 1000, c.tick, (e) => x.push(e));
    const offY = hub.subscribe("y", 1000, async () => { throw new Error("director unreachable"); }, (e) => y.push(e));
    await vi.advanceTimersByTimeAsync(1);
    expect(x).toEqual([{ data: 1 }]);
    expect(y).toEqual([{ failure: "director unreachable" }]);
    expect(hub.size).toBe(2);
    offX();
    offY();
  });
});
