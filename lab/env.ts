// lab/env.ts - what tests import to use the LVS-DR lab (see lab/README.md, "env --json").
// Dependency-free on purpose (node: built-ins only).
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Absolute path of lab/lab.sh. */
export const LAB_SCRIPT = path.join(here, "lab.sh");

export type LabRole = "director" | "realServer" | "sorry" | "router" | "client";

export interface LabHost {
  name: string; // "director", "rs1".., "sorry", "router", "client"
  role: LabRole;
  address: string; // IPv4 (router: its server-subnet leg)
  address6: string; // IPv6 ULA (fd78::/48); not reachable from the root namespace
  sshPort: number | null; // 22, or null for router and client (no sshd: use exec)
  mac: string; // MAC of `interface`
  interface: string; // "eth0"
  gateway: string | null; // default route (the router), null on the router
  gateway6: string | null;
  namespace: string | null; // network namespace (null for the director VM)
  exec: string[]; // argv prefix that runs a command on that host without SSH
  hostKeys: string[]; // "ssh-ed25519 AAAA...", "ssh-rsa AAAA..." (stable across down/up)
  kind: "vm" | "netns"; // a qemu VM (director, director2, rs1 with --rs-vm 1) or a namespace host
  vmKind?: "debian" | "initramfs"; // VMs only: the Debian 12 image (systemd, dash) or the RAM-only director
  sudoUser: string | null; // the non-root sudo user there: "lvs" (Debian VM, the panel's helper only), "lab" (namespace, NOPASSWD: ALL), null (none)
  // router only
  clientAddress?: string;
  clientAddress6?: string;
  clientMac?: string;
  clientInterface?: string;
  vipNetAddress?: string; // held only in the multi-subnet layout
  vipNetAddress6?: string;
}

export interface LabVips {
  single: string;
  multi: string;
  current: string;
}

export interface LabEnv {
  schema: 1;
  up: boolean;
  layout: "single" | "multi";
  rsCount: number;
  directorKind: "debian" | "initramfs"; // LVSP_LAB_DIRECTOR at `up` (default debian)
  rsVm: boolean; // rs1 is a VM (`up --rs-vm 1`)
  labScript: string;
  ssh: {
    user: "root";
    sudoUser: string; // non-root user with passwordless sudo on the namespace hosts ("lab"); each host's own: hosts[name].sudoUser
    port: number;
    keyPath: string;
    publicKeyPath: string;
    knownHostsPath: string;
    configPath: string; // ssh -F config with Host director, rs1.., sorry
  };
  managementInterface: string; // "lvsp0"
  managementAddress: string;
  subnets: { lab: string; lab6: string; server: string; server6: string; client: string; client6: string; vip: string; vip6: string };
  vip: LabVips;
  vip6: LabVips;
  clientExec: string[]; // ["ip","netns","exec","lvsp-client"]
  clientExecPrefix: string;
  hosts: { director: LabHost; sorry: LabHost; router: LabHost; client: LabHost; [name: string]: LabHost };
  directors: LabHost[]; // director, and director2 with `up --directors 2`
  realServers: LabHost[];
}

export interface LabResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bash lab/lab.sh ...args`; never throws on a non-zero exit (check `code`). */
export function runLab(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<LabResult> {
  return run("bash", [LAB_SCRIPT, ...args], opts.timeoutMs ?? 300_000, opts.env);
}

/** Like runLab, but throws with the output when the exit code is not 0. */
export async function lab(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await runLab(args, opts);
  if (r.code !== 0) throw new Error(`lab ${args.join(" ")} exited ${r.code}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The lab's description (`lab env --json`), typed. Works when the lab is down too (`up: false`). */
export async function labEnv(): Promise<LabEnv> {
  const out = await lab(["env", "--json"], { timeoutMs: 30_000 });
  const env = JSON.parse(out) as LabEnv;
  if (env.schema !== 1) throw new Error(`lab env: unknown schema ${String(env.schema)}`);
  return env;
}

