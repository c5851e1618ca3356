// `npm start` after npm packages are present: secrets, migrations, build if stale, then the panel's server (scripts/next-server.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir, getSecret } from "../lib/secrets";
import { deploy } from "./migrate.mjs";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);
const nextBin = path.join(root, "node_modules/.bin/next");

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}`);
}

/** A hash of everything that goes into the build, so an unchanged tree is never rebuilt. */
export function sourceHash(): string {
  const h = crypto.createHash("sha256");
  const roots = ["app", "components", "lib", "public", "generated", "proxy.ts", "instrumentation.ts", "next.config.js", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];
  const walk = (p: string) => {
    if (!fs.existsSync(p)) return;
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) if (e !== "node_modules" && e !== "fixtures" && !e.endsWith(".test.ts")) walk(path.join(p, e));
    } else {
      h.update(p).update("\0").update(fs.readFileSync(p)).update("\0");
    }
  };
  roots.forEach(walk);
  return h.digest("hex");
}

async function main() {
  // Generated once into .data/ when the environment does not set them; env wins.
  process.env.NEXTAUTH_SECRET = getSecret("NEXTAUTH_SECRET");
  process.env.LVS_PANEL_KEY_SECRET = getSecret("LVS_PANEL_KEY_SECRET");
  const port = process.env.PORT ?? "3000";
  const host = process.env.HOSTNAME ?? "0.0.0.0";
  process.env.NEXTAUTH_URL ??= `http://localhost:${port}`;

  const applied: string[] = await deploy();
  console.log(applied.length ? `Database: applied ${applied.join(", ")}` : "Database: schema up to date");
  console.log(process.env.DATABASE_URL ? "Database: PostgreSQL (DATABASE_URL)" : `Database: embedded PGlite in ${path.relative(root, path.join(dataDir(), "pglite")) || "."} (set DATABASE_URL for PostgreSQL)`);

  const stamp = path.join(root, ".next/lvs-source-hash");
  const hash = sourceHash();
  if (!fs.existsSync(path.join(root, ".next/BUILD_ID")) || (fs.existsSync(stamp) ? fs.readFileSync(stamp, "utf8") : "") !== hash) {
    console.log("Building the panel (sources changed since the last build)…");
    run(nextBin, ["build"]);
    fs.writeFileSync(stamp, hash);
  }

  console.log(`LVS Panel: http://localhost:${port}  (first run: open it to create the admin account, or set ADMIN_EMAIL/ADMIN_PASSWORD)`);
  // The background worker (health checks, live poller, webhooks; lib/worker): its own process on
  // PostgreSQL, restarted if it dies; inside the web server on the embedded PGlite (one process
  // serves that database; instrumentation.ts starts it). LVS_PANEL_WORKER=off runs no worker here.
  let worker: ChildProcess | null = null;
  let stopping = false;
  const startWorkerProcess = () => {
    worker = spawn(process.execPath, ["--import", "tsx", path.join(root, "lib/worker/main.ts")], { stdio: "inherit" });
    worker.on("exit", (code, sig) => {
      if (stopping) return;
      console.error(`worker exited (${code ?? sig}); restarting in 2 s`);
      setTimeout(() => !stopping && startWorkerProcess(), 2000);
    });
  };
  if (process.env.LVS_PANEL_WORKER !== "off") {
    if (process.env.DATABASE_URL) startWorkerProcess();
    else process.env.LVS_PANEL_WORKER = "inprocess";
  }
  // Next's handler in our own HTTP server, so lib/view-cache can answer before it (scripts/next-server.ts).
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/next-server.ts")], { stdio: "inherit", env: { ...process.env, PORT: port, HOSTNAME: host } });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => { stopping = true; worker?.kill(sig); child.kill(sig); });
  child.on("exit", (code) => { stopping = true; worker?.kill("SIGTERM"); process.exit(code ?? 0); });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((e) => {
    console.error(`npm start failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
