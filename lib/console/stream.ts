import "server-only";
import { liveHub } from "./live-hub";

const SSE_HEADERS = { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" };

/**
 * A server-sent-events Response: `tick()` is called at once and then every `intervalMs` (never
 * overlapping); its value is sent as one `data:` line. Stops when the client goes away or `tick`
 * returns `{ done: true }` after its last event.
 */
export function sseResponse(signal: AbortSignal, intervalMs: number, tick: () => Promise<{ data: unknown; done?: boolean }>): Response {
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

/**
 * A server-sent-events Response fed by the process's LiveHub: every stream with the same `key` shares
 * one `tick` loop (the first stream's), so N browsers on one cluster cost the director one read.
 */
export function sharedSseResponse(signal: AbortSignal, key: string, intervalMs: number, tick: () => Promise<unknown>): Response {
  const enc = new TextEncoder();
  let off: (() => void) | null = null;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        off?.();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      signal.addEventListener("abort", close);
      controller.enqueue(enc.encode(`retry: 3000\n\n`));
      off = liveHub().subscribe(key, intervalMs, tick, (e) => {
        if (closed) return;
        const text = "data" in e ? `data: ${JSON.stringify(e.data)}\n\n` : `event: failure\ndata: ${JSON.stringify({ message: e.failure })}\n\n`;
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          close();
        }
      });
      if (signal.aborted) close();
    },
    cancel() {
      off?.();
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
