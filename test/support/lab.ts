// The project's lab (lab/lab.sh) as tests see it: its env, a route check before any dial, and SSH targets.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { PrivateKey, fingerprintOf, algorithmOf, type SshTarget } from "@/lib/ssh";

const ROOT = path.resolve(import.meta.dirname, "../..");
const LAB = path.join(ROOT, "lab/lab.sh");

export interface LabHost {
  name: string;
  role: string;
  address: string;
  sshPort: number | null;
  interface: string;
  gateway: string | null;
  namespace: string | null;
  hostKeys: string[];
}
export interface LabEnv {
  up: boolean;
  ssh: { user: string; sudoUser: string; keyPath: string; knownHostsPath: string };
  managementInterface: string;
  vip: { current: string };
  clientExec: string[];
  hosts: Record<string, LabHost>;
  realServers: LabHost[];
}

export function labAvailable(): boolean {
  return fs.existsSync(LAB);
}

export function labEnv(): LabEnv {
  return JSON.parse(execFileSync("bash", [LAB, "env", "--json"], { encoding: "utf8" })) as LabEnv;
}

/** Refuses (throws) unless `ip route get ADDR` goes out through the lab's management interface. */
export function assertLabRoute(env: LabEnv, addr: string): void {
  const r = execFileSync("ip", ["route", "get", addr], { encoding: "utf8" });
  if (!new RegExp(`\\bdev ${env.managementInterface}\\b`).test(r)) throw new Error(`refusing to dial ${addr}: its route is not through the lab (${r.trim()})`);
}

/** An SSH target for a lab host, pinned to its real ed25519 host key; the route is checked first. */
export function labTarget(env: LabEnv, name: string, over: Partial<SshTarget> = {}): SshTarget {
  const h = env.hosts[name];
  if (!h || !h.sshPort) throw new Error(`no SSH host ${name} in the lab`);
  assertLabRoute(env, h.address);
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

/** Runs the lab script (e.g. `sshd rs1 stop`, `curl 10`). */
export function lab(...args: string[]): string {
  return execFileSync("bash", [LAB, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
