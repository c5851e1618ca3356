// `npm run lab -- register`: creates or refreshes a cluster named "lab" in the panel's database with
// the lab's director and real servers as hosts, the lab's SSH key (encrypted like any other) and
// their host keys pinned, so a new user can try the panel on a real cluster in two commands.
// Uses DATABASE_URL when set, else the embedded database in .data/ (stop `npm start` first then:
// the embedded database serves one process at a time).
import fs from "node:fs";
import { audit } from "@/lib/audit";
import { db } from "../lib/db";
import { algorithmOf, fingerprintOf } from "../lib/ssh";
import { putCluster } from "@/lib/data/clusters";
import { putHost } from "@/lib/data/hosts";
import { publicKeyFromPrivate, putSshKey } from "@/lib/data/ssh-keys";
// @ts-ignore plain ESM module without type declarations
import { deploy } from "../scripts/migrate.mjs";
import { labEnv, type LabHost } from "./env";

const CLUSTER = "lab";
const KEY_NAME = "lab";
const ACTOR = "lab register";

/** The ed25519 host key (the type the panel pins first), as fingerprint and algorithm. */
function pinnedKey(host: LabHost): { fingerprint: string; algorithm: string } {
  const line = host.hostKeys.find((k) => k.startsWith("ssh-ed25519 ")) ?? host.hostKeys[0];
  if (!line) throw new Error(`${host.name} has no host key in the lab's env`);
  const raw = Buffer.from(line.split(/\s+/)[1] ?? "", "base64");
  return { fingerprint: fingerprintOf(raw), algorithm: algorithmOf(raw) };
}

async function main() {
  const env = await labEnv();
  if (!env.up) throw new Error("the lab is down: run `npm run lab -- up` first");
  await deploy();
  const prisma = await db();
  const privateKey = fs.readFileSync(env.ssh.keyPath, "utf8");
  const publicKey = publicKeyFromPrivate(privateKey, `lvs-panel:${KEY_NAME}`);
  const hosts = [
    // director2 too with `lab up --directors 2` (a pair for director HA, which stays off until turned on)
    ...env.directors.map((host) => ({ host, role: "director" as const })),
    ...env.realServers.map((host) => ({ host, role: "real_server" as const })),
    { host: env.hosts.sorry, role: "real_server" as const },
  ];
  const summary = await prisma.$transaction(async (tx) => {
    const key = await putSshKey(tx, KEY_NAME, privateKey, publicKey);
    const cluster = await putCluster(tx, CLUSTER, `LVS-DR lab (${env.layout}-subnet layout, VIP ${env.vip.current})`);
    for (const { host, role } of hosts) {
      const pin = pinnedKey(host);
      await putHost(tx, cluster.id, host.name, { address: host.address, sshPort: host.sshPort ?? 22, sshUser: env.ssh.user, sshKeyId: key.id, role,
        hostKeyFingerprint: pin.fingerprint, hostKeyAlgorithm: pin.algorithm }, ACTOR);
    }
    const after = { cluster: CLUSTER, vip: env.vip.current, hosts: hosts.map(({ host, role }) => `${host.name} ${host.address} ${role}`) };
    await audit(tx, { actor: ACTOR, action: "lab.register", target: `cluster:${CLUSTER}`, after });
    return after;
  });
  console.log(JSON.stringify(summary, null, 2));
  console.log(`Registered cluster "${CLUSTER}" with ${hosts.length} hosts and SSH key "${KEY_NAME}" (host keys pinned).`);
  await prisma.$disconnect();
}

main().then(() => process.exit(0), (e) => {
  console.error(`lab register failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
