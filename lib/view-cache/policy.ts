// Which requests the view cache may answer, and under which key (pure; lib/view-cache/README.md says why).

/** The console pages operators keep open: the clusters overview and one cluster's page. */
const PAGES = [/^\/clusters\/?$/, /^\/clusters\/(?!new\/?$)[^/]+\/?$/];

/** Request headers the rendered response depends on besides URL and user (Next's own `Vary` list, plus encoding). */
export const KEY_HEADERS = ["rsc", "next-router-state-tree", "next-router-prefetch", "next-router-segment-prefetch", "next-url", "accept-encoding"] as const;

/** How long a page may show facts the worker keeps refreshing (the health badge's "stale after 5 min"). */
export const TIME_BUCKET_MS = 60_000;

type Headers = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(",") : v ?? "");

/** A GET of one of the cached pages that is not a server action, a range or a conditional re-validation by the client's router. */
export function cacheablePage(method: string | undefined, url: string | undefined, headers: Headers): boolean {
  if (method !== "GET" || !url) return false;
  if (headers["next-action"] || headers.range || headers.authorization) return false;
  const q = url.indexOf("?");
  const pathname = q < 0 ? url : url.slice(0, q);
  return PAGES.some((re) => re.test(pathname));
}

/** Everything a render of these pages reads: URL, user, data generation, time bucket and the varying headers. */
export function viewKey(parts: { url: string; userId: string; generation: string; now: number; headers: Headers }): string {
  const varying = KEY_HEADERS.map((h) => one(parts.headers[h])).join("\u0001");
  return [parts.userId, parts.generation, Math.floor(parts.now / TIME_BUCKET_MS), parts.url, varying].join("\u0000");
}

/** Response headers that belong to one exchange, never replayed from the cache. */
const HOP = new Set(["date", "connection", "keep-alive", "transfer-encoding", "content-length", "set-cookie"]);

export interface StoredView { status: number; headers: Record<string, string | string[]>; body: Buffer }

/** Only a complete 200 page without cookies is kept (errors, redirects and 304s are rendered every time). */
export function storable(status: number, headers: Record<string, unknown>, complete: boolean): boolean {
  if (!complete || status !== 200 || headers["set-cookie"] !== undefined) return false;
  const type = String(headers["content-type"] ?? "");
  return type.startsWith("text/html") || type.startsWith("text/x-component");
}

/** The headers to keep with a stored view. */
export function keptHeaders(headers: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (HOP.has(name) || v === undefined) continue;
    out[name] = Array.isArray(v) ? v.map(String) : String(v);
  }
  return out;
}
