import { describe, expect, it } from "vitest";
import { ByteLru } from "./lru";

describe("ByteLru", () => {
  it("evicts the least recently used until the bytes fit", () => {
    const c = new ByteLru<string>(10);
    c.set("a", "A", 4);
    c.set("b", "B", 4);
    expect(c.get("a")).toBe("A"); // a is now the most recent
    c.set("c", "C", 4);
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")).toBe("A");
    expect(c.get("c")).toBe("C");
    expect(c.bytes).toBe(8);
    expect(c.size).toBe(2);
  });
  it("refuses a value larger than the whole bound and keeps the rest", () => {
    const c = new ByteLru<string>(10);
    c.set("a", "A", 5);
    expect(c.set("big", "X", 11)).toBe(false);
    expect(c.get("a")).toBe("A");
    expect(c.bytes).toBe(5);
  });
  it("replacing a key accounts its bytes once", () => {
    const c = new ByteLru<string>(10);
    c.set("a", "A", 6);
    c.set("a", "A2", 7);
    expect(c.bytes).toBe(7);
    expect(c.size).toBe(1);
    expect(c.get("a")).toBe("A2");
    c.delete("a");
    expect(c.bytes).toBe(0);
    c.delete("a");
    expect(c.bytes).toBe(0);
  });
  it("a value of exactly the bound fits alone", () => {
    const c = new ByteLru<number>(10);
    c.set("a", 1, 3);
    expect(c.set("b", 2, 10)).toBe(true);
    expect([c.get("a"), c.get("b"), c.bytes]).toEqual([undefined, 2, 10]);
  });
});
