// Test support: the lab's cluster "lab" registered into a test database by lab/register.ts (as an
// operator's `npm run lab -- register` does), with its hosts and an SSH target for the director.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { PrismaClient } from "@/generated/prisma/client";
import { targetFromHost } from "@/lib/host-target";

export async function registeredLab(prisma: PrismaClient, databaseUrl: string) {
  await promisify(execFile)(process.execPath, ["--import", "tsx", "lab/register.ts"], { env: { ...process.env, DATABASE_URL: databaseUrl } });
  const cluster = await prisma.cluster.findUniqueOrThrow({ where: { name: "lab" }, include: { hosts: { include: { sshKey: true } } } });
  const host = (name: string) => {
    const h = cluster.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`lab/register.ts made no host ${name}`);
    return h;
  };
  return { cluster, host, director: targetFromHost(host("director")) };
}
