// lib/ssh against a real OpenSSH sshd on 127.0.0.1 (no mocks).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestSshd, ensureSudoUser, generateKeypair, type Keypair } from "@/test/support/sshd";
import { PrivateKey, SshError, SshPool, fetchHostKey, shQuote, type SshTarget } from "@/lib/ssh";

let sshd: TestSshd;
let keys: string;
let good: Keypair;
let stranger: Keypair;
const SUDO_USER = "lvspaneltest";
let sudoUser: { user: string } | { skip: string };
const pools: SshPool[] = [];
const pool = (o?: ConstructorParameters<typeof SshPool>[0]) => {
  const p = new SshPool(o);
  pools.push(p);
  return p;
};

function target(over: Partial<SshTarget> = {}): SshTarget {
  return { host: sshd.host, port: sshd.port, username: "root", key: new PrivateKey(good.privateKey), hostKeyFingerprint: sshd.hostKey.fingerprint, hostKeyAlgorithm: "ssh-ed25519", ...over };
}

async function rejection(p: Promise<unknown>): Promise<SshError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SshError) return e;
    throw e;
  }
  throw new Error("expected the promise to reject");
}

beforeAll(async () => {
  keys = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-keys-"));
  good = generateKeypair(keys, "panel");
  stranger = generateKeypair(keys, "stranger");
  sudoUser = ensureSudoUser(SUDO_USER, [`${SUDO_USER} ALL=(root) NOPASSWD: /usr/bin/id`]);
  sshd = await TestSshd.start({ authorized: { root: [good.publicKey], [SUDO_USER]: [good.publicKey] } });
});

afterAll(async () => {
  for (const p of pools) await p.close();
  await sshd?.stop();
  fs.rmSync(keys, { recursive: true, force: true });
});

