// lib/keepalived and lib/declarative stay pure: files come through an injected ConfigReader.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const LIB = path.resolve(import.meta.dirname, "..");
const sources = (dir: string): string[] => readdirSync(path.join(LIB, dir), { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path.join(dir, e.name)] : []);

describe("no I/O", () => {
  for (const f of [...sources("keepalived"), ...sources("declarative")])
    it(f, () => {
      const imports = [...readFileSync(path.join(LIB, f), "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1]!);
      expect(imports.filter((i) => i.startsWith("node:") || ["fs", "child_process", "net", "os", "path"].includes(i) || i.includes("/ssh") || i.includes("/db"))).toEqual([]);
    });
});
