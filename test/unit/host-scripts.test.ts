// Every script the panel sends to a host, rendered with realistic parameters and checked as that
// host's /bin/sh will see it (dash on Debian): `dash -n` and `shellcheck -s sh`, on the exact text
// `SshPool.script` hands to `sh -c` (scriptText: with the SUDO= line, for root and for a sudo user).
// The one program run by bash (the health probes) is started with `bash` explicitly and checked as bash.
import { describe, expect, it } from "vitest";
import { lintBash, lintPosix } from "@/test/support/shell-lint";
import { scriptText } from "@/lib/ssh/quote";
import { effectiveCheck, type CheckSpec } from "@/lib/health/config";
import { PROBE, checkScript } from "@/lib/health/script";
import { applyScript, persistScript, probeScript, vipScript } from "@/lib/director/ops";
import { readDirectorScript } from "@/lib/director/read";
import { renderRsScript } from "@/lib/realserver/script";
import { HA_OPS_SCRIPT, HELPER, helperInstallScript } from "@/lib/ssh/helper";
import { behindScript, pushScript, readHaScript, stopScript } from "@/lib/director/ha";

const USERS = ["root", "lvspanel"];
/** The script as each kind of SSH user receives it; [] when dash and shellcheck are happy with all. */
const problems = (body: string) => USERS.flatMap((u) => lintPosix(scriptText(u, body)).map((p) => `as ${u}: ${p}`));

const N = "0123456789ab";
const row = { enabled: true, kind: "http" as const, port: null, path: "/health", hostHeader: null, expectStatus: "200-399", bodyContains: null, intervalMs: 1000, timeoutMs: 1500, rise: 2, fall: 3, runFrom: "director" as const, onFail: "quiesce" as const, quorum: 1 };
type Row = Omit<typeof row, "kind" | "hostHeader" | "bodyContains"> & { kind: "tcp" | "http" | "https"; hostHeader: string | null; bodyContains: string | null };
const spec = (o: Partial<Row>, rs: { id: string; address: string; port: number }) => effectiveCheck({ ...row, ...o } as Row, rs)!;
const CHECKS: Record<string, CheckSpec[]> = {
  "one TCP check (IPv4)": [spec({ kind: "tcp" }, { id: "rs1", address: "10.78.0.11", port: 80 })],
  "HTTP with Host and body substring (IPv4 + IPv6)": [
    spec({ hostHeader: "www.example.org", bodyContains: "ok it is up" }, { id: "rs1", address: "10.78.0.11", port: 80 }),
    spec({ hostHeader: "www.example.org", bodyContains: "ok it is up" }, { id: "rs2", address: "fd78::12", port: 8080 }),
  ],
  "HTTPS, TCP and HTTP mixed, several services": [
    spec({ kind: "https", path: "/status?full=1" }, { id: "a", address: "10.78.0.11", port: 443 }),
    spec({ kind: "https" }, { id: "b", address: "fd78::11", port: 443 }),
    spec({ kind: "tcp", timeoutMs: 300 }, { id: "c", address: "10.78.0.12", port: 25 }),
    spec({ expectStatus: "200,204" }, { id: "d", address: "10.78.0.13", port: 80 }),
  ],
};

describe("health round scripts (director)", () => {
  for (const [name, checks] of Object.entries(CHECKS)) {
    for (const poll of [false, true]) {
      it(`${name}, ${poll ? "with" : "without"} the counter poll`, () => {
        const s = checkScript(N, checks, { poll, table: true });
        for (const c of checks) expect(s).toContain(` ${c.kind} `);
        expect(problems(s)).toEqual([]);
      });
    }
  }
  it("no checks due: only the table and counters", () => {
    expect(problems(checkScript(N, [], { poll: true, table: true }))).toEqual([]);
  });
  it("the probe program is valid bash, and the round starts it only through `bash` after `command -v bash`", () => {
    expect(lintBash(PROBE)).toEqual([]);
    const s = checkScript(N, CHECKS["one TCP check (IPv4)"]!, { poll: false, table: true });
    expect(s.indexOf("command -v bash")).toBeGreaterThan(0);
    expect(s.indexOf("command -v bash")).toBeLessThan(s.indexOf('bash -c "$HC"'));
  });
});

