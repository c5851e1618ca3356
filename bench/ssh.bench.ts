// The SSH layer against its floors, on the lab with 20 real servers (issue 5):
//   npx tsx bench/ssh.bench.ts [--runs N] [--ansible-runs N] [--no-ansible]
// (1) one real-server add end to end (applyDirector: fresh read, plan, apply, verify — ONE exec on a
//     warm pooled ssh2 connection) vs ONE exec over a warm OpenSSH ControlMaster of a script that reads
//     the table as the panel needs it (-S -n, -Ln --thresholds), runs the same ipvsadm -a, reads again.
// (2) prepare DR on 20 real servers (prepareRealServer × 20 in parallel, warm pool) vs the same script
//     as a parallel loop of OpenSSH commands over warm ControlMasters, and vs Ansible (Debian's
//     ansible-playbook, the same script in one shell task per host, pipelining on, gather_facts off,
//     default forks).
// Holds the lab lock throughout; brings the lab to --rs 20 and back to the default `up` afterwards,
// and undoes what it configured.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { acquireLab, assertLabRoute, lab, labEnv, type LabEnv } from "@/lab/env";
import { applyDirector, ipvsCore } from "@/lib/director";
import { prepareRealServer, renderRsScript, undoRealServer } from "@/lib/realserver";
import { SshPool, type SshTarget } from "@/lib/ssh";
import { labTarget } from "@/test/support/sshd";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const RUNS = Number(arg("runs", "21"));
const ANSIBLE_RUNS = Number(arg("ansible-runs", "3"));
const ANSIBLE = !process.argv.includes("--no-ansible");
const RS_COUNT = 20;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

function run(cmd: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env: env ?? process.env });
    let out = "", err = "";
    p.stdout.on("data", (b) => (out += b));
    p.stderr.on("data", (b) => (err += b));
    p.on("close", (code) => resolve({ code: code ?? 1, out, err }));
    p.stdin.end(input ?? "");
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

const release = await acquireLab({ timeoutMs: 1_800_000, owner: "bench/ssh.bench.ts" });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-sshbench-"));
const pool = new SshPool();
let env!: LabEnv;
const masters: string[] = [];
let cfg = "";
const ctl = (name: string) => path.join(tmp, `cm-${name}`);
const ossh = (name: string, command: string, input?: string) => run("ssh", ["-F", cfg, "-o", "ControlMaster=no", "-o", `ControlPath=${ctl(name)}`, name, command], input);