describe("host keys", () => {
  it("fetches the fingerprint ssh-keygen -lf prints, without authenticating", async () => {
    const k = await fetchHostKey(sshd.host, sshd.port);
    expect(k.fingerprint).toBe(sshd.hostKey.fingerprint);
    expect(k.algorithm).toBe("ssh-ed25519");
    expect(sshd.log).not.toMatch(/Accepted publickey/);
  });

  it("refuses a host whose key was never trusted, and says what it presented", async () => {
    const e = await rejection(pool().exec(target({ hostKeyFingerprint: null, hostKeyAlgorithm: null }), ["true"]));
    expect(e.code).toBe("host-key-unknown");
    expect(e.details.fingerprint).toBe(sshd.hostKey.fingerprint);
  });

  it("refuses a changed host key loudly", async () => {
    const other = generateKeypair(keys, "other-host");
    const e = await rejection(pool().exec(target({ hostKeyFingerprint: other.fingerprint }), ["true"]));
    expect(e.code).toBe("host-key-changed");
    expect(e.details.expectedFingerprint).toBe(other.fingerprint);
    expect(e.details.fingerprint).toBe(sshd.hostKey.fingerprint);
    expect(e.message).toMatch(/HOST KEY CHANGED/);
  });

  it("runs on a trusted host and returns exit code, stdout, stderr and duration", async () => {
    const r = await pool().exec(target(), ["sh", "-c", "echo out; echo err >&2"]);
    expect(r).toMatchObject({ exitCode: 0, stdout: "out\n", stderr: "err\n" });
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it("a key the host does not know gives authentication-failed", async () => {
    const e = await rejection(pool().exec(target({ key: new PrivateKey(stranger.privateKey) }), ["true"]));
    expect(e.code).toBe("authentication-failed");
  });
});

describe("pool", () => {
  it("uses one connection for many commands and bounds the channels per host", async () => {
    const before = (sshd.log.match(/Accepted publickey/g) ?? []).length;
    const p = pool({ maxChannelsPerHost: 4 });
    const t = target();
    const runs = await Promise.all(Array.from({ length: 24 }, () => p.exec(t, ["sh", "-c", "date +%s%N; sleep 0.2; date +%s%N"])));
    const after = (sshd.log.match(/Accepted publickey/g) ?? []).length;
    expect(after - before).toBe(1);
    expect(p.stats(t).connectsMade).toBe(1);
    // Concurrency as the server saw it: the most intervals overlapping at any instant.
    const spans = runs.map((r) => r.stdout.trim().split("\n").map(BigInt) as [bigint, bigint]);
    const edges = spans.flatMap(([a, b]) => [[a, 1], [b, -1]] as const).sort((x, y) => (x[0] === y[0] ? x[1] - y[1] : x[0] < y[0] ? -1 : 1));
    let cur = 0;
    let peak = 0;
    for (const [, d] of edges) peak = Math.max(peak, (cur += d));
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThanOrEqual(2); // it does multiplex
    expect(p.stats(t).peakActive).toBe(4);
  });

  it("times a command out, kills the channel, and the connection stays usable", async () => {
    const p = pool();
    const t = target();
    const e = await rejection(p.exec(t, ["sleep", "30"], { timeoutMs: 400 }));
    expect(e.code).toBe("timeout");
    expect(e.details.phase).toBe("command");
    const r = await p.exec(t, ["echo", "still here"]);
    expect(r.stdout).toBe("still here\n");
    expect(p.stats(t).connectsMade).toBe(1);
  });

  it("a non-zero exit is command-failed with the output attached; okExitCodes accepts it", async () => {
    const p = pool();
    const e = await rejection(p.exec(target(), ["sh", "-c", "echo nope >&2; exit 3"]));
    expect(e.code).toBe("command-failed");
    expect(e.details).toMatchObject({ exitCode: 3, stderr: "nope\n" });
    const r = await p.exec(target(), ["sh", "-c", "exit 3"], { okExitCodes: [0, 3] });
    expect(r.exitCode).toBe(3);
  });

  it("ipvsadm on a kernel without IPVS is ipvs-unavailable", async () => {
    // This machine's kernel has no IPVS (the lab director has): the real tool's real answer.
    if (fs.existsSync("/proc/net/ip_vs")) return expect(fs.existsSync("/usr/sbin/ipvsadm")).toBe(true);
    const e = await rejection(pool().exec(target(), ["ipvsadm", "-Ln"]));
    expect(e.code).toBe("ipvs-unavailable");
  });

  it("runs a script with arguments, stdin, and an interactive exchange on one channel", async () => {
    const p = pool();
    const r = await p.script(target(), 'printf "%s|%s|" "$1" "$2"; cat', ["a b", "c'd"], { stdin: "from stdin" });
    expect(r.stdout).toBe("a b|c'd|from stdin");
    let seen = "";
    const r2 = await p.script(target(), 'echo READY; read -r answer; echo "got $answer"', [], {
      onStdout: (text, io) => {
        seen += text;
        if (seen.includes("READY\n")) {
          io.write("42\n");
          io.end();
        }
      },
    });
    expect(r2.stdout).toBe("READY\ngot 42\n");
  });

  it("sshd dying mid-command gives unreachable; while down, unreachable; back up, it reconnects", async () => {
    const p = pool({ connectAttempts: 2, backoffMs: 100 });
    const t = target();
    await p.exec(t, ["true"]);
    const running = rejection(p.exec(t, ["sleep", "20"]));
    await new Promise((r) => setTimeout(r, 300));
    await sshd.kill();
    const e = await running;
    expect(e.code).toBe("unreachable");
    expect(e.details.phase).toBe("command");
    const e2 = await rejection(p.exec(t, ["true"]));
    expect(e2.code).toBe("unreachable");
    expect(e2.details.phase).toBe("connect");
    await sshd.restart();
    const r = await p.exec(t, ["echo", "back"]);
    expect(r.stdout).toBe("back\n");
    expect(p.stats(t).connectsMade).toBe(2);
  });
});

describe("quoting through a real shell", () => {
  const hostile = [
    "; touch /tmp/lvs-pwned-1",
    "$(touch /tmp/lvs-pwned-2)",
    "`touch /tmp/lvs-pwned-3`",
    "a\nb; touch /tmp/lvs-pwned-4",
    "it's \"quoted\" \\ back",
    "ünïcödé ✓ 雪 \u202e",
    "$HOME ${PATH} * ? [a] ~ & | > < ! #",
    "-n",
    "",
    "'",
    "x".repeat(10_240),
  ];
  it.each(hostile.map((s, i) => [i, s] as const))("round-trips hostile word #%i unchanged and runs nothing", async (_i, word) => {
    const r = await pool().exec(target(), ["printf", "%s", word]);
    expect(r.stdout).toBe(word);
    for (let n = 1; n <= 4; n++) expect(fs.existsSync(`/tmp/lvs-pwned-${n}`)).toBe(false);
  });
  it("quotes inside a script's arguments too", async () => {
    const r = await pool().script(target(), 'for a in "$@"; do printf "[%s]" "$a"; done', hostile.slice(0, 6));
    expect(r.stdout).toBe(hostile.slice(0, 6).map((s) => `[${s}]`).join(""));
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe("sudo -n for non-root users", () => {
  const skip = () => ("skip" in sudoUser ? sudoUser.skip : null);
  it("runs allowed commands as root through sudo -n, in exec and in scripts", async (ctx) => {
    if (skip()) ctx.skip(skip()!);
    const p = pool();
    const t = target({ username: SUDO_USER });
    expect((await p.exec(t, ["id", "-u"])).stdout.trim()).not.toBe("0");
    expect((await p.exec(t, ["id", "-u"], { sudo: true })).stdout.trim()).toBe("0");
    expect((await p.script(t, "$SUDO id -u")).stdout.trim()).toBe("0");
  });
  it("a command sudoers does not allow is permission-denied", async (ctx) => {
    if (skip()) ctx.skip(skip()!);
    const e = await rejection(pool().exec(target({ username: SUDO_USER }), ["cat", "/etc/shadow"], { sudo: true }));
    expect(e.code).toBe("permission-denied");
  });
});

describe("private keys stay private", () => {
  it("never appear in JSON, strings, inspect output or errors", async () => {
    const t = target({ key: new PrivateKey(stranger.privateKey) });
    const needle = stranger.privateKey.split("\n")[1]!.slice(0, 30);
    const e = await rejection(pool().exec(t, ["true"]));
    for (const s of [JSON.stringify(t), String(t.key), inspect(t, { depth: 5 }), JSON.stringify(e), String(e), inspect(e, { depth: 5 }), e.stack ?? ""]) {
      expect(s).not.toContain(needle);
      expect(s).not.toContain("PRIVATE KEY");
    }
  });
});
