// The launcher's compiled commands (bin/fast-start.mjs) with the real esbuild, in a scratch package:
// built on the first run, reused while its inputs are unchanged, rebuilt when one changes, and null
// (the launcher then runs tsx) when the sources do not compile.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
// @ts-ignore plain ESM module without type declarations
import { fastMain } from "./fast-start.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-fast-start-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (f: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
  fs.writeFileSync(path.join(dir, f), text);
};
write("package.json", '{ "name": "scratch", "type": "module" }');
write("tsconfig.json", JSON.stringify({ compilerOptions: { paths: { "@/*": ["./*"] } } }));
write("bin/commands/main.ts", 'import { n } from "@/lib/n";\nexport async function main(): Promise<number> { return n; }\n');
write("lib/n.ts", "export const n: number = 1;\n");
// the scratch package finds tsx (and through it esbuild) where this one has it; its cache is its own
fs.mkdirSync(path.join(dir, "node_modules"));
fs.symlinkSync(path.join(ROOT, "node_modules/tsx"), path.join(dir, "node_modules/tsx"));

it("builds once, reuses the bundle while the inputs match, rebuilds when one changes, null when it cannot compile", async () => {
  expect(await (await fastMain(dir))()).toBe(1);
  const bundle = path.join(dir, "node_modules/.cache/lvs/main.mjs");
  const built = fs.statSync(bundle).mtimeMs;
  expect(Object.keys(JSON.parse(fs.readFileSync(path.join(dir, "node_modules/.cache/lvs/main.json"), "utf8")).inputs).sort())
    .toEqual([path.join(ROOT, "bin/fast-start.mjs"), "bin/commands/main.ts", "lib/n.ts"]);
  expect(await (await fastMain(dir))()).toBe(1);
  expect(fs.statSync(bundle).mtimeMs).toBe(built);
  write("lib/n.ts", "export const n: number = 22;\n");
  expect(await (await fastMain(dir))()).toBe(22);
  write("lib/n.ts", "export const n: number = ;\n");
  expect(await fastMain(dir)).toBeNull();
});
