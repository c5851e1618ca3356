// Host-key pinning against a real sshd and a real PostgreSQL: the pin outlives the host (delete and
// re-add at the same address:port must not turn a changed key into a "new" one an operator may
// trust), and re-trusting a changed key closes the pooled session made under the old pin.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestSshd, generateKeypair, type Keypair } from "@/test/support/sshd";
import { migratedDatabase } from "@/test/support/database";

process.env.LVS_PANEL_KEY_SECRET ??= "hostkeys-int-test-secret";
const { encryptSecret } = await import("@/lib/crypto");
const { createHost, deleteHost } = await import("@/lib/data/hosts");
const { presentedKey, trustHostKey } = await import("@/lib/operations/host-keys");
const { pool, targetFor } = await import("@/lib/operations/targets");

const OPERATOR = { email: "olga@example.test", role: "operator" as const };
const ADMIN = { email: "ada@example.test", role: "admin" as const };
let sshd: TestSshd;
let dir: string;
let panelKey: Keypair;
let database: Awaited<ReturnType<typeof migratedDatabase>>;
let clusterId: string;
let sshKeyId: string;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-hostkeys-"));
  panelKey = generateKeypair(dir, "panel");
  sshd = await TestSshd.start({ authorized: { root: [panelKey.publicKey] } });
  database = await migratedDatabase("lvs_hostkeys_auth");
  const p = database.prisma;
  clusterId = (await p.cluster.create({ data: { name: "pins" } })).id;
  sshKeyId = (await p.sshKey.create({ data: { name: "panel", publicKey: panelKey.publicKey, privateKey: encryptSecret(panelKey.privateKey) } })).id;
});
afterAll(async () => {
  await pool().close();
  await sshd?.stop();
  await database?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const addHost = (name: string, cluster = clusterId) =>
  createHost(database.prisma, OPERATOR.email, { clusterId: cluster, name, address: sshd.host, sshPort: sshd.port, sshUser: "root", sshKeyId, role: "real_server" });

describe("host-key pins by address:port", () => {
  it("a host deleted and added again at the same address with ANOTHER key is a changed key: operators are refused", async () => {
    const first = await addHost("rs1");
    expect((await presentedKey(database.prisma, first.id)).status).toBe("new");
    await trustHostKey(database.prisma, OPERATOR, first.id, sshd.hostKey.fingerprint);
    const trusted = sshd.hostKey.fingerprint;
    await deleteHost(database.prisma, OPERATOR.email, first.id);

    await sshd.replaceHostKey(); // the man in the middle answers on the same address:port
    expect(sshd.hostKey.fingerprint).not.toBe(trusted);
    const again = await addHost("rs1");
    const seen = await presentedKey(database.prisma, again.id);
    expect(seen).toMatchObject({ status: "changed", pinned: trusted, fingerprint: sshd.hostKey.fingerprint });
    await expect(trustHostKey(database.prisma, OPERATOR, again.id, sshd.hostKey.fingerprint)).rejects.toThrow(/HOST KEY CHANGED.*Only an admin can accept a changed key/);
    expect((await database.prisma.host.findUniqueOrThrow({ where: { id: again.id } })).hostKeyFingerprint).toBeNull();

    // an admin accepts it deliberately: the host and the address now carry the new pin, audited as a retrust
    await expect(trustHostKey(database.prisma, ADMIN, again.id, sshd.hostKey.fingerprint)).resolves.toMatchObject({ changed: true });
    expect(await database.prisma.knownHostKey.findMany()).toMatchObject([{ address: "127.0.0.1", port: sshd.port, fingerprint: sshd.hostKey.fingerprint, trustedBy: ADMIN.email }]);
    expect(await database.prisma.auditEvent.count({ where: { action: "host-key.retrust", actor: ADMIN.email } })).toBe(1);
  });

  it("the same address in another cluster with the SAME key stays an ordinary trust", async () => {
    const other = (await database.prisma.cluster.create({ data: { name: "pins-b" } })).id;
    const h = await addHost("rs1", other);
    expect((await presentedKey(database.prisma, h.id)).status).toBe("new");
    await expect(trustHostKey(database.prisma, OPERATOR, h.id, sshd.hostKey.fingerprint)).resolves.toMatchObject({ changed: true });
    await database.prisma.cluster.delete({ where: { id: other } });
  });

  it("re-trusting a changed key closes the pooled SSH session made under the old pin", async () => {
    const own = (await database.prisma.cluster.create({ data: { name: "pins-pool" } })).id;
    const h = await addHost("rs-pool", own);
    await trustHostKey(database.prisma, ADMIN, h.id, sshd.hostKey.fingerprint);
    const oldTarget = await targetFor(database.prisma, await database.prisma.host.findUniqueOrThrow({ where: { id: h.id } }));
    expect((await pool().exec(oldTarget, ["echo", "ok"])).stdout.trim()).toBe("ok");
    expect(pool().stats(oldTarget).connected).toBe(true);

    const sessions = await sshd.replaceHostKey(); // the old session stays up on the old listener's process
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.every(alive)).toBe(true);
    await trustHostKey(database.prisma, ADMIN, h.id, sshd.hostKey.fingerprint);

    expect(pool().stats(oldTarget).connected).toBe(false);
    const deadline = Date.now() + 10_000;
    while (sessions.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(sessions.filter(alive)).toEqual([]); // sshd saw the client close it
    // and the new pin works
    const h2 = await database.prisma.host.findUniqueOrThrow({ where: { id: h.id } });
    expect(h2.hostKeyFingerprint).toBe(sshd.hostKey.fingerprint);
    expect((await pool().exec(await targetFor(database.prisma, h2), ["echo", "ok"])).stdout.trim()).toBe("ok");
  });
});
