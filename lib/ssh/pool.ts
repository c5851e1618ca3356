import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { StringDecoder } from "node:string_decoder";
import { SshError, classifyFailure } from "./errors";
import { algorithmOf, fingerprintOf, serverHostKeyAlgorithms } from "./hostkey";
import { scriptText, shJoin, sudoArgv } from "./quote";
import { targetLabel, type ExecResult, type SshTarget } from "./types";

export interface PoolOptions {
  /** Channels open at once per host; OpenSSH's MaxSessions defaults to 10, so stay below it. */
  maxChannelsPerHost?: number;
  /** TCP connect + SSH handshake + authentication. */
  connectTimeoutMs?: number;
  /** Default per-command timeout (after a channel slot is obtained). */
  commandTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Connections with no channel open for this long are closed. */
  idleMs?: number;
  /** Connect attempts for unreachable hosts before giving up (1 = no retry). */
  connectAttempts?: number;
  /** First back-off between connect attempts; doubles each time, capped at 5 s. */
  backoffMs?: number;
  /** Largest stdout/stderr kept per command (each). */
  maxOutputBytes?: number;
}

export interface ExecOptions {
  timeoutMs?: number;
  /** Run through `sudo -n` when the SSH user is not root. */
  sudo?: boolean;
  /** Written to the command's stdin, then stdin is closed. */
  stdin?: string;
  /**
   * Interactive use, one channel: called with each piece of stdout as it arrives; stdin stays open
   * until `io.end()`. Lets a script print what it read, get an answer computed here, and go on.
   */
  onStdout?: (text: string, io: { write(s: string): void; end(): void }) => void;
  /** Exit codes that are not failures (default [0]); others throw SshError (command-failed, ...). */
  okExitCodes?: readonly number[] | "any";
}

interface HostState {
  key: string;
  /** host:port and the pin this connection was made under (disconnectHost matches on them). */
  endpoint: string;
  fingerprint: string | null;
  client: Client | null;
  connecting: Promise<Client> | null;
  active: number;
  waiters: Array<() => void>;
  inflight: Set<(e: SshError) => void>;
  idleTimer: NodeJS.Timeout | null;
  connectsMade: number;
  peakActive: number;
  /** commands started on the host (exec and script), for tests and benchmarks of SSH load */
  execs: number;
}

const DEFAULTS: Required<PoolOptions> = {
  maxChannelsPerHost: 8,
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 60_000,
  keepaliveIntervalMs: 10_000,
  keepaliveCountMax: 3,
  idleMs: 120_000,
  connectAttempts: 3,
  backoffMs: 250,
  maxOutputBytes: 16 * 1024 * 1024,
};

const MAX_COMMAND_BYTES = 100 * 1024;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The only place the panel opens SSH connections: one ssh2 connection per user@host:port, reused by
 * every caller; commands are channels on it, at most `maxChannelsPerHost` at a time.
 */
export class SshPool {
  readonly opts: Required<PoolOptions>;
  #hosts = new Map<string, HostState>();
  #closed = false;

  constructor(opts: PoolOptions = {}) {
    this.opts = { ...DEFAULTS, ...opts };
    if (this.opts.maxChannelsPerHost < 1) throw new RangeError("maxChannelsPerHost must be >= 1");
  }

  /** Runs an argv (each word quoted by shQuote) on the target. */
  exec(target: SshTarget, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const words = opts.sudo && target.username !== "root" ? sudoArgv(argv) : [...argv];
    return this.#run(target, shJoin(words), opts);
  }

  /**
   * Runs a POSIX sh script in one exec (`sh -c SCRIPT sh ARGS...`). Inside it `$SUDO` is empty for root
   * and `sudo -n` otherwise: write privileged commands as `$SUDO ipvsadm ...`, so sudoers can stay narrow.
   */
  script(target: SshTarget, body: string, args: readonly string[] = [], opts: Omit<ExecOptions, "sudo"> = {}): Promise<ExecResult> {
    return this.#run(target, shJoin(["sh", "-c", scriptText(target.username, body), "sh", ...args]), opts);
  }

