// The view cache in front of Next's request handler (lib/view-cache/README.md): the overview and a
// cluster's page, rendered once per (user, URL, data generation) and replayed until the database
// moves on. Everything else, and every request it cannot vouch for, goes to Next untouched.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ByteLru } from "./lru";
import { cacheablePage, keptHeaders, storable, viewKey, type StoredView } from "./policy";
import { sessionToken, sessionUserId } from "./session";

type Handle = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface ViewCacheOptions {
  /** PostgreSQL (a pg.Pool): the user's state and the view generation in one query per request */
  pool: { query(text: string, values: unknown[]): Promise<{ rows: Array<{ gen: string }> }> };
  /** NEXTAUTH_SECRET */
  secret: string;
  maxBytes: number;
  now?: () => number;
}

export interface ViewCacheStats { hits: number; misses: number; stored: number; entries: number; bytes: number; joined: number }

// The user as requireUser() accepts them (exists, not disabled) and the generation, in one round trip.
const STATE = `SELECT (SELECT n FROM "ViewGeneration" WHERE id = 1)::text AS gen FROM "User" WHERE id = $1 AND NOT disabled`;

export function withViewCache(handle: Handle, opts: ViewCacheOptions): Handle & { stats(): ViewCacheStats } {
  const lru = new ByteLru<StoredView>(opts.maxBytes);
  // renders under way: the same view asked for meanwhile waits for it instead of rendering it again
  // (after a change, every open browser asks at once)
  const rendering = new Map<string, Promise<StoredView | null>>();
  let hits = 0, misses = 0, stored = 0, joined = 0;
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    if (!cacheablePage(req.method, req.url, req.headers)) return handle(req, res);
    const token = sessionToken(req.headers.cookie);
    const userId = token ? await sessionUserId(token, opts.secret) : null;
    // not signed in, disabled, or the database unreachable: Next answers (login redirect, error page)
    if (!userId) return handle(req, res);
    const generation = await opts.pool.query(STATE, [userId]).then((r) => r.rows[0]?.gen ?? null, () => null);
    if (generation === null) return handle(req, res);
    const key = viewKey({ url: req.url!, userId, generation, now: (opts.now ?? Date.now)(), headers: req.headers });
    const view = lru.get(key);
    if (view) {
      hits++;
      return replay(req, res, view);
    }
    const under = rendering.get(key);
    if (under) {
      const v = await under;
      if (v) {
        joined++;
        return replay(req, res, v);
      }
      return handle(req, res); // that render was not storable (an error, a redirect): render this one
    }
    misses++;
    let settle: (v: StoredView | null) => void = () => {};
    rendering.set(key, new Promise((resolve) => (settle = resolve)));
    res.setHeader("x-lvs-view-cache", "miss");
    capture(res, (v) => {
      rendering.delete(key);
      // the key is written down before the render: what was rendered is at least as new as `generation`
      if (v && lru.set(key, v, v.body.length + 1024)) stored++;
      settle(v);
    });
    return handle(req, res);
  };
  return Object.assign(serve, { stats: (): ViewCacheStats => ({ hits, misses, stored, joined, entries: lru.size, bytes: lru.bytes }) });
}

function replay(req: IncomingMessage, res: ServerResponse, view: StoredView) {
  const etag = view.headers.etag;
  if (typeof etag === "string" && req.headers["if-none-match"] === etag) {
    res.writeHead(304, { etag, "cache-control": String(view.headers["cache-control"] ?? "private, no-cache"), "x-lvs-view-cache": "hit" });
    res.end();
    return;
  }
  res.writeHead(view.status, { ...view.headers, "content-length": String(view.body.length), "x-lvs-view-cache": "hit" });
  res.end(view.body);
}

type Chunk = string | Uint8Array;

/** Tees what Next writes (after its compression); hands over the complete, storable response at `finish`, else null (once). */
function capture(res: ServerResponse, done: (view: StoredView | null) => void) {
  const chunks: Buffer[] = [];
  const head: Record<string, unknown> = {};
  let keep = true;
  const add = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === "string") chunks.push(Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8"));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    else if (chunk != null) keep = false;
  };
  const { write, end, writeHead } = res;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((a, i) => i > 0 && a && typeof a === "object");
    if (Array.isArray(headers)) keep = false;
    else if (headers) for (const [k, v] of Object.entries(headers)) head[k.toLowerCase()] = v;
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["writeHead"];
  res.write = function (this: ServerResponse, chunk: Chunk, ...rest: unknown[]) {
    add(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).apply(this, [chunk, ...rest]);
  } as ServerResponse["write"];
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (args[0] !== undefined && typeof args[0] !== "function") add(args[0], args[1]);
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["end"];
  let settled = false;
  const finish = (view: StoredView | null) => {
    if (settled) return;
    settled = true;
    done(view);
  };
  res.once("finish", () => {
    const headers = { ...res.getHeaders(), ...head };
    if (!keep || !storable(res.statusCode, headers, res.writableFinished)) return finish(null);
    delete headers["x-lvs-view-cache"];
    finish({ status: res.statusCode, headers: keptHeaders(headers), body: Buffer.concat(chunks) });
  });
  // the client went away before the end: nothing complete to keep
  res.once("close", () => finish(null));
}
