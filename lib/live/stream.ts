import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { can, type Permission } from "@/lib/roles";
import { liveHub, type LiveHub, type Subscription } from "@/lib/live/live-hub";

/**
 * Asked before every event a stream sends: a stream is authorised when it opens, but runs for hours,
 * so a user disabled or demoted meanwhile must stop getting data at the next tick, not at logout.
 */
export type StreamGuard = () => Promise<boolean>;

/** The guard of a signed-in user's stream: one primary-key read per tick (role and disabled, as the database has them now). */
export function userGuard(prisma: PrismaClient, userId: string, permission: Permission): StreamGuard {
  return async () => {
    const u = await prisma.user.findUnique({ where: { id: userId }, select: { role: true, disabled: true } });
    return !!u && !u.disabled && can(u.role, permission);
  };
}

const ENDED = `event: ended\ndata: ${JSON.stringify({ message: "Your account no longer has access to this stream. Sign in again." })}\n\n`;

const SSE_HEADERS = { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" };

/**
 * A server-sent-events Response: `tick()` is called at once and then every `intervalMs` (never
 * overlapping); its value is sent as one `data:` line. Stops when the client goes away or `tick`
 * returns `{ done: true }` after its last event.
 */
export function sseResponse(signal: AbortSignal, intervalMs: number, guard: StreamGuard, tick: () => Promise<{ data: unknown; done?: boolean }>): Response {
  const enc = new TextEncoder();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const close = () => {
        if (closed) return;
        closed = true;
        if (timer) clearTimeout(timer);
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      signal.addEventListener("abort", close);
      const loop = async () => {
        if (closed) return;
        let done = false;
        try {
          if (!(await guard())) {
            if (!closed) controller.enqueue(enc.encode(ENDED));
            return close();
          }
          const r = await tick();
          done = !!r.done;
          if (!closed) controller.enqueue(enc.encode(`data: ${JSON.stringify(r.data)}\n\n`));
        } catch (e) {
          if (!closed) controller.enqueue(enc.encode(`event: failure\ndata: ${JSON.stringify({ message: e instanceof Error ? e.message : String(e) })}\n\n`));
        }
        if (done) return close();
        if (!closed) timer = setTimeout(loop, intervalMs);
      };
      controller.enqueue(enc.encode(`retry: 3000\n\n`));
      void loop();
    },
    cancel() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}

/** Unread bytes a live stream may hold for its reader; past that the reader is dropped (it reconnects and gets the latest). */
export const MAX_BACKLOG_BYTES = 1024 * 1024;

/**
/**
 * A server-sent-events Response fed by a LiveHub (the process's by default): every stream with the
 * same `key` shares one `tick` loop (the first stream's), so N browsers on one cluster cost the
 * director one read per cadence. Each stream asks its own `guard` before each event it passes on (one
 * stream's user is not another's). What the reader has not taken yet is bounded: a reader more than
 * `maxBacklogBytes` behind is dropped (the stream errors, its backlog is thrown away, it leaves the loop).
 */
export function sharedSseResponse(signal: AbortSignal, key: string, sub: Subscription, guard: StreamGuard,
  tick: (needs: ReadonlySet<string>) => Promise<unknown>, opts: { hub?: LiveHub; maxBacklogBytes?: number } = {}): Response {
  const enc = new TextEncoder();
  const limit = opts.maxBacklogBytes ?? MAX_BACKLOG_BYTES;
  let off: (() => void) | null = null;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const close = (dropped?: Error) => {
        if (closed) return;
        closed = true;
        off?.();
        try {
          if (dropped) controller.error(dropped);
          else controller.close();
        } catch {
          /* already closed */
        }
      };
      signal.addEventListener("abort", () => close());
      controller.enqueue(enc.encode(`retry: 3000\n\n`));
      // events pass through the guard in order; a refused or failed check ends this stream only
      let chain = Promise.resolve();
      off = (opts.hub ?? liveHub()).subscribe(key, sub, tick, (e) => {
        chain = chain.then(async () => {
          if (closed) return;
          let ok = false;
          try {
            ok = await guard();
          } catch {
            ok = false;
          }
          if (closed) return;
          const text = !ok ? ENDED : "data" in e ? `data: ${JSON.stringify(e.data)}\n\n` : `event: failure\ndata: ${JSON.stringify({ message: e.failure })}\n\n`;
          const bytes = enc.encode(text);
          // desiredSize = limit - bytes still queued for the reader
          if ((controller.desiredSize ?? 0) < bytes.byteLength) return close(new Error(`live stream reader dropped: more than ${limit} bytes unread`));
          try {
            controller.enqueue(bytes);
          } catch {
            return close();
          }
          if (!ok) close();
        });
      });
      if (signal.aborted) close();
    },
    cancel() {
      off?.();
    },
  }, { highWaterMark: limit, size: (chunk) => chunk.byteLength });
  return new Response(stream, { headers: SSE_HEADERS });
}
