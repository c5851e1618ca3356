// A real OpenSSH sshd on 127.0.0.1 for integration tests: temp config, host key and authorized keys,
// `sshd -D -e -f CONF` on a free port, stopped by PID (and its per-connection children, also by PID).
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { assertLabRoute, type LabEnv } from "@/lab/env";
import { PrivateKey, algorithmOf, fingerprintOf, type SshTarget } from "@/lib/ssh";

export interface Keypair {
  privateKey: string;
  publicKey: string;
  /** ssh-keygen -lf's fingerprint of the public key. */
  fingerprint: string;
}

export function generateKeypair(dir: string, name: string, type: "ed25519" | "rsa" | "ecdsa" = "ed25519"): Keypair & { path: string } {
  const p = path.join(dir, name);
  fs.rmSync(p, { force: true });
  fs.rmSync(`${p}.pub`, { force: true });
  execFileSync("ssh-keygen", ["-q", "-t", type, ...(type === "rsa" ? ["-b", "2048"] : []), "-N", "", "-C", name, "-f", p]);
  const fp = execFileSync("ssh-keygen", ["-lf", `${p}.pub`], { encoding: "utf8" }).split(" ")[1] ?? "";
  return { path: p, privateKey: fs.readFileSync(p, "utf8"), publicKey: fs.readFileSync(`${p}.pub`, "utf8"), fingerprint: fp };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

/** Ensures the Debian packages are there (the test runner is root). */
export function ensureOpenSshServer(): void {
  if (!fs.existsSync("/usr/sbin/sshd")) execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "openssh-server"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
}

export interface TestSshdOptions {
  /** Users and the public keys they may log in with. */
  authorized: Record<string, string[]>;
  maxSessions?: number;
  hostKeyType?: "ed25519" | "rsa" | "ecdsa";
}

export class TestSshd {
  readonly dir: string;
  readonly host = "127.0.0.1";
  port = 0;
  hostKey!: Keypair & { path: string };
  #proc: ChildProcess | null = null;
  /** Sessions of listeners replaced by replaceHostKey (still up; killed by kill()). */
  #orphans: number[] = [];
  #log = "";
  #opts: TestSshdOptions;

  private constructor(dir: string, opts: TestSshdOptions) {
    this.dir = dir;
    this.#opts = opts;
  }

  static async start(opts: TestSshdOptions): Promise<TestSshd> {
    ensureOpenSshServer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-sshd-"));
    fs.chmodSync(dir, 0o755); // non-root users' sshd children read their authorized_keys here
    const s = new TestSshd(dir, opts);
    s.hostKey = generateKeypair(dir, "host_key", opts.hostKeyType ?? "ed25519");
    fs.mkdirSync(path.join(dir, "authorized_keys"), { mode: 0o755 });
    for (const [user, keys] of Object.entries(opts.authorized)) {
      fs.writeFileSync(path.join(dir, "authorized_keys", user), keys.join("\n") + "\n", { mode: 0o644 });
    }
    s.port = await freePort();
    await s.#spawn();
    return s;
  }

  /** sshd's own log (-e), for assertions such as "one connection was accepted". */
  get log(): string {
    return this.#log;
  }

  get pid(): number | undefined {
    return this.#proc?.pid ?? undefined;
  }

  async #spawn(): Promise<void> {
    const conf = path.join(this.dir, "sshd_config");
    fs.writeFileSync(
      conf,
      [
        `Port ${this.port}`,
        `ListenAddress ${this.host}`,
        `HostKey ${this.hostKey.path}`,
        `PidFile ${path.join(this.dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${path.join(this.dir, "authorized_keys", "%u")}`,
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PermitRootLogin prohibit-password",
        `MaxSessions ${this.#opts.maxSessions ?? 10}`,
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    const p = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", conf], { stdio: ["ignore", "ignore", "pipe"] });
    p.stderr!.setEncoding("utf8");
    p.stderr!.on("data", (d: string) => (this.#log += d));
    this.#proc = p;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (p.exitCode !== null) throw new Error(`sshd exited ${p.exitCode}: ${this.#log}`);
      if (await banner(this.host, this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sshd did not answer on ${this.port}: ${this.#log}`);
  }

  /** PIDs of sshd's per-connection processes (children of the listener), read from /proc. */
  childPids(): number[] {
    const root = this.#proc?.pid;
    if (!root) return [];
    const parent = new Map<number, number>();
    for (const e of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        parent.set(Number(e), ppid);
      } catch {
        /* gone */
      }
    }
    const out: number[] = [];
    const walk = (pid: number) => {
      for (const [c, pp] of parent) if (pp === pid) {
        out.push(c);
        walk(c);
      }
    };
    walk(root);
    return out;
  }

  /**
   * Another host key on the same address:port (a reinstalled host, or a man in the middle). Only the
   * listener is replaced: sessions it already serves stay up (their PIDs are returned).
   */
  async replaceHostKey(type: "ed25519" | "rsa" | "ecdsa" = this.#opts.hostKeyType ?? "ed25519"): Promise<number[]> {
    const p = this.#proc;
    const sessions = this.childPids();
    this.#orphans.push(...sessions);
    if (p?.pid && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once("exit", r));
      process.kill(p.pid, "SIGKILL");
      await exited;
    }
    this.hostKey = generateKeypair(this.dir, `host_key_${this.#orphans.length}_${Date.now()}`, type);
    await this.#spawn();
    return sessions;
  }

  /** Kills the listener and every connection it serves (by PID): sessions drop like a crashed host. */
  async kill(): Promise<void> {
    const p = this.#proc;
    for (const c of this.#orphans.splice(0)) {
      try {
        process.kill(c, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    if (!p?.pid) return;
    for (const c of this.childPids()) {
      try {
        process.kill(c, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    if (p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once("exit", r));
      process.kill(p.pid, "SIGKILL");
      await exited;
    }
    this.#proc = null;
  }

  /** Starts sshd again on the same port with the same host key. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  async stop(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function banner(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once("error", () => done(false));
    s.once("data", (d) => done(d.toString().startsWith("SSH-2.0")));
  });
}

/**
 * A non-root login user with a narrow sudoers file, for the `sudo -n` path. Returns null (and says why)
 * when sudo is not installed; the caller skips those tests loudly.
 */
export function ensureSudoUser(name: string, sudoersLines: string[]): { user: string } | { skip: string } {
  if (!fs.existsSync("/usr/bin/sudo")) return { skip: "sudo is not installed (apt-get install -y sudo)" };
  try {
    execFileSync("id", ["-u", name], { stdio: "ignore" });
  } catch {
    execFileSync("useradd", ["--create-home", "--shell", "/bin/sh", name]);
  }
  // sshd with UsePAM no refuses accounts whose password field starts with '!'
  execFileSync("usermod", ["-p", "*", name]);
  const f = `/etc/sudoers.d/${name}`;
  fs.writeFileSync(f, sudoersLines.join("\n") + "\n", { mode: 0o440 });
  execFileSync("visudo", ["-cf", f]);
  return { user: name };
}

// ---------------------------------------------------------------------------------------------
// SSH targets for the project's lab (lab/env.ts describes the lab; this only turns a host into a target).

/** An SSH target for a lab host, pinned to its real ed25519 host key; the route is checked first. */
export async function labTarget(env: LabEnv, name: string, over: Partial<SshTarget> = {}): Promise<SshTarget> {
  const h = env.hosts[name];
  if (!h || !h.sshPort) throw new Error(`no SSH host ${name} in the lab`);
  await assertLabRoute(h.address, env.managementInterface);
  const ed = h.hostKeys.find((k) => k.startsWith("ssh-ed25519 "));
  if (!ed) throw new Error(`lab host ${name} has no ed25519 host key`);
  const blob = Buffer.from(ed.split(" ")[1]!, "base64");
  return {
    host: h.address,
    port: h.sshPort,
    username: env.ssh.user,
    key: new PrivateKey(fs.readFileSync(env.ssh.keyPath, "utf8")),
    hostKeyFingerprint: fingerprintOf(blob),
    hostKeyAlgorithm: algorithmOf(blob),
    ...over,
  };
}