describe("director scripts", () => {
  it("probe", () => expect(problems(probeScript(N))).toEqual([]));
  for (const counters of [false, true]) {
    for (const asRoot of [true, false]) {
      it(`apply (counters ${counters}, ${asRoot ? "root" : "sudo user"})`, () => expect(lintPosix(applyScript(N, counters, asRoot))).toEqual([]));
    }
  }
  const vips = [{ vip: "10.78.0.100" }, { vip: "10.78.0.100", iface: "lo" }, { vip: "fd78::100", iface: "eth0" }, { vip: "10.78.2.100", iface: "eth0.100" }, { vip: "fd78::100", iface: "lo" }];
  for (const v of vips) {
    for (const op of ["bind", "unbind"] as const) it(`VIP ${op} ${v.vip} on ${v.iface ?? "eth0"}`, () => expect(problems(vipScript(v, op))).toEqual([]));
  }
  for (const f of ["auto", "debian", "rhel", "systemd", "none"] as const) it(`persistence (${f})`, () => expect(problems(persistScript(N, f))).toEqual([]));
  // with the director VIP unit: written (VIPs) or removed (none)
  for (const v of [[{ vip: "10.78.0.100", iface: "eth0" }, { vip: "fd78::100", iface: "eth0" }], []]) {
    it(`persistence (auto) with ${v.length} director VIP(s)`, () => expect(problems(persistScript(N, "auto", v))).toEqual([]));
  }
  for (const c of [{ stats: true, rate: true }, { stats: false, rate: false }, { stats: true, rate: false }]) {
    it(`live read (stats ${c.stats}, rate ${c.rate})`, () => expect(problems(readDirectorScript(N, c))).toEqual([]));
  }
});

describe("real-server script (sent over SSH and exported for download: the same text)", () => {
  const variants = {
    "DR, one VIP": { vips: ["10.78.0.100"] },
    "DR, two VIPs, iface, port, director": { vips: ["10.78.0.100", "10.78.2.100"], iface: "eth0", port: 80, director: "10.78.0.2" },
    "DR, VLAN iface, UDP": { vips: ["192.0.2.10"], iface: "eth0.100", port: 53, protocol: "udp" as const },
    "TUN": { vips: ["10.78.0.100"], mode: "tunnel" as const, iface: "eth0", port: 80 },
    "NAT": { vips: ["10.78.0.100"], mode: "masq" as const, director: "10.78.0.2", port: 80 },
  };
  for (const [name, p] of Object.entries(variants)) {
    it(name, () => {
      const s = renderRsScript(p);
      expect(problems(s)).toEqual([]);
      expect(lintPosix(s)).toEqual([]); // as downloaded: no SUDO= line (the script decides itself)
    });
  }
});

describe("the sudo helper", () => {
  it("the helper itself (run by sudo as /bin/sh) and its install script", () => {
    expect(lintPosix(HELPER)).toEqual([]);
    expect(problems(helperInstallScript("lvspanel"))).toEqual([]);
    expect(() => helperInstallScript("x; rm -rf /")).toThrow(/not a user name/);
  });
});

describe("director HA scripts", () => {
  it("push, behind, read, stop, and the HA operations run as root", () => {
    expect(problems(pushScript())).toEqual([]);
    expect(problems(behindScript(true))).toEqual([]);
    expect(problems(behindScript(false))).toEqual([]);
    expect(problems(readHaScript(N))).toEqual([]);
    expect(problems(stopScript())).toEqual([]);
    expect(lintPosix(HA_OPS_SCRIPT)).toEqual([]);
  });
});

describe("the checks can fail", () => {
  it("bash-isms and syntax errors are reported", () => {
    expect(lintPosix("f() { local x=${EPOCHREALTIME/./}; [[ $x == 1 ]] && echo \"$x\"; }\nf\n").join("\n")).toMatch(/SC3043|SC3060|SC3010/);
    expect(lintPosix("if then\n").join("\n")).toMatch(/dash -n/);
    expect(lintBash("read -r -N 1 x < /dev/null; echo \"$x\"\n")).toEqual([]);
  });
});
