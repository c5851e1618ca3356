// Starting the worker: as its own process (lib/worker/main.ts, PostgreSQL) or inside the web server
// (embedded PGlite: one process serves that database, so the web server runs the worker too).
import { db } from "@/lib/db";
import { getSecret } from "@/lib/secrets";
import { sshPool } from "@/lib/ssh";
import { LocalLeadership, PgLeadership } from "./leader";
import { Worker, WORKER_DEFAULTS, type WorkerLog } from "./worker";

const g = globalThis as unknown as { lvsPanelWorker?: Promise<Worker> };

export function startWorker(opts: { log?: WorkerLog } = {}): Promise<Worker> {
  g.lvsPanelWorker ??= (async () => {
    process.env.LVS_PANEL_KEY_SECRET = getSecret("LVS_PANEL_KEY_SECRET");
    const log: WorkerLog = opts.log ?? ((msg, extra) => console.log(JSON.stringify({ at: new Date().toISOString(), pid: process.pid, worker: true, msg, ...extra })));
    const prisma = await db();
    const url = process.env.DATABASE_URL;
    const leader = url ? new PgLeadership(url) : new LocalLeadership();
    const w = new Worker(prisma, sshPool(), leader, WORKER_DEFAULTS, log);
    w.start();
    log("worker started", { coordination: leader.kind });
    return w;
  })();
  return g.lvsPanelWorker;
}

/** For instrumentation.ts: starts the worker in the web server when `npm start` asked for it (PGlite). */
export async function startInProcessWorkerIfAsked(): Promise<void> {
  if (process.env.LVS_PANEL_WORKER === "inprocess") await startWorker();
}
