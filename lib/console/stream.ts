import "server-only";

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
  return new Response(stream, { headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" } });
}
