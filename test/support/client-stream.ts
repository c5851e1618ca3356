// Test support: a steady stream of HTTP requests from the lab's client to a VIP (one new TCP
// connection every `gapMs`), each line timestamped, for failover tests: when requests stopped
// succeeding, when they resumed, how many failed. Started and stopped by the test (its own PID group).
import { spawn, type ChildProcess } from "node:child_process";
import { LAB_SCRIPT } from "@/lab/env";

/** One request: when it started and ended (ms since the epoch, the client's clock = this machine's). */
export interface StreamResult { at: number; end: number; ok: boolean; body: string }

export class ClientStream {
  private proc: ChildProcess;
  private buf = "";
  readonly results: StreamResult[] = [];

  constructor(url: string, opts: { gapMs?: number; maxTimeS?: number } = {}) {
    const gap = (opts.gapMs ?? 100) / 1000;
    const script = `while :; do t=$(date +%s%3N); if b=$(curl -s -f --max-time ${opts.maxTimeS ?? 2} "$1" 2>/dev/null); then echo "$t $(date +%s%3N) ok $(printf '%s' "$b" | head -n1)";` +
      ` else echo "$t $(date +%s%3N) fail $?"; fi; sleep ${gap}; done`;
    this.proc = spawn("bash", [LAB_SCRIPT, "exec", "client", "bash", "-c", script, "stream", url], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
    this.proc.stdout!.on("data", (d: Buffer) => {
      this.buf += d.toString();
      let i: number;
      while ((i = this.buf.indexOf("\n")) >= 0) {
        const [at, end, kind, ...rest] = this.buf.slice(0, i).split(" ");
        this.buf = this.buf.slice(i + 1);
        if (at && end && kind) this.results.push({ at: Number(at), end: Number(end), ok: kind === "ok", body: rest.join(" ") });
      }
    });
  }

  /** Waits until `n` more answers came in (or the time is up). */
  async waitFor(n: number, ms = 30_000): Promise<void> {
    const want = this.results.length + n;
    const end = Date.now() + ms;
    while (this.results.length < want && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  }

  stop() {
    if (this.proc.pid) {
      try {
        process.kill(-this.proc.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
  }

  failures(since = 0): StreamResult[] {
    return this.results.filter((r) => r.at >= since && !r.ok);
  }

  /** The first successful request that started at or after `t`. */
  firstOkAfter(t: number): StreamResult | undefined {
    return this.results.find((r) => r.at >= t && r.ok);
  }
}
