// The worker runs as a plain Node.js process (tsx, not Next): a module of its import graph marked
// "server-only" throws there at import time, and the worker then restarts forever doing nothing
// (health checks, webhooks, director HA's poll all stop). Imported here the way scripts/serve.ts starts it.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

describe("the worker's import graph", () => {
  it("loads under plain Node.js (no server-only module in it)", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "-e",
      'import("./lib/worker/worker.ts").then(() => console.log("loaded"))'], { cwd: root, timeout: 60_000 });
    expect(stdout.trim()).toBe("loaded");
  }, 90_000);
});