try {
  const before = await labEnv();
  if (!before.up || before.rsCount !== RS_COUNT) await lab(["up", "--rs", String(RS_COUNT)], { timeoutMs: 900_000 });
  env = await labEnv();
  cfg = env.ssh.configPath;
  const vip = env.vip.current;
  const rss = env.realServers.slice(0, RS_COUNT);
  const names = ["director", ...rss.map((r) => r.name)];
  for (const n of names) await assertLabRoute(env.hosts[n]!.address, env.managementInterface);

  // warm OpenSSH ControlMasters (processes we start; stopped with `ssh -O exit` at the end)
  await Promise.all(names.map(async (n) => {
    const r = await run("ssh", ["-F", cfg, "-o", "ControlMaster=yes", "-o", `ControlPath=${ctl(n)}`, "-o", "ControlPersist=yes", "-fN", n]);
    if (r.code !== 0) throw new Error(`ControlMaster ${n}: ${r.err}`);
    masters.push(n);
  }));
  const d: SshTarget = await labTarget(env, "director");
  const targets = await Promise.all(rss.map((r) => labTarget(env, r.name)));
  await pool.connect(d);
  await Promise.all(targets.map((t) => pool.connect(t)));

  // ---------------------------------------------------------------------------------------------
  // (1) one real-server add
  const last = rss[RS_COUNT - 1]!;
  const dest = (a: string) => ({ address: a, port: 80, forward: "route", weight: 1 });
  const desired = { services: [{ protocol: "tcp", address: vip, port: 80, scheduler: "wrr", destinations: rss.map((r) => dest(r.address)) }] };
  const base = { services: [{ ...desired.services[0]!, destinations: rss.slice(0, -1).map((r) => dest(r.address)) }] };
  await ossh("director", `ipvsadm -D -t ${vip}:80 2>/dev/null; true`);
  const setup = await applyDirector(pool, d, ipvsCore, base);
  if (setup.outcome !== "succeeded") throw new Error(`setup apply: ${JSON.stringify(setup.differences)}`);
  const add = `ipvsadm -a -t ${vip}:80 -r ${last.address}:80 -g -w 1`;
  const floorScript = `ipvsadm -S -n; ipvsadm -Ln --thresholds; ${add}; ipvsadm -S -n; ipvsadm -Ln --thresholds`;
  // Each measurement is preceded by the removal of the added server over ITS OWN connection (ssh2 before
  // the panel, the ControlMaster before the floor), and the two alternate which goes first: on the
  // emulated director the connection used last runs measurably faster, so anything else favours one side.
  const remove = () => ossh("director", `ipvsadm -d -t ${vip}:80 -r ${last.address}:80`);
  const removeVia = async (which: "panel" | "floor") => {
    if (which === "floor") return void (await remove());
    await pool.exec(d, ["ipvsadm", "-d", "-t", `${vip}:80`, "-r", `${last.address}:80`]);
  };
  const panel1: number[] = [], floor1: number[] = [];
  const seq = Array.from({ length: RUNS }, (_, i) => (i % 2 ? (["floor", "panel"] as const) : (["panel", "floor"] as const))).flat();
  await pool.exec(d, ["true"]);
  for (let k = 0; k < seq.length; k++) {
    if (seq[k] === "panel") {
      const [tp, r] = await timed(() => applyDirector(pool, d, ipvsCore, desired));
      if (r.outcome !== "succeeded" || r.steps.length !== 1) throw new Error(`panel add: ${r.outcome} ${r.steps.map((s) => s.command).join("; ")}`);
      panel1.push(tp);
    } else {
      const [tf, f] = await timed(() => ossh("director", floorScript));
      if (f.code !== 0 || !f.out.includes(`-a -t ${vip}:80 -r ${last.address}:80 -g -w 1`)) throw new Error(`floor add: ${f.err}`);
      floor1.push(tf);
    }
    await removeVia(seq[k + 1] ?? "floor");
  }
  // a bare warm ipvsadm -a, for scale
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [t] = await timed(() => ossh("director", add));
    bare.push(t);
    await remove();
  }

  // ---------------------------------------------------------------------------------------------
  // (2) prepare DR on 20 real servers
  const params = { vips: [vip], port: 80 };
  const script = renderRsScript({ vips: [vip], mode: "route", protocol: "tcp", port: 80 });
  const undoAll = () => Promise.all(targets.map((t) => undoRealServer(pool, t, params)));
  const panel2: number[] = [], floor2: number[] = [], ansible2: number[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
    await undoAll();
    const [tp, reps] = await timed(() => Promise.all(targets.map((t) => prepareRealServer(pool, t, params))));
    if (!reps.every((r) => r.ready)) throw new Error("panel prepare: not every real server is ready");
    panel2.push(tp);
    await undoAll();
    const [tf, outs] = await timed(() => Promise.all(rss.map((r) => ossh(r.name, "sh -s start status", script))));
    if (!outs.every((o) => o.code === 0 && o.out.includes(`@@lvs ok vip ${vip} bound`))) throw new Error(`floor prepare: ${outs.find((o) => o.code !== 0)?.err}`);
    floor2.push(tf);
  }
  let ansibleVersion = "";
  if (ANSIBLE) {
    const v = await run("ansible-playbook", ["--version"]);
    if (v.code !== 0) throw new Error("ansible-playbook is not installed: apt-get install -y ansible (or --no-ansible)");
    ansibleVersion = v.out.split("\n")[0] ?? "";
    fs.writeFileSync(path.join(tmp, "rs.sh"), script);
    fs.writeFileSync(path.join(tmp, "inventory.ini"), `[rs]\n${rss.map((r) => `${r.name} ansible_host=${r.address}`).join("\n")}\n[rs:vars]\nansible_user=root\nansible_ssh_private_key_file=${env.ssh.keyPath}\nansible_python_interpreter=/usr/bin/python3\n`);
    fs.writeFileSync(path.join(tmp, "prepare.yml"), `- hosts: rs
  gather_facts: false
  tasks:
    - name: "prepare DR with the panel's rs script (sysctls, verify, VIP on lo, persistence)"
      ansible.builtin.shell: sh -s start status
      args:
        stdin: "{{ lookup('ansible.builtin.file', 'rs.sh') }}"
      register: out
      failed_when: out.rc != 0 or ('@@lvs ok vip ${vip} bound' not in out.stdout and '@@lvs ok vip ${vip} already bound' not in out.stdout)
`);
    fs.writeFileSync(path.join(tmp, "ansible.cfg"), `[defaults]\nhost_key_checking = True\nstdout_callback = default\n[ssh_connection]\npipelining = True\nssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${env.ssh.knownHostsPath} -o GlobalKnownHostsFile=/dev/null\n`);
    const aenv = { ...process.env, ANSIBLE_CONFIG: path.join(tmp, "ansible.cfg"), ANSIBLE_LOCAL_TEMP: path.join(tmp, "ansible-local"), ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(tmp, "ansible-cp"), ANSIBLE_NOCOLOR: "1" };
    const play = () => run("ansible-playbook", ["-i", path.join(tmp, "inventory.ini"), path.join(tmp, "prepare.yml")], undefined, aenv);
    await undoAll();
    const warm = await play(); // warms Ansible's own ControlPersist connections, like ours
    if (warm.code !== 0) throw new Error(`ansible: ${warm.out.slice(-2000)}${warm.err.slice(-2000)}`);
    for (let i = 0; i < ANSIBLE_RUNS; i++) {
      await undoAll();
      const [ta, a] = await timed(play);
      if (a.code !== 0) throw new Error(`ansible: ${a.out.slice(-2000)}`);
      ansible2.push(ta);
    }
  }
  await undoAll();
  await ossh("director", `ipvsadm -D -t ${vip}:80 2>/dev/null; true`);

  const p1 = median(panel1), f1 = median(floor1), p2 = median(panel2), f2 = median(floor2);
  console.log(`lab: director ${env.hosts.director.address} (qemu), ${rss.length} real servers; ${RUNS} runs each for (1)`);
  console.log(`(1) one real-server add, end to end`);
  console.log(`    panel  applyDirector (read, plan, ipvsadm -a, re-read, verify; ONE exec, warm ssh2)   median ${ms(p1)}  [${panel1.map((x) => x.toFixed(0)).join(" ")}]`);
  console.log(`    floor  ssh over warm ControlMaster: -S -n; -Ln --thresholds; ipvsadm -a; -S -n; --thresholds  median ${ms(f1)}  [${floor1.map((x) => x.toFixed(0)).join(" ")}]`);
  console.log(`    bare   ssh over warm ControlMaster: ipvsadm -a alone                                    median ${ms(median(bare))}`);
  console.log(`    ratio  panel / floor = ${(p1 / f1).toFixed(2)}x   (goal <= 1.2x)`);
  console.log(`(2) prepare DR on ${rss.length} real servers`);
  console.log(`    panel  prepareRealServer x${rss.length} in parallel (warm pool)                  median ${ms(p2)}  [${panel2.map((x) => x.toFixed(0)).join(" ")}]`);
  console.log(`    floor  ${rss.length} parallel ssh over warm ControlMasters, same script            median ${ms(f2)}  [${floor2.map((x) => x.toFixed(0)).join(" ")}]`);
  console.log(`    ratio  panel / OpenSSH floor = ${(p2 / f2).toFixed(2)}x   (goal <= 1.5x)`);
  if (ansible2.length) {
    const a2 = median(ansible2);
    console.log(`    ansible ${ansibleVersion}, pipelining, gather_facts off, default forks   median ${ms(a2)}  [${ansible2.map((x) => x.toFixed(0)).join(" ")}]`);
    console.log(`    ratio  ansible / panel = ${(a2 / p2).toFixed(1)}x faster   (goal >= 10x)`);
  }
} finally {
  await Promise.all(masters.map((n) => run("ssh", ["-F", cfg, "-o", `ControlPath=${ctl(n)}`, "-O", "exit", n])));
  await pool.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    await lab(["up"], { timeoutMs: 900_000 }); // back to the default lab (2 real servers)
  } finally {
    release();
  }
}
