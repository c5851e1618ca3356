// Spawns the real `lvs` launcher (node bin/lvs.mjs) on the real fixtures.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { fx, FIXTURES } from "../../lib/ipvs/testing/fixtures";

const ROOT = path.resolve(import.meta.dirname, "../..");
// Each case spawns the real launcher (node + tsx, ~0.5 s cold, more on a loaded 2-core machine).
vi.setConfig({ testTimeout: 60_000 });
function lvs(args: string[], input = "") {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin/lvs.mjs"), ...args], { input, encoding: "utf8", cwd: ROOT, timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const tmp = mkdtempSync(path.join(tmpdir(), "lvs-cli-"));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe("lvs parse", () => {
  it("save → the issue's JSON shape", () => {
    const r = lvs(["parse", "save"], fx("save.txt"));
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(["services"]);
    expect(j.services).toHaveLength(25);
    const web = j.services.find((s: { address: string; port: number }) => s.address === "10.77.0.100" && s.port === 80);
    expect(Object.keys(web)).toEqual(["protocol", "family", "address", "port", "fwmark", "scheduler", "persistent", "netmask", "ops", "pe", "flags", "destinations"]);
    expect(web).toMatchObject({ protocol: "tcp", family: "inet", fwmark: null, persistent: null, flags: [] });
    expect(Object.keys(web.destinations[0])).toEqual(["address", "port", "forward", "weight", "upperThreshold", "lowerThreshold", "tunnelType", "tunnelPort", "tunnelCsum"]);
    const fwm = j.services.find((s: { fwmark: number | null }) => s.fwmark === 4294967295);
    expect(fwm).toMatchObject({ protocol: "fwmark", address: null, port: null });
  });
  it("list / stats / rate / thresholds / persistent-conn / tun-info carry the counters in camelCase", () => {
    const list = JSON.parse(lvs(["parse", "list"], fx("list.txt")).out);
    expect(Object.keys(list.services[1].destinations[0])).toEqual(["address", "port", "forward", "weight", "upperThreshold", "lowerThreshold", "tunnelType", "tunnelPort", "tunnelCsum", "activeConns", "inactConns"]);
    const stats = JSON.parse(lvs(["parse", "stats"], fx("stats-exact.txt")).out);
    const udp = stats.services.find((s: { port: number; protocol: string }) => s.protocol === "udp" && s.port === 5060);
    expect(udp).toMatchObject({ conns: 1, inPkts: 14000, outPkts: 0, inBytes: 112392000, outBytes: 0, scheduler: null });
    expect(Object.keys(udp.destinations[0]).slice(-5)).toEqual(["conns", "inPkts", "outPkts", "inBytes", "outBytes"]);
    const rate = JSON.parse(lvs(["parse", "rate"], fx("rate-exact.txt")).out);
    expect(Object.keys(rate.services[0]).filter((k) => ["cps", "inPps", "outPps", "inBps", "outBps"].includes(k))).toEqual(["cps", "inPps", "outPps", "inBps", "outBps"]);
    const th = JSON.parse(lvs(["parse", "thresholds"], fx("thresholds.txt")).out);
    expect(th.services.flatMap((s: { destinations: Array<{ upperThreshold: number }> }) => s.destinations).some((d: { upperThreshold: number }) => d.upperThreshold === 2000000000)).toBe(true);
    expect(lvs(["parse", "persistent-conn"], fx("persistent-conn.txt")).out).toContain('"persistConns":');
    expect(lvs(["parse", "tun-info"], fx("tun-info.txt")).out).toContain('"tunnelType":"gue","tunnelPort":6080,"tunnelCsum":"nocsum"');
    expect(lvs(["parse", "list"], fx("tun-info.txt")).code).toBe(0);
  });
  it("conns", () => {
    const j = JSON.parse(lvs(["parse", "conns"], fx("conns-persistent.txt")).out);
    expect(Object.keys(j)).toEqual(["connections"]);
    expect(Object.keys(j.connections[0]).slice(0, 6)).toEqual(["protocol", "expire", "state", "source", "virtual", "destination"]);
    expect(j.connections.some((c: { peData: string | null }) => c.peData === "fixture-call-1@10.77.0.50")).toBe(true);
  });
  it("unparseable input: exit 1 with line N on stderr", () => {
    const r = lvs(["parse", "stats"], fx("list.txt"));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe('line 3: this is ipvsadm -Ln list output, expected stats: "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"\n');
    const s = lvs(["parse", "save"], "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.0.11:80 -w lots\n");
    expect(s.code).toBe(1);
    expect(s.err).toMatch(/^line 2: weight "lots" is not an integer 0..2147483647: /);
    expect(lvs(["parse", "conns"], "nonsense\n").err).toMatch(/^line 1: /);
  });
  it("usage errors: exit 2", () => {
    for (const args of [[], ["parse"], ["parse", "bogus"], ["parse", "save", "extra"], ["parse", "--pretty"], ["frobnicate"]]) {
      const r = lvs(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/usage/);
    }
    expect(lvs(["help"]).code).toBe(0);
    expect(lvs(["help"]).out).toMatch(/lvs parse save\|list\|stats/);
  });
});

