// `node --import tsx lib/worker/main.ts`: the worker as its own process (what `npm start` runs beside
// `next start` when DATABASE_URL points at PostgreSQL). Logs one JSON line per event on stdout.
import { sshPool } from "@/lib/ssh";
import { startWorker } from "./start";

const w = await startWorker();
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await w.stop();
  await sshPool().close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
