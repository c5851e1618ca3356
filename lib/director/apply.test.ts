// applyDirector's one-exec protocol, against a fake pool that plays the director's shell (no I/O):
// the script runs in the login shell (`eval`), the last ipvsadm is exec'd (its status is the exit
// status), and a login shell that runs nothing of it (fish, csh) gets the same script through `sh -c`.
import { describe, expect, it } from "vitest";
import type { ExecOptions, ExecResult, SshPool, SshTarget } from "@/lib/ssh";
import { applyDirector, ipvsCore } from "./index";

const HEAD = "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn\n  -> RemoteAddress:Port\n";
const THR_AFTER = `${HEAD}TCP  10.0.0.100:80 rr\n  -> 10.0.0.11:80                 0          0          0          0\n`;
const SAVE_AFTER = "-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1\n";
const desired = { services: [{ protocol: "tcp", address: "10.0.0.100", port: 80, scheduler: "rr", destinations: [{ address: "10.0.0.11", port: 80, forward: "route", weight: 1 }] }] };

/** Plays the script: prints the empty table, takes the step lines, prints the table after, exits with the last ipvsadm's status. */
function fakePool(loginShell: "posix" | "fish", calls: string[], wrote: string[]) {
  const play = async (body: string, opts: Omit<ExecOptions, "sudo">): Promise<ExecResult> => {
    const n = /^N=([0-9a-f]+)$/m.exec(body)![1]!;
    expect(body).toContain("exec ipvsadm -Ln --thresholds 2>&1");
    let out = "";
    let input = "";
    let ended = false;
    const emit = (s: string) => {
      out += s;
      opts.onStdout?.(s, { write: (x) => void (input += x), end: () => void (ended = true) });
    };
    emit(`\n@@${n} save\n`);
    emit(`\n@@${n}-rc 0\n@@${n} thresholds\n${HEAD}`);
    emit(`\n@@${n}-rc 0\n@@${n} ready\n4242\n`);
    expect(ended).toBe(true);
    wrote.push(input);
    input.split("\n").filter(Boolean).forEach((_, i) => emit(`\n@@${n} step-${i}\n\n@@${n}-rc 0\n`));
    emit(`\n@@${n} after-save\n${SAVE_AFTER}\n@@${n}-rc 0\n@@${n} after-thresholds\n${THR_AFTER}`);
    return { exitCode: 0, stdout: out, stderr: "", durationMs: 1 };
  };
  return {
    exec: async (_t: SshTarget, argv: readonly string[], opts: ExecOptions = {}) => {
      calls.push(`exec ${argv[0]}`);
      if (loginShell === "fish") return { exitCode: 127, stdout: "", stderr: "fish: Unknown command: eval\n", durationMs: 1 };
      return play(argv[1]!, opts);
    },
    script: async (_t: SshTarget, body: string, _args: readonly string[] = [], opts: Omit<ExecOptions, "sudo"> = {}) => {
      calls.push("script");
      return play(body, opts);
    },
  } as unknown as SshPool;
}

const target = (username: string, host: string) => ({ host, port: 22, username, hostKeyFingerprint: "SHA256:x" }) as unknown as SshTarget;

describe("applyDirector's single exec", () => {
  it("runs in the login shell, streams the steps, and takes the last read's status from the exit status", async () => {
    const calls: string[] = [], wrote: string[] = [];
    const r = await applyDirector(fakePool("posix", calls, wrote), target("root", "10.0.0.2"), ipvsCore, desired);
    expect(calls).toEqual(["exec eval"]);
    expect(wrote).toEqual(["ipvsadm -A -t 10.0.0.100:80 -s rr\nipvsadm -a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1\n"]);
    expect(r.outcome).toBe("succeeded");
    expect(r.after).toEqual({ save: SAVE_AFTER, thresholds: THR_AFTER });
    expect(r.differences).toEqual([]);
  });

  it("a login shell that is not POSIX runs nothing; the same script then goes through sh -c, and stays there for that target", async () => {
    const calls: string[] = [], wrote: string[] = [];
    const pool = fakePool("fish", calls, wrote);
    const t = target("root", "10.0.0.3");
    expect((await applyDirector(pool, t, ipvsCore, desired)).outcome).toBe("succeeded");
    expect((await applyDirector(pool, t, ipvsCore, desired)).outcome).toBe("succeeded");
    expect(calls).toEqual(["exec eval", "script", "script"]);
  });
});
