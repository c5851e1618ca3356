// `node --import tsx lib/worker/main.ts`: the worker as its own process (what `npm start` runs beside
// `next start` when DATABASE_URL points at PostgreSQL). Logs one JSON line per event on stdout.
import { db } from "@/lib/db";
import { getSecret } from "@/lib/secrets";
import { sshPool } from "@/lib/ssh";
import { LocalLeadership, PgLeadership } from "./leader";
import { Worker, WORKER_DEFAULTS } from "./worker";

export async function startWorker(opts: { log?: (msg: string, extra?: Record<string, unknown>) => void } = {}) {
  process.env.LVS_PANEL_KEY_SECRET = getSecret("LVS_PANEL_KEY_SECRET");
  const log = opts.log ?? ((msg: string, extra?: Record<string, unknown>) => console.log(JSON.stringify({ at: new Date().toISOString(), pid: process.pid, msg, ...extra })));
  const prisma = await db();
  const url = process.env.DATABASE_URL;
  const leader = url ? new PgLeadership(url) : new LocalLeadership();
  const w = new Worker(prisma, sshPool(), leader, WORKER_DEFAULTS, log);
  w.start();
  log("worker started", { coordination: leader.kind });
  return w;
}

if (process.argv[1] && /lib\/worker\/main\.ts$/.test(process.argv[1])) {
  const w = await startWorker();
  const stop = async () => {
    await w.stop();
    await sshPool().close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}
