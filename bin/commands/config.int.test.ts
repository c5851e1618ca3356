// The config-as-code verbs of `lvs` against the panel's router in this process (its fetch is the
// router itself) on real PostgreSQL: export, apply -f twice (the second stores nothing), a bad value
// refused naming FILE:LINE and the path with exit 7 and nothing sent, diff -f, versions, rollback,
// import keepalived (preview; --yes stores). The cluster has no director here: every plan says so
// (exit 1); the lab test plans and applies against a real one.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleApi } from "@/lib/api/routes";
import { inProcessApi } from "@/lib/api/testing/in-process";
import { userWithToken } from "@/lib/api/testing/panel";
import { migratedDatabase } from "@/test/support/database";
import { applyFileCommand, diffCommand, exportCommand, importCommand, rollbackCommand, versionsCommand } from "./config";
import { EXIT } from "./exit";
import { processIo, UsageError, type Command } from "./io";
import { applyCommand, type RemoteDeps } from "./remote";

let ctx: Awaited<ReturnType<typeof migratedDatabase>>;
let token = "";
let dir = "";
const call = inProcessApi(() => token);
const deps = (): RemoteDeps => ({ env: { LVS_URL: "http://127.0.0.1", LVS_TOKEN: token, HOME: dir } as unknown as NodeJS.ProcessEnv, fetch: (async (u: string | URL | Request, init?: RequestInit) => handleApi(new Request(u, init))) as typeof fetch });

async function lvs(cmd: Command, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  // a UsageError is exit 2, as main.ts makes it
  const code = await cmd.run(args, { ...processIo, out: (t) => void (out += t), err: (t) => void (err += t) })
    .catch((e) => { if (e instanceof UsageError) return EXIT.usage; throw e; });
  return { code, out, err };
}
const versions = async () => (await call("GET", "/clusters/git/versions")).body.versions as Array<{ number: number; source: string }>;

beforeAll(async () => {
  ctx = await migratedDatabase("lvs_config_cli");
  process.env.DATABASE_URL = ctx.url;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-config-cli-"));
  token = (await userWithToken(ctx.prisma, "op@example.test", "operator", { name: "git" })).token;
  expect((await call("POST", "/clusters", { name: "git" })).status).toBe(201);
}, 300_000);
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const YAML = `version: 1
cluster:
  name: git
services:
  - protocol: tcp
    address: 10.9.9.100
    port: 80
    scheduler: rr
    realServers:
      - address: 10.9.9.11
      - address: 10.9.9.12
        weight: 2
`;

