import { describe, expect, it } from "vitest";
import { encryptSecret } from "@/lib/crypto";
import { UserError } from "@/lib/errors";
import { keyOf, keysFor, targetWithKeys, type HostForTarget } from "@/lib/operations/targets";

const SECRET = "targets-unit-test-secret";
process.env.LVS_PANEL_KEY_SECRET = SECRET;

const host = (name: string, sshKeyId: string | null): HostForTarget =>
  ({ name, address: `10.0.0.${name.length}`, sshPort: 22, sshUser: "root", hostKeyFingerprint: "SHA256:x", hostKeyAlgorithm: "ssh-ed25519", sshKeyId });

/** A stand-in for prisma.sshKey that records each findMany. */
function fakeKeys(rows: Array<{ id: string; privateKey: string }>) {
  const calls: unknown[] = [];
  const sshKey = {
    findMany: async (args: { where: { id: { in: string[] } } }) => {
      calls.push(args);
      return rows.filter((r) => args.where.id.in.includes(r.id));
    },
  };
  return { prisma: { sshKey } as never, calls };
}

describe("keysFor: the keys of many hosts in one query", () => {
  it("asks once, for each key id once, and maps key id → encrypted key", async () => {
    const { prisma, calls } = fakeKeys([{ id: "k1", privateKey: "sealed-1" }, { id: "k2", privateKey: "sealed-2" }, { id: "k3", privateKey: "sealed-3" }]);
    const keys = await keysFor(prisma, [host("a", "k1"), host("b", "k2"), host("c", "k1"), host("d", null)]);
    expect(calls).toEqual([{ where: { id: { in: ["k1", "k2"] } }, select: { id: true, privateKey: true } }]);
    expect([...keys]).toEqual([["k1", { privateKey: "sealed-1" }], ["k2", { privateKey: "sealed-2" }]]);
  });

  it("does not query when no host has a key", async () => {
    const { prisma, calls } = fakeKeys([]);
    expect((await keysFor(prisma, [host("a", null)])).size).toBe(0);
    expect((await keysFor(prisma, [])).size).toBe(0);
    expect(calls).toEqual([]);
  });
});

describe("keyOf / targetWithKeys", () => {
  it("refuses a host without a key, and one whose key is gone, with targetFor's messages", () => {
    const keys = new Map([["k1", { privateKey: "sealed" }]]);
    expect(() => keyOf(host("rs1", null), keys)).toThrow(new UserError("Host rs1 has no SSH key: give it one on the Hosts page."));
    expect(() => keyOf(host("rs2", "gone"), keys)).toThrow(new UserError("Host rs2's SSH key no longer exists."));
    expect(keyOf(host("rs3", "k1"), keys)).toEqual({ privateKey: "sealed" });
  });

  it("builds the SshTarget with the key decrypted (through lib/host-target)", () => {
    const pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nunit\n-----END OPENSSH PRIVATE KEY-----\n";
    const h = host("rs1", "k1");
    const t = targetWithKeys(h, new Map([["k1", { privateKey: encryptSecret(pem, SECRET) }]]));
    expect(t).toMatchObject({ host: h.address, port: 22, username: "root", hostKeyFingerprint: "SHA256:x", hostKeyAlgorithm: "ssh-ed25519" });
    expect(t.key.reveal()).toEqual({ privateKey: pem });
  });
});
