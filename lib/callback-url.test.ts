import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./callback-url";

const ORIGIN = "http://127.0.0.1:3000";

/** What a browser on the panel's login page does with the path it is sent to. */
const landsOn = (path: string) => new URL(path, ORIGIN).origin;

describe("callbackUrl after login", () => {
  it.each([
    "/%5Cevil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
    "\t//evil.example", "//evil.example", "///evil.example", "/.//evil.example", "https://evil.example/clusters",
    "http://127.0.0.1:3001/clusters", "javascript:alert(1)", "data:text/html,x", " //evil.example", "/\\/evil.example",
  ])("%j stays on the panel", (raw) => {
    const path = safeCallbackPath(raw, ORIGIN);
    expect(landsOn(path)).toBe(ORIGIN);
    expect(path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\")).toBe(true);
  });

  it("keeps same-origin paths with their query", () => {
    expect(safeCallbackPath("/clusters/abc?tab=live#x", ORIGIN)).toBe("/clusters/abc?tab=live#x");
    expect(safeCallbackPath("/hosts", ORIGIN)).toBe("/hosts");
    expect(safeCallbackPath(`${ORIGIN}/audit`, ORIGIN)).toBe("/audit");
  });

  it("falls back to /clusters for anything else", () => {
    for (const raw of [undefined, "", "//evil.example", "/%5Cevil.example".replace("%5C", "\\")]) expect(safeCallbackPath(raw, ORIGIN)).toBe("/clusters");
    expect(safeCallbackPath(["/a", "/b"], ORIGIN)).toBe("/clusters");
  });

  it("the old prefix test let these through (the reason for the parser)", () => {
    const old = (u: string) => u.startsWith("/") && !u.startsWith("//");
    for (const raw of ["/\\evil.example", "/\t/evil.example", "/\n/evil.example"]) {
      expect(old(raw)).toBe(true);
      expect(landsOn(raw)).not.toBe(ORIGIN);
    }
  });
});
