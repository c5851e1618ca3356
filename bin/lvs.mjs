#!/usr/bin/env node
// `lvs`: a tiny launcher. On a Node.js older than package.json's engines it re-runs itself on the
// pinned binary npm installed beside it (optionalDependencies node-linux-<arch>), or says what it
// needs; then runs the commands compiled into one file (bin/fast-start.mjs) or, failing that, registers
// tsx so the TypeScript commands run as they are, and dispatches.
// Plain JavaScript up to the version check, so an old node gets this far.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const pkgFile = fileURLToPath(new URL("../package.json", import.meta.url));
const engines = JSON.parse(fs.readFileSync(pkgFile, "utf8")).engines.node; // "^24.11.0"
const [major, minor] = /(\d+)\.(\d+)/.exec(engines).slice(1).map(Number);
const [have, haveMinor] = process.versions.node.split(".").map(Number);
if (have < major || (have === major && haveMinor < minor)) {
  let pinned = null;
  try {
    // resolved like any dependency, so a hoisted install is found too
    pinned = createRequire(pkgFile).resolve(`node-linux-${process.arch}/bin/node`);
  } catch {}
  if (!pinned) {
    process.stderr.write(`lvs needs Node.js ${engines} (this is ${process.version}): install Node.js ${major} LTS, or run \`npm install\` where this package is, which fetches it\n`);
    process.exit(1);
  }
  const r = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 1);
}

// V8's compiled code kept on disk between runs (a missing or read-only directory only loses the cache)
try {
  (await import("node:module")).enableCompileCache?.(fileURLToPath(new URL("../node_modules/.cache/lvs/v8", import.meta.url)));
} catch {}
// the commands as one compiled file when it is up to date (bin/fast-start.mjs), else through tsx
const { fastMain } = await import("./fast-start.mjs");
let main = await fastMain(fileURLToPath(new URL("..", import.meta.url)));
if (!main) {
  const { register } = await import("tsx/esm/api");
  // this package's tsconfig (its "@/…" paths), not one found from wherever the shell is
  register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
  ({ main } = await import("./commands/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
