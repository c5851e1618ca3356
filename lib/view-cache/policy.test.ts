import { describe, expect, it } from "vitest";
import { cacheablePage, keptHeaders, storable, TIME_BUCKET_MS, viewKey } from "./policy";

describe("cacheablePage", () => {
  it.each([
    ["/clusters", true], ["/clusters/", true], ["/clusters?page=2&q=web", true], ["/clusters/bc100", true], ["/clusters/bc100?_rsc=abc", true],
    ["/clusters/new", false], ["/clusters/new/", false], ["/clusters/bc100/plan", false], ["/clusters/bc100/applies/r1", false],
    ["/hosts", false], ["/", false], ["/api/clusters/bc100/live", false], ["/clustersx", false], ["/login?callbackUrl=/clusters", false],
  ])("GET %s -> %s", (url, want) => expect(cacheablePage("GET", url, {})).toBe(want));

  it("never a server action, HEAD, POST, range or bearer request", () => {
    expect(cacheablePage("POST", "/clusters/bc100", {})).toBe(false);
    expect(cacheablePage("HEAD", "/clusters", {})).toBe(false);
    expect(cacheablePage("GET", "/clusters/bc100", { "next-action": "7f00" })).toBe(false);
    expect(cacheablePage("GET", "/clusters", { range: "bytes=0-10" })).toBe(false);
    expect(cacheablePage("GET", "/clusters", { authorization: "Bearer x" })).toBe(false);
    expect(cacheablePage(undefined, "/clusters", {})).toBe(false);
    expect(cacheablePage("GET", undefined, {})).toBe(false);
  });
});

describe("viewKey", () => {
  const base = { url: "/clusters/c1", userId: "u1", generation: "41", now: 10 * TIME_BUCKET_MS + 5, headers: {} };
  it("is stable for the same inputs", () => expect(viewKey(base)).toBe(viewKey({ ...base, now: 10 * TIME_BUCKET_MS + 59_000 })));
  it.each([
    ["user", { userId: "u2" }], ["generation", { generation: "42" }], ["URL", { url: "/clusters/c1?removed=x" }], ["time bucket", { now: 11 * TIME_BUCKET_MS }],
    ["RSC request", { headers: { rsc: "1" } }], ["router state", { headers: { rsc: "1", "next-router-state-tree": "%5B%22%22%5D" } }],
    ["prefetch", { headers: { "next-router-prefetch": "1" } }], ["segment prefetch", { headers: { "next-router-segment-prefetch": "/_tree" } }],
    ["encoding", { headers: { "accept-encoding": "gzip" } }], ["next-url", { headers: { "next-url": "/clusters" } }],
  ])("differs by %s", (_n, change) => expect(viewKey({ ...base, ...change })).not.toBe(viewKey(base)));
  it("ignores headers a render does not read", () => expect(viewKey({ ...base, headers: { "user-agent": "x", cookie: "a=b" } })).toBe(viewKey(base)));
  it("cannot be forged across fields by separators in the URL", () =>
    expect(viewKey({ ...base, userId: "u1", url: "/clusters/c1" })).not.toBe(viewKey({ ...base, userId: "u1\u000041", url: "/clusters/c1" })));
});

describe("storable", () => {
  const html = { "content-type": "text/html; charset=utf-8" };
  it("keeps a complete 200 HTML or RSC response", () => {
    expect(storable(200, html, true)).toBe(true);
    expect(storable(200, { "content-type": "text/x-component" }, true)).toBe(true);
  });
  it.each([
    ["a redirect", 307, html, true], ["a 404", 404, html, true], ["an error", 500, html, true], ["a 304", 304, html, true],
    ["an aborted response", 200, html, false], ["a response setting a cookie", 200, { ...html, "set-cookie": ["a=b"] }, true],
    ["JSON", 200, { "content-type": "application/json" }, true], ["no type", 200, {}, true],
  ])("refuses %s", (_n, status, headers, complete) => expect(storable(status as number, headers as Record<string, unknown>, complete as boolean)).toBe(false));
});

describe("keptHeaders", () => {
  it("drops per-exchange headers and lower-cases names", () => {
    expect(keptHeaders({ "Content-Type": "text/html", Date: "x", "content-length": 10, "transfer-encoding": "chunked", connection: "keep-alive", vary: "rsc", "x-n": 3, "set-cookie": ["a"], gone: undefined }))
      .toEqual({ "content-type": "text/html", vary: "rsc", "x-n": "3" });
  });
  it("keeps repeated headers as arrays", () => expect(keptHeaders({ link: ["<a>", "<b>"] })).toEqual({ link: ["<a>", "<b>"] }));
});
