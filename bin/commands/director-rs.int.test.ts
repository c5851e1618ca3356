// `lvs director status|apply` and `lvs rs status|prepare|undo`, spawned as bin/lvs.mjs against the lab.
// Holds the lab (acquireLab) from beforeAll to afterAll.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLab, assertLabRoute, lab, labEnv, type LabEnv } from "@/lab/env";
import { generateKeypair } from "@/test/support/sshd";
import { EXIT } from "./exit";

let env: LabEnv;
let release: (() => void) | null = null;
let dir: string;
let vip: string;
const LVS = path.resolve(import.meta.dirname, "../lvs.mjs");
const ssh = (cmd: string) => lab(["ssh", "director", cmd]);

function lvs(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; out: string; err: string; json: any }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [LVS, ...args], { env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir, LVS_URL: "", LVS_TOKEN: "", ...extraEnv }, maxBuffer: 16 << 20 }, (e, out, err) => {
      let json: unknown = null;
      try {
        json = JSON.parse(out);
      } catch {
        /* not JSON */
      }
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out, err, json });
    });
  });
}
const sshArgs = (name: string, over: { key?: string; knownHosts?: string } = {}) => {
  const h = env.hosts[name]!;
  return ["--target", `root@${h.address}:${h.sshPort}`, "--key", over.key ?? env.ssh.keyPath, "--known-hosts", over.knownHosts ?? env.ssh.knownHostsPath];
};
const desiredFile = (name: string, v: unknown) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, JSON.stringify(v));
  return p;
};
const tutorial = (weight = 1) => ({ services: [{ protocol: "tcp", address: vip, port: 80, scheduler: "rr", destinations: env.realServers.slice(0, 2).map((r) => ({ address: r.address, port: 80, forward: "route", weight })) }] });

beforeAll(async () => {
  release = await acquireLab({ timeoutMs: 1_200_000, owner: "bin/commands/director-rs.int.test.ts" });
  env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  vip = env.vip.current;
  for (const n of ["director", "rs1"]) await assertLabRoute(env.hosts[n]!.address, env.managementInterface);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-cli-"));
  await ssh(`ipvsadm -D -t ${vip}:80 2>/dev/null; true`);
}, 1_300_000);

afterAll(async () => {
  try {
    if (env) {
      await ssh(`ipvsadm -D -t ${vip}:80 2>/dev/null; true`);
      await lvs(["rs", "undo", ...sshArgs("rs1"), "--vip", vip]);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    release?.();
  }
});

describe("lvs director", () => {
  it("status prints the probe and the table as JSON (exit 0)", async () => {
    const r = await lvs(["director", "status", ...sshArgs("director")]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ ok: true, ipvsadm: { present: true }, ipvs: { available: true }, defaultRoute: { gateway: env.hosts.director.gateway } });
    expect(r.json.raw.save).toBe(await ssh("ipvsadm -S -n"));
    expect(Array.isArray(r.json.table.services)).toBe(true);
  });

  it("apply: dry run (exit 3: would change), apply (exit 0, verified), dry run again (exit 0), status --desired drift (exit 3)", async () => {
    const f = desiredFile("tutorial.json", tutorial());
    const dry = await lvs(["director", "apply", ...sshArgs("director"), "--desired", f, "--dry-run"]);
    expect(dry.code).toBe(3);
    expect(dry.json.steps.map((s: { command: string }) => s.command)).toEqual([`ipvsadm -A -t ${vip}:80 -s rr`, ...env.realServers.slice(0, 2).map((r) => `ipvsadm -a -t ${vip}:80 -r ${r.address}:80 -g -w 1`)]);
    expect(await ssh("ipvsadm -S -n")).not.toContain(`-A -t ${vip}:80`);

    const r = await lvs(["director", "apply", ...sshArgs("director"), "--desired", f]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ ok: true, outcome: "succeeded", differences: [] });
    expect(r.json.after).toBe(await ssh("ipvsadm -S -n"));

    expect((await lvs(["director", "apply", ...sshArgs("director"), "--desired", f, "--dry-run"])).code).toBe(0);
    expect((await lvs(["director", "status", ...sshArgs("director"), "--desired", f])).code).toBe(0);

    await ssh(`ipvsadm -e -t ${vip}:80 -r ${env.realServers[0]!.address}:80 -g -w 7`);
    const drift = await lvs(["director", "status", ...sshArgs("director"), "--desired", f]);
    expect(drift.code).toBe(3);
    expect(drift.json.differences).toEqual([`service TCP ${vip}:80: real server ${env.realServers[0]!.address}:80: weight differ`]);
    expect((await lvs(["director", "apply", ...sshArgs("director"), "--desired", f])).code).toBe(0);
  });

  it("--prune deletes services the desired state does not name; without it they stay", async () => {
    await ssh("ipvsadm -A -t 10.78.0.204:80 -s wlc");
    const f = desiredFile("tutorial.json", tutorial());
    expect((await lvs(["director", "apply", ...sshArgs("director"), "--desired", f])).code).toBe(0);
    expect(await ssh("ipvsadm -S -n")).toContain("-A -t 10.78.0.204:80");
    const dry = await lvs(["director", "apply", ...sshArgs("director"), "--desired", f, "--prune", "--dry-run"]);
    expect(dry.code).toBe(3);
    expect(dry.json.steps.map((s: { command: string }) => s.command)).toContain("ipvsadm -D -t 10.78.0.204:80");
    await ssh("ipvsadm -D -t 10.78.0.204:80");
  });

  it("errors: refused desired state (exit 1, nothing sent), unknown / changed host key and wrong key (exit 4 with the code), usage (exit 2)", async () => {
    const hostile = desiredFile("hostile.json", { services: [{ protocol: "tcp", address: `${vip}; reboot`, port: 80 }] });
    const bad = await lvs(["director", "apply", ...sshArgs("director"), "--desired", hostile]);
    expect(bad.code).toBe(1);
    expect(bad.json.error.code).toBe("refused");
    expect(bad.json.error.issues[0].path).toBe("table.services.0.address");

    const empty = path.join(dir, "empty_known_hosts");
    fs.writeFileSync(empty, "");
    const unknown = await lvs(["director", "status", ...sshArgs("director", { knownHosts: empty })]);
    expect(unknown.code).toBe(4);
    expect(unknown.json.error.code).toBe("host-key-unknown");
    expect(unknown.json.error.fingerprint).toMatch(/^SHA256:/);

    const wrongPin = path.join(dir, "wrong_known_hosts");
    const rs1Line = fs.readFileSync(env.ssh.knownHostsPath, "utf8").split("\n").find((l) => l.startsWith(`${env.hosts.rs1!.address} ssh-ed25519 `))!;
    fs.writeFileSync(wrongPin, rs1Line.replace(env.hosts.rs1!.address, env.hosts.director.address) + "\n");
    const changed = await lvs(["director", "status", ...sshArgs("director", { knownHosts: wrongPin })]);
    expect(changed.code).toBe(4);
    expect(changed.json.error.code).toBe("host-key-changed");

    const stranger = generateKeypair(dir, "stranger");
    const auth = await lvs(["director", "status", ...sshArgs("director", { key: stranger.path })]);
    expect(auth.code).toBe(4);
    expect(auth.json.error.code).toBe("authentication-failed");
    expect(auth.out + auth.err).not.toContain("PRIVATE KEY");

    expect((await lvs(["director", "status", "--key", env.ssh.keyPath])).code).toBe(2);
    expect((await lvs(["director", "apply", ...sshArgs("director")])).code).toBe(2);
    expect((await lvs(["director", "status", ...sshArgs("director").map((a) => (a.startsWith("root@") ? "root@host;reboot" : a))])).code).toBe(2);
    expect((await lvs(["director", "frobnicate"])).code).toBe(2);
  });
});

