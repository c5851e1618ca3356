// Spawns the real `lvs` launcher: `lvs convert` offline, exit codes and the notes on stderr.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FX = "test/fixtures/keepalived";
vi.setConfig({ testTimeout: 60_000 });
// no panel URL, no token: convert must not need them
const env = { PATH: process.env.PATH ?? "", HOME: mkdtempSync(path.join(tmpdir(), "lvs-home-")) } as unknown as NodeJS.ProcessEnv;
function lvs(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin/lvs.mjs"), ...args], { encoding: "utf8", cwd: ROOT, timeout: 30_000, env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const tmp = mkdtempSync(path.join(tmpdir(), "lvs-convert-"));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe("lvs convert", () => {
  it("keepalived → yaml: the document on stdout, notes (the vrrp_instance too) with FILE:LINE on stderr, exit 0", () => {
    const r = lvs(["convert", `${FX}/includes/keepalived.conf`, "--from", "keepalived", "--to", "yaml"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^version: 1\nservices:\n {2}- protocol: tcp\n {4}address: 10\.30\.0\.100\n/);
    expect(r.err.split("\n")).toEqual([
      `${FX}/includes/keepalived.conf:2: note: global_defs: not imported: keepalived's daemon settings (router_id, notification e-mail…) are not part of a cluster`,
      `${FX}/includes/conf.d/10-web.conf:2: note: delay_loop: not carried: this service has no checks`,
      `${FX}/includes/vrrp.inc:2: note: state: state MASTER: a keepalived.conf is one director's: set each director's priority on the Hosts page (the panel starts every director as BACKUP)`,
      `${FX}/includes/vrrp.inc:5: note: priority: priority 100: a keepalived.conf is one director's: set each director's priority on the Hosts page (the panel starts every director as BACKUP)`,
      "",
    ]);
    expect(lvs(["convert", `${FX}/includes/keepalived.conf`, "--from", "keepalived", "--to", "json", "--quiet"]).err).not.toContain("note:");
    expect(lvs(["convert", `${FX}/includes/keepalived.conf`, "--from", "keepalived", "--to", "json", "--verbose"]).err).toContain(`${FX}/includes/conf.d/10-web.conf:3: mapped: lb_algo: scheduler rr`);
  });
  it("a note repeated on every real server is given once, with the other lines", () => {
    const r = lvs(["convert", `${FX}/dr-seed.conf`, "--from", "keepalived", "--to", "json"]);
    expect(r.err).toContain(`${FX}/dr-seed.conf:14: note: TCP_CHECK: rise 1: keepalived puts a server back after one good check (also at line 20)\n`);
  });
  it("no equivalent: exit 1, every refusal named FILE:LINE, nothing on stdout", () => {
    const r = lvs(["convert", `${FX}/refused.conf`, "--from", "keepalived", "--to", "yaml"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    const refusals = r.err.split("\n").filter((l) => l.includes(": no equivalent: "));
    expect(refusals.map((l) => l.split(": ")[0])).toEqual([7, 8, 11, 15, 21, 26].map((n) => `${FX}/refused.conf:${n}`));
    expect(r.err).toContain(`${FX}/refused.conf: 6 directives without an equivalent: nothing converted`);
  });
  it("yaml → keepalived → json → yaml: the same document", () => {
    const y = lvs(["convert", `${FX}/quorum-sorry.conf`, "--from", "keepalived", "--to", "yaml", "--quiet"]).out;
    const k = lvs(["convert", file("c.yaml", y), "--from", "yaml", "--to", "keepalived"]);
    expect(k.code).toBe(0);
    expect(k.out).toContain("virtual_server 10.78.0.100 80 {");
    const j = lvs(["convert", file("c.conf", k.out), "--from", "keepalived", "--to", "json", "--quiet"]);
    const y2 = lvs(["convert", file("c.json", j.out), "--from", "json", "--to", "yaml"]);
    expect(y2.out).toBe(y);
  });
  it("a bad value: exit 1 naming FILE:LINE and the path", () => {
    const p = file("bad.yaml", "version: 1\nservices:\n  - protocol: tcp\n    address: 10.0.0.1\n    port: 80\n    realServers:\n      - address: 10.0.0.11\n        weight: -5\n");
    const r = lvs(["convert", p, "--from", "yaml", "--to", "keepalived"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${p}:8: services[0].realServers[0].weight: Too small: expected number to be >=0\n`);
  });
  it("export notes on stderr; usage errors exit 2", () => {
    const p = file("d.yaml", "version: 1\nservices:\n  - protocol: tcp\n    address: 10.0.0.1\n    port: 80\n    healthCheck: { rise: 2 }\n    realServers: [{ address: 10.0.0.11 }]\n");
    const r = lvs(["convert", p, "--from", "yaml", "--to", "keepalived"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`${p}: note: services[0].healthCheck.rise: rise 2: keepalived puts a server back after one good check\n`);
    expect(lvs(["convert", p, "--from", "yaml", "--to", "ini"]).code).toBe(2);
    expect(lvs(["convert", "--from", "yaml", "--to", "json"]).code).toBe(2);
    expect(lvs(["convert", path.join(tmp, "missing.conf"), "--from", "keepalived", "--to", "json"]).code).toBe(2);
  });
  it("--json-schema prints the published schema", () => {
    const r = lvs(["convert", "--json-schema"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).$id).toBe("/schemas/cluster.schema.json");
  });
});