/**
 * Throws unless `ip route get addr` (root namespace) leaves through the lab's management veth,
 * i.e. a connection to addr cannot reach the uplink. Call it before dialling a lab address.
 */
export async function assertLabRoute(addr: string, managementInterface = "lvsp0"): Promise<void> {
  const r = await run("ip", ["route", "get", addr], 10_000);
  const route = (r.stdout + r.stderr).trim();
  if (r.code !== 0 || !new RegExp(`\\sdev ${managementInterface}(\\s|$)`).test(route)) {
    throw new Error(`refusing to dial ${addr}: route is not via ${managementInterface} (${route || `exit ${r.code}`}); is the lab up?`);
  }
}

/** Advisory lock that test files take while they configure the (single, shared) lab. */
export const LAB_USE_LOCK = "/run/lvsp-lab-use.lock";

/**
 * Waits until no other live process holds the lab, takes it and returns the release function.
 * Every test file that changes the lab's state (ipvsadm, VIPs, sysctls, reset, layout, down)
 * should hold it from beforeAll to afterAll, so that test runs of different people or packages
 * on the same machine do not interleave. A holder that died is detected (its PID) and replaced.
 */
export async function acquireLab(opts: { timeoutMs?: number; owner?: string } = {}): Promise<() => void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 240_000);
  const me = `${process.pid} ${opts.owner ?? process.argv.slice(1).join(" ").slice(0, 200)}`;
  for (;;) {
    try {
      mkdirSync(LAB_USE_LOCK);
      writeFileSync(path.join(LAB_USE_LOCK, "owner"), me + "\n");
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // A plain file there (someone's flock) would look held forever by nobody: say so at once.
      if (!isDirectory(LAB_USE_LOCK)) throw new Error(`${LAB_USE_LOCK} is not a directory: the lab lock is a mkdir lock; remove that file`);
      let pid = 0;
      try {
        pid = Number(readFileSync(path.join(LAB_USE_LOCK, "owner"), "utf8").split(" ")[0]);
      } catch {
        /* being written or removed */
      }
      if (pid === process.pid || (pid > 0 && !pidAlive(pid))) {
        rmSync(LAB_USE_LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`the lab is in use by pid ${pid} (${LAB_USE_LOCK}); gave up waiting`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return () => {
    try {
      if (readFileSync(path.join(LAB_USE_LOCK, "owner"), "utf8").startsWith(`${process.pid} `)) rmSync(LAB_USE_LOCK, { recursive: true, force: true });
    } catch {
      /* already gone */
    }
  };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return true; // removed meanwhile: the next mkdir decides
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<LabResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

// A test file's hold on the lab, from its beforeAll to its afterAll. A lab that is down fails the
// file (never a skip: CI must not pass without the lab).
export interface LabHold {
  env: LabEnv;
  release: () => void;
}

/**
 * Checks the lab is up and each of `hosts` is routed through it, waits for the lab (acquireLab) and,
 * unless `reset: false`, brings it to the single-subnet layout with nothing configured.
 */
export async function holdLab(owner: string, hosts: readonly string[], opts: { reset?: boolean; waitMs?: number } = {}): Promise<LabHold> {
  let env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  for (const h of hosts) await assertLabRoute(env.hosts[h]!.address, env.managementInterface);
  const release = await acquireLab({ owner, timeoutMs: opts.waitMs ?? 540_000 });
  if (opts.reset !== false) {
    await lab(["layout", "single"]);
    await lab(["reset"]);
    env = await labEnv();
  }
  return { env, release };
}

/** Resets the lab (when it is still up) and lets the next spec have it. */
export async function releaseLab(hold: LabHold | null): Promise<void> {
  try {
    if (hold?.env.up) await lab(["reset"]);
  } finally {
    hold?.release();
  }
}