describe("lvs rs", () => {
  it("status (not ready: exit 3), prepare (ready: exit 0), status (exit 0), undo (exit 0, VIP gone)", async () => {
    const a = sshArgs("rs1");
    await lvs(["rs", "undo", ...a, "--vip", vip]);
    const before = await lvs(["rs", "status", ...a, "--vip", vip, "--port", "80"]);
    expect(before.code).toBe(3);
    expect(before.json.verdicts[0].problems).toContain(`VIP ${vip} is not bound on lo`);
    const prep = await lvs(["rs", "prepare", ...a, "--vip", vip, "--mode", "dr", "--port", "80"]);
    expect(prep.code).toBe(0);
    expect(prep.json).toMatchObject({ ok: true, ready: true });
    expect(prep.json.events).toContain(`ok vip ${vip} bound`);
    expect((await lvs(["rs", "status", ...a, "--vip", vip])).code).toBe(0);
    const undo = await lvs(["rs", "undo", ...a, "--vip", vip]);
    expect(undo.code).toBe(0);
    expect(undo.json.events).toContain(`ok vip ${vip} removed`);
    expect((await lvs(["rs", "status", ...a, "--vip", vip])).code).toBe(3);
  });

  it("several VIPs, hostile values refused (exit 1), usage (exit 2), and the panel's rs verbs still go to the panel", async () => {
    const a = sshArgs("rs1");
    const two = await lvs(["rs", "status", ...a, "--vip", vip, "--vip", "10.78.0.151"]);
    expect(two.code).toBe(3);
    expect(two.json.verdicts.map((v: { vip: string }) => v.vip)).toEqual([vip, "10.78.0.151"]);
    for (const v of ["$(reboot)", `${vip}\nreboot`, "１０.78.0.100", "x".repeat(10_240)]) {
      const r = await lvs(["rs", "prepare", ...a, "--vip", v]);
      expect(r.code).toBe(1);
      expect(r.json.error.code).toBe("refused");
    }
    expect((await lvs(["rs", "prepare", ...a])).code).toBe(2);
    expect((await lvs(["rs", "prepare", ...a, "--vip", vip, "--mode", "nat"])).code).toBe(2);
    // `lvs rs add CLUSTER ...` is the panel's verb: without a login it says so (bin/commands/exit.ts)
    const remote = await lvs(["rs", "add", "lab", `${vip}:80`, env.hosts.rs1!.address]);
    expect(remote.code).toBe(EXIT.auth);
  });
});