  /** Connections opened so far to this target, commands run on it, and the most channels seen open at once (for tests and benchmarks). */
  stats(target: SshTarget): { connectsMade: number; execs: number; peakActive: number; active: number; connected: boolean } {
    const h = this.#hosts.get(this.#key(target));
    return { connectsMade: h?.connectsMade ?? 0, execs: h?.execs ?? 0, peakActive: h?.peakActive ?? 0, active: h?.active ?? 0, connected: !!h?.client };
  }

  /** Ensures a connection is open (authenticates, checks the host key) without running anything. */
  async connect(target: SshTarget): Promise<void> {
    await this.#client(this.#state(target), target);
  }

  /** Drops this target's connection (running commands fail with unreachable). */
  disconnect(target: SshTarget): void {
    const h = this.#hosts.get(this.#key(target));
    if (h?.client) h.client.end();
  }

  /**
   * Closes every connection to host:port (any user) made under another pinned key than `fingerprint`:
   * after a host key is re-trusted, nothing may keep talking over a session the old pin allowed.
   * Returns how many were closed.
   */
  disconnectHost(host: string, port: number, fingerprint: string | null): number {
    const endpoint = targetLabel({ host, port, username: "" });
    let closed = 0;
    for (const [key, h] of this.#hosts) {
      if (h.endpoint !== endpoint || h.fingerprint === fingerprint) continue;
      if (h.idleTimer) clearTimeout(h.idleTimer);
      h.idleTimer = null;
      if (h.client) {
        h.client.end();
        h.client = null;
        closed++;
      }
      if (h.active === 0 && !h.connecting) this.#hosts.delete(key);
    }
    return closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const h of this.#hosts.values()) {
      if (h.idleTimer) clearTimeout(h.idleTimer);
      h.client?.end();
      h.client = null;
    }
    this.#hosts.clear();
  }

  #key(t: SshTarget): string {
    return `${targetLabel(t)}#${t.hostKeyFingerprint ?? "-"}`;
  }

  #state(t: SshTarget): HostState {
    const key = this.#key(t);
    let h = this.#hosts.get(key);
    if (!h) {
      h = { key, endpoint: targetLabel({ ...t, username: "" }), fingerprint: t.hostKeyFingerprint, client: null, connecting: null, active: 0, waiters: [], inflight: new Set(), idleTimer: null, connectsMade: 0, peakActive: 0, execs: 0 };
      this.#hosts.set(key, h);
    }
    return h;
  }

  async #acquire(h: HostState): Promise<void> {
    if (h.idleTimer) {
      clearTimeout(h.idleTimer);
      h.idleTimer = null;
    }
    while (h.active >= this.opts.maxChannelsPerHost) await new Promise<void>((r) => h.waiters.push(r));
    h.active++;
    h.peakActive = Math.max(h.peakActive, h.active);
  }

  #release(h: HostState): void {
    h.active--;
    const next = h.waiters.shift();
    if (next) next();
    else if (h.active === 0 && h.client && !this.#closed) {
      h.idleTimer = setTimeout(() => {
        h.idleTimer = null;
        if (h.active === 0) h.client?.end();
      }, this.opts.idleMs);
      h.idleTimer.unref();
    }
  }

  #client(h: HostState, t: SshTarget): Promise<Client> {
    if (this.#closed) return Promise.reject(new Error("SSH pool is closed"));
    if (h.client) return Promise.resolve(h.client);
    if (!h.connecting) {
      h.connecting = (async () => {
        let delay = this.opts.backoffMs;
        for (let attempt = 1; ; attempt++) {
          try {
            const c = await this.#dial(t);
            h.connectsMade++;
            h.client = c;
            const onGone = () => {
              if (h.client === c) h.client = null;
              for (const reject of [...h.inflight]) reject(new SshError("unreachable", `connection to ${targetLabel(t)} was lost`, { target: targetLabel(t), phase: "command" }));
            };
            c.on("close", onGone);
            c.on("end", onGone);
            c.on("error", onGone);
            return c;
          } catch (e) {
            const retryable = e instanceof SshError && e.code === "unreachable";
            if (!retryable || attempt >= this.opts.connectAttempts || this.#closed) throw e;
            await sleep(delay);
            delay = Math.min(delay * 2, 5_000);
          }
        }
      })().finally(() => {
        h.connecting = null;
      });
    }
    return h.connecting;
  }

  #dial(t: SshTarget): Promise<Client> {
    const label = targetLabel(t);
    return new Promise((resolve, reject) => {
      const c = new Client();
      let hostKeyProblem: SshError | null = null;
      let settled = false;
      const fail = (e: SshError) => {
        if (settled) return;
        settled = true;
        c.removeAllListeners();
        c.on("error", () => {});
        c.end();
        reject(e);
      };
      c.once("ready", () => {
        if (settled) return;
        settled = true;
        c.removeAllListeners("error");
        resolve(c);
      });
      c.on("error", (err: Error & { level?: string; code?: string }) => {
        if (hostKeyProblem) return fail(hostKeyProblem);
        if (err.level === "client-authentication") return fail(new SshError("authentication-failed", `${label} refused the SSH key for user ${t.username}`, { target: label }, { cause: err }));
        if (err.level === "client-timeout") return fail(new SshError("timeout", `${label} did not complete the SSH handshake within ${this.opts.connectTimeoutMs} ms`, { target: label, phase: "connect" }, { cause: err }));
        fail(new SshError("unreachable", `cannot reach ${label}: ${err.code ?? err.message}`, { target: label, phase: "connect" }, { cause: err }));
      });
      c.on("close", () => fail(hostKeyProblem ?? new SshError("unreachable", `${label} closed the connection before it was ready`, { target: label, phase: "connect" })));
      const config: ConnectConfig = {
        host: t.host,
        port: t.port,
        username: t.username,
        ...t.key.reveal(),
        readyTimeout: this.opts.connectTimeoutMs,
        keepaliveInterval: this.opts.keepaliveIntervalMs,
        keepaliveCountMax: this.opts.keepaliveCountMax,
        hostVerifier: (key: Buffer): boolean => {
          const fingerprint = fingerprintOf(key);
          const algorithm = algorithmOf(key);
          if (t.hostKeyFingerprint === null) {
            hostKeyProblem = new SshError("host-key-unknown", `${label} presented host key ${fingerprint} (${algorithm}), which has not been trusted`, { target: label, fingerprint, algorithm });
            return false;
          }
          if (fingerprint !== t.hostKeyFingerprint) {
            hostKeyProblem = new SshError("host-key-changed", `HOST KEY CHANGED for ${label}: pinned ${t.hostKeyFingerprint}, presented ${fingerprint} (${algorithm}). Refusing to connect.`, { target: label, fingerprint, algorithm, expectedFingerprint: t.hostKeyFingerprint });
            return false;
          }
          return true;
        },
      };
      if (t.hostKeyAlgorithm) config.algorithms = { serverHostKey: serverHostKeyAlgorithms(t.hostKeyAlgorithm) as never };
      try {
        c.connect(config);
      } catch (e) {
        // ssh2 throws synchronously on a key it cannot parse; its message never contains the key.
        fail(new SshError("authentication-failed", `the private key for ${label} cannot be used: ${(e as Error).message}`, { target: label }));
      }
    });
  }

  async #run(t: SshTarget, command: string, opts: ExecOptions): Promise<ExecResult> {
    if (Buffer.byteLength(command) > MAX_COMMAND_BYTES) throw new RangeError(`command too long (${Buffer.byteLength(command)} bytes, limit ${MAX_COMMAND_BYTES})`);
    const h = this.#state(t);
    h.execs++;
    await this.#acquire(h);
    try {
      let client = await this.#client(h, t);
      try {
        return await this.#channel(h, t, client, command, opts);
      } catch (e) {
        // A connection that died while idle is only noticed when a channel is opened on it: redial once.
        if (e instanceof StaleConnection) {
          if (h.client === client) h.client = null;
          client.end();
          client = await this.#client(h, t);
          return await this.#channel(h, t, client, command, opts);
        }
        throw e;
      }
    } finally {
      this.#release(h);
    }
  }

  #channel(h: HostState, t: SshTarget, client: Client, command: string, opts: ExecOptions): Promise<ExecResult> {
    const label = targetLabel(t);
    const timeoutMs = opts.timeoutMs ?? this.opts.commandTimeoutMs;
    const started = performance.now();
    return new Promise<ExecResult>((resolve, reject) => {
      let ch: ClientChannel | null = null;
      let settled = false;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      const elapsed = () => Math.round(performance.now() - started);
      const text = (bufs: Buffer[]) => Buffer.concat(bufs).toString("utf8");
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        h.inflight.delete(onLost);
        fn();
      };
      const onLost = (e: SshError) =>
        finish(() => {
          e.details.command = command;
          e.details.stdout = text(out);
          e.details.stderr = text(err);
          e.details.durationMs = elapsed();
          reject(e);
        });
      h.inflight.add(onLost);
      const timer = setTimeout(() => {
        finish(() => {
          try {
            ch?.signal("KILL");
          } catch {
            /* the server may not support signals */
          }
          ch?.close();
          reject(new SshError("timeout", `command on ${label} did not finish within ${timeoutMs} ms`, { target: label, command, phase: "command", stdout: text(out), stderr: text(err), durationMs: elapsed() }));
        });
      }, timeoutMs);

      const openFailed = (e: Error) =>
        finish(() => {
          const msg = String(e.message);
          if (/Not connected|No response from server|write after end|ECONNRESET|EPIPE/i.test(msg)) return reject(new StaleConnection(msg));
          reject(new SshError("unreachable", `${label} refused to open a channel: ${msg}`, { target: label, command, phase: "command" }, { cause: e }));
        });
      try {
        client.exec(command, (e, channel) => {
          if (e) return openFailed(e);
          ch = channel;
          if (settled) return void channel.close();
          let exitCode: number | null = null;
          let signal: string | undefined;
          channel.on("exit", (code: number | null, sig?: string) => {
            exitCode = code;
            if (sig) signal = sig;
          });
          const dec = new StringDecoder("utf8");
          const io = {
            write: (s: string) => void (settled || channel.write(s)),
            end: () => void (settled || channel.end()),
          };
          channel.on("data", (b: Buffer) => {
            outBytes += b.length;
            if (outBytes <= this.opts.maxOutputBytes) out.push(b);
            if (opts.onStdout) {
              try {
                opts.onStdout(dec.write(b), io);
              } catch (handlerError) {
                finish(() => {
                  channel.close();
                  reject(handlerError);
                });
              }
            }
          });
          channel.stderr.on("data", (b: Buffer) => {
            errBytes += b.length;
            if (errBytes <= this.opts.maxOutputBytes) err.push(b);
          });
          channel.on("close", () => {
            const result: ExecResult = { exitCode, stdout: text(out), stderr: text(err), durationMs: elapsed() };
            if (signal) result.signal = signal;
            if (exitCode === null && !signal) {
              // No exit status: the channel was torn down with the connection.
              return onLost(new SshError("unreachable", `connection to ${label} was lost while a command ran`, { target: label, phase: "command" }));
            }
            finish(() => {
              const ok = opts.okExitCodes ?? [0];
              if (ok === "any" || (exitCode !== null && ok.includes(exitCode))) return resolve(result);
              const code = classifyFailure(result);
              reject(new SshError(code, `${code === "command-failed" ? "command failed" : code} on ${label} (exit ${exitCode ?? signal})${firstLine(result.stderr)}`, { target: label, command, exitCode, stdout: result.stdout, stderr: result.stderr, durationMs: result.durationMs }));
            });
          });
          if (opts.stdin !== undefined) channel.end(opts.stdin);
          else if (!opts.onStdout) channel.end();
        });
      } catch (e) {
        queueMicrotask(() => openFailed(e as Error));
      }
    });
  }
}

class StaleConnection extends Error {}

function firstLine(s: string): string {
  const line = s.split("\n").find((l) => l.trim() !== "");
  return line ? `: ${line.trim().slice(0, 300)}` : "";
}

const g = globalThis as unknown as { lvsPanelSshPool?: SshPool };
/** The process-wide pool (one per server process, shared by actions and the live view). */
export function sshPool(): SshPool {
  g.lvsPanelSshPool ??= new SshPool();
  return g.lvsPanelSshPool;
}
