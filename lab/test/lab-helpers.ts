// Shared by lab/test/*.int.test.ts: thin wrappers over `lab ...` for the DR scenarios.
import { acquireLab, lab, labEnv, runLab, type LabEnv } from "../env";

export function requireRoot(): void {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) {
    throw new Error("the lab tests need root (network namespaces, qemu, mounts): run them as root");
  }
}

let release: (() => void) | null = null;
/** Take the shared lab for this test file (see acquireLab); pair with releaseLab() in afterAll. */
export async function holdLab(owner: string): Promise<void> {
  release = await acquireLab({ owner });
}
export function releaseLab(): void {
  release?.();
  release = null;
}

/** Idempotent `lab up` (single-subnet layout, rs1+rs2 unless told otherwise), then the typed env. */
export async function ensureLab(args: string[] = []): Promise<LabEnv> {
  requireRoot();
  await lab(["up", ...args], { timeoutMs: 600_000 });
  const env = await labEnv();
  if (!env.up) throw new Error("lab up returned but env says the lab is down");
  return env;
}

export const sh = (host: string, cmd: string): Promise<string> => lab(["ssh", host, cmd], { timeoutMs: 60_000 });

/** `lab curl N [--vip VIP]`: the first line of every answer ("rs1", "ERROR 28", ...). */
export async function curlAnswers(n: number, vip?: string): Promise<string[]> {
  const r = await runLab(["curl", String(n), ...(vip ? ["--vip", vip] : [])], { timeoutMs: 120_000 });
  return r.stdout.split("\n").filter((l) => l.length > 0);
}

/** The tutorial's real-server step. `order` "sysctl-first" is right; "vip-first" is the classic mistake. */
export async function prepareRealServer(host: string, vip: string, order: "sysctl-first" | "vip-first"): Promise<void> {
  const sysctls = "sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2";
  const addVip = `ip addr add ${vip}/32 dev lo label lo:0`;
  // vip-first: the address is live on lo (and answers ARP) before the sysctls; here the sysctls never come
  await sh(host, order === "sysctl-first" ? `${sysctls} && ${addVip}` : addVip);
}

/** The tutorial's director step: VIP on eth0, a round-robin TCP service, the real servers with -g (DR). */
export async function prepareDirector(vip: string, realServers: string[]): Promise<void> {
  const adds = realServers.map((rip) => `ipvsadm -a -t ${vip}:80 -r ${rip}:80 -g`).join(" && ");
  await sh("director", `ip addr add ${vip}/32 dev eth0 label eth0:0 && ipvsadm -A -t ${vip}:80 -s rr && ${adds}`);
}

export interface StatsRow {
  addr: string; // "10.78.0.100:80" for the service, "10.78.0.11:80" for a real server
  conns: number;
  inPkts: number;
  outPkts: number;
}
export interface ServiceStats extends StatsRow {
  reals: StatsRow[];
}

/** Parses `ipvsadm -Ln --stats`: each service row (TCP/UDP/SCTP) with its real-server rows ("->"). */
export function parseStats(text: string): ServiceStats[] {
  const services: ServiceStats[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(TCP|UDP|SCTP|->)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    const row = { addr: m[2]!, conns: Number(m[3]), inPkts: Number(m[4]), outPkts: Number(m[5]) };
    if (m[1] !== "->") services.push({ ...row, reals: [] });
    else services.at(-1)?.reals.push(row);
  }
  return services;
}

/** The router's neighbour entry for addr on its server leg: the MAC it sends VIP traffic to. */
export async function routerNeighbour(env: LabEnv, addr: string): Promise<string | null> {
  const out = await lab(["exec", "router", "ip", "neigh", "show", addr, "dev", "eth0"]);
  return /lladdr (\S+)/.exec(out)?.[1] ?? null;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lines of a host's httpd access log (busybox httpd -vv: "[::ffff:10.78.1.50]:40312: url:/"). */
export async function accessLog(host: string): Promise<string[]> {
  return (await sh(host, "cat /var/log/httpd/access.log")).split("\n").filter((l) => l.includes("url:"));
}