describe("lvs export / apply -f / diff -f / versions / rollback / import", () => {
  it("apply -f stores the file as a version; the second run stores nothing; export gives it back", async () => {
    const file = path.join(dir, "cluster.yaml");
    fs.writeFileSync(file, YAML);
    const apply = applyFileCommand(applyCommand(deps()), deps());
    const first = await lvs(apply, ["-f", file]);
    expect(first.out).toMatch(/^stored as version 2:\n {2}add TCP 10\.9\.9\.100:80\n/);
    // no director: the plan says so and the verb fails (nothing was pushed)
    expect(first.code).toBe(EXIT.failed);
    expect(first.out).toContain("This cluster has no director");
    const second = await lvs(apply, ["-f", file]);
    expect(second.out).toMatch(/^desired state of git: no change \(version 2\)\n/);
    expect((await versions()).length).toBe(2);
    const exported = await lvs(exportCommand(deps()), ["git"]);
    expect(exported.code).toBe(EXIT.ok);
    fs.writeFileSync(path.join(dir, "exported.yaml"), exported.out);
    expect((await lvs(apply, ["-f", path.join(dir, "exported.yaml")])).out).toMatch(/no change/);
    const kconf = await lvs(exportCommand(deps()), ["git", "--format", "keepalived"]);
    expect(kconf.out).toMatch(/virtual_server 10\.9\.9\.100 80 \{[\s\S]*lb_algo rr/);
    expect((await lvs(exportCommand(deps()), ["git", "--format", "xml"])).code).toBe(EXIT.usage);
  });

  it("a bad value: FILE:LINE: path: message, exit 7, nothing sent or changed", async () => {
    const file = path.join(dir, "bad.yaml");
    fs.writeFileSync(file, YAML.replace("weight: 2", "weight: -2"));
    const before = await versions();
    for (const cmd of [applyFileCommand(applyCommand(deps()), deps()), diffCommand(deps())]) {
      const r = await lvs(cmd, ["-f", file]);
      expect(r.code).toBe(EXIT.refused);
      expect(r.err).toContain(`${file}:12: services[0].realServers[1].weight: Too small`);
      expect(r.out).toBe("");
    }
    expect(await versions()).toEqual(before);
  });

  it("diff -f: the desired-state changes, then the plan", async () => {
    const file = path.join(dir, "next.yaml");
    fs.writeFileSync(file, YAML.replace("weight: 2", "weight: 0"));
    const r = await lvs(diffCommand(deps()), ["-f", file]);
    expect(r.out).toContain("~ TCP 10.9.9.100:80: real server 10.9.9.12:80 weight 2 → 0\n");
    expect(r.out).toContain("# then on the directors");
    expect(r.code).toBe(EXIT.failed); // the plan has a host error (no director)
    expect((await versions()).length).toBe(2);
  });

  it("versions and rollback", async () => {
    const file = path.join(dir, "next.yaml");
    await lvs(applyFileCommand(applyCommand(deps()), deps()), ["-f", file]);
    const list = await lvs(versionsCommand(deps()), ["git"]);
    expect(list.code).toBe(EXIT.ok);
    expect(list.out).toMatch(/^v3 .* op@example\.test \(API token git\) {2}\(cli\)\n {4}TCP 10\.9\.9\.100:80: real server 10\.9\.9\.12:80 weight 2 → 0\n/);
    const rb = await lvs(rollbackCommand(deps()), ["git", "v2"]);
    expect(rb.out).toMatch(/^rolled back to v2 as version 4:\n/);
    expect((await versions())[0]).toMatchObject({ number: 4, source: "rollback" });
    expect((await lvs(rollbackCommand(deps()), ["git", "99"])).code).toBe(EXIT.notFound);
    expect((await lvs(rollbackCommand(deps()), ["git", "latest"])).code).toBe(EXIT.usage);
  });

  it("import keepalived: the preview names FILE:LINE; nothing stored without --yes; a refusal is exit 1", async () => {
    const file = path.join(dir, "keepalived.conf");
    fs.writeFileSync(path.join(dir, "rs.conf"), "real_server 10.9.9.21 80 {\n  weight 4\n  inhibit_on_failure\n}\n");
    fs.writeFileSync(file, "virtual_server 10.9.9.200 80 {\n  lb_algo wlc\n  lb_kind DR\n  protocol TCP\n  include rs.conf\n}\n");
    const n = (await versions()).length;
    const preview = await lvs(importCommand(deps()), ["keepalived", file, "--cluster", "git"]);
    expect(preview.code).toBe(EXIT.ok);
    expect(preview.out).toContain("+ add TCP 10.9.9.200:80");
    expect(preview.out).toContain("nothing stored: run again with --yes");
    expect((await versions()).length).toBe(n);
    const yes = await lvs(importCommand(deps()), ["keepalived", file, "--cluster", "git", "--yes"]);
    expect(yes.out).toMatch(/stored as version \d+/);
    expect((await versions())[0]!.source).toBe("import");
    fs.writeFileSync(file, "virtual_server 10.9.9.201 80 {\n  lb_kind DR\n  bogus_directive 1\n}\n");
    const refused = await lvs(importCommand(deps()), ["keepalived", file, "--cluster", "git", "--yes"]);
    expect(refused.code).toBe(EXIT.failed);
    expect(refused.err).toContain(`${file}:3`);
  });
});