describe("lvs plan", () => {
  const desired = file("desired.json", JSON.stringify({
    services: [
      { protocol: "tcp", address: "10.77.0.100", port: 80, scheduler: "wrr", destinations: [{ address: "10.77.0.11", weight: 1 }, { address: "10.77.0.13", port: 8080, weight: 4 }] },
    ],
  }));
  const actual = path.join(FIXTURES, "save.txt");
  it("prints the commands, one per line, leaving other services alone", () => {
    const r = lvs(["plan", "--desired", desired, "--actual", actual]);
    expect(r.code).toBe(0);
    expect(r.out).toBe([
      "ipvsadm -E -t 10.77.0.100:80 -s wrr",
      "ipvsadm -a -t 10.77.0.100:80 -r 10.77.0.13:80 -g -w 4",
      "ipvsadm -d -t 10.77.0.100:80 -r 10.77.0.12:80",
      "",
    ].join("\n"));
    expect(r.err).toMatch(/note: services.0.destinations.1.port: real server 10.77.0.13:8080: port 8080 becomes 80/);
  });
  it("--graceful drains first, --prune removes the rest, --restore prints a batch", () => {
    const g = lvs(["plan", "--desired", desired, "--actual", actual, "--graceful"]);
    expect(g.out).toContain("ipvsadm -e -t 10.77.0.100:80 -r 10.77.0.12:80 -g -w 0\n");
    expect(g.err).toMatch(/draining: TCP 10.77.0.100:80 -> 10.77.0.12:80 \(active connections unknown: pass --conns\)/);
    const c = lvs(["plan", "--desired", desired, "--actual", actual, "--graceful", "--conns", path.join(FIXTURES, "list.txt")]);
    expect(c.err).toMatch(/draining: TCP 10.77.0.100:80 -> 10.77.0.12:80 \(\d+ active\)/);
    const p = lvs(["plan", "--desired", desired, "--actual", actual, "--prune"]);
    expect(p.out.split("\n").filter((l) => l.startsWith("ipvsadm -D ")).length).toBe(24);
    expect(p.out).toContain("ipvsadm -D -f 4294967295\n");
    const b = lvs(["plan", "--desired", desired, "--actual", actual, "--restore"]);
    expect(b.out.split("\n")[0]).toBe("-E -t 10.77.0.100:80 -s wrr");
  });
  it("in sync → prints nothing", () => {
    // the real table, minus what a form may not create: marks >= 2^31 (renumbered), the 0.0.0.24 mask and
    // the IPv4-mapped VIP (the kernel takes it; the panel refuses it as typed input)
    const saveText = fx("roundtrip-save.txt").replace("-f -1 ", "-f 91 ").replace("-f -2147483648 ", "-f 94 ").replace(" -M 0.0.0.24", "")
      .split("\n").filter((l) => !l.includes("[::ffff:")).join("\n");
    const save = file("same.txt", saveText);
    const same = file("same.json", lvs(["parse", "save"], saveText).out);
    const r = lvs(["plan", "--desired", same, "--actual", save]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    // with --thresholds the actual side has the -x/-y the save text lost; the desired (from -S) has none
    const th = file("th.txt", require_th(path.join(FIXTURES, "roundtrip-thresholds.txt")));
    const t = lvs(["plan", "--desired", same, "--actual", save, "--thresholds", th]).out.trim().split("\n");
    expect(t).toHaveLength(4);
    expect(t.every((l) => l.startsWith("ipvsadm -e ") && !l.includes(" -x "))).toBe(true);
  });
  it("bad desired JSON: exit 1 naming the field", () => {
    const bad = file("bad.json", JSON.stringify({ services: [{ protocol: "tcp", address: "10.0.0.1", port: 80, destinations: [{ address: "10.0.0.2", weight: -3 }] }] }));
    const r = lvs(["plan", "--desired", bad, "--actual", actual]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${bad}: services.0.destinations.0.weight: weight must be a whole number 0..2147483647\n`);
    expect(lvs(["plan", "--desired", file("nojson.json", "{"), "--actual", actual]).code).toBe(1);
  });
  it("bad actual: exit 1 with line N", () => {
    const r = lvs(["plan", "--desired", desired, "--actual", path.join(FIXTURES, "list.txt")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\nline 1: .*list.txt: expected -A \(service\) or -a \(real server\)/);
  });
  it("usage errors: exit 2", () => {
    expect(lvs(["plan"]).code).toBe(2);
    expect(lvs(["plan", "--desired", desired]).code).toBe(2);
    expect(lvs(["plan", "--desired", desired, "--actual", "/nonexistent/x"]).code).toBe(2);
    expect(lvs(["plan", "--desired", desired, "--actual", actual, "--force"]).code).toBe(2);
    expect(lvs(["plan", "--desired", desired, "--actual", actual, "--prune=yes"]).code).toBe(2);
    expect(lvs(["plan", "--desired", desired, "--desired", desired, "--actual", actual]).code).toBe(2);
  });
});

describe("lvs director / rs (SSH verbs): options, checked before anything connects", () => {
  it("--vip repeats, other options may not; unknown options and missing ones are usage errors (exit 2)", () => {
    const cases: Array<[string[], RegExp]> = [
      [["rs", "status", "--vip", "10.0.0.1", "--vip=10.0.0.2"], /--target is required/], // both --vip accepted
      [["rs", "status", "--target", "root@rs1"], /--vip is required/],
      [["rs", "status", "--vip", "10.0.0.1", "--mode", "dr", "--mode", "tun"], /--mode given twice/],
      [["rs", "status", "--vip"], /--vip needs a value/],
      [["rs", "status", "--vip", "10.0.0.1", "--mode", "nat"], /--mode is dr or tun/],
      [["rs", "status", "--vip", "10.0.0.1", "extra"], /unexpected argument "extra"/],
      [["director", "status", "--target", "a@b", "--target", "a@c"], /--target given twice/],
      [["director", "status", "--vip", "10.0.0.1"], /unknown option --vip/],
      [["director", "apply", "--target", "a@b"], /--desired FILE.json is required/],
      [["director", "status", "--dry-run"], /unknown option --dry-run/],
      [["director", "apply", "--dry-run=yes"], /--dry-run takes no value/],
      [["director", "status", "--target", "root@[::ffff:10.0.0.2]"], /--target host must not be an IPv4-mapped IPv6 address \(::ffff:a\.b\.c\.d\): use the IPv4 address/],
      [["rs", "status", "--target", "root@rs1", "--vip", "10.0.0.1", "--port", " 80"], /--port must be a number 1..65535/],
    ];
    for (const [args, message] of cases) {
      const r = lvs(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err, args.join(" ")).toMatch(message);
    }
  });
});

function require_th(p: string): string {
  // the thresholds listing of the same table, with the two negative fwmarks renumbered like the save text above
  // and without the IPv4-mapped service (its line and its real servers' lines)
  const text = fx(path.basename(p)).replace("FWM  -1 ", "FWM  91 ").replace("FWM  -2147483648 ", "FWM  94 ").replace(" mask 0.0.0.24", "");
  let skip = false;
  return text.split("\n").filter((l) => (l.startsWith("  ->") ? !skip : ((skip = l.includes("[::ffff:")), !skip))).join("\n");
}

describe("lvs on the machine's node", () => {
  // The node the machine has (npm's bootstrap needs one): the first on PATH outside this checkout.
  const machineNode = (process.env.PATH ?? "").split(path.delimiter)
    .filter((d) => d && !path.resolve(d).startsWith(path.join(ROOT, "node_modules")))
    .map((d) => path.join(d, "node")).find((f) => existsSync(f));
  it("runs on the pinned Node.js when the machine's is older than engines, and says which", () => {
    expect(machineNode).toBeDefined();
    const machineVersion = spawnSync(machineNode!, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
    const [major, minor] = machineVersion.split(".").map(Number);
    const old = major! < 24 || (major === 24 && minor! < 11);
    const r = spawnSync(machineNode!, [path.join(ROOT, "bin/lvs.mjs"), "--version"], { encoding: "utf8", cwd: tmp, timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`(Node.js ${old ? process.version : `v${machineVersion}`}, `);
    // the pinned one runs the rest: a real command through the relaunch
    const parsed = spawnSync(machineNode!, [path.join(ROOT, "bin/lvs.mjs"), "parse", "save"], { input: fx("save.txt"), encoding: "utf8", timeout: 30_000 });
    expect(parsed.status).toBe(0);
    expect(JSON.parse(parsed.stdout).services).toHaveLength(25);
  });
  it("resolves its own imports from any directory (an installed `lvs` runs wherever the shell is)", () => {
    // lib/director's "@/…" imports come from this package's tsconfig, not the cwd's; port 1 refuses
    const keyFile = path.join(tmp, "id_ed25519");
    expect(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile]).status).toBe(0);
    const r = spawnSync(machineNode!, [path.join(ROOT, "bin/lvs.mjs"), "director", "status", "--target", "root@127.0.0.1:1", "--key", keyFile, "--known-hosts", file("known_hosts", "")],
      { encoding: "utf8", cwd: tmp, timeout: 30_000 });
    expect(r.stderr).not.toContain("ERR_MODULE_NOT_FOUND");
    expect(r.status).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe("unreachable");
  });
});
