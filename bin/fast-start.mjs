// The commands compiled once into one JavaScript file, so a run starts without TypeScript hooks: tsx's
// hooks on every module (zod's and yaml's hundreds included) were most of an `lvs` run's startup.
// node_modules/.cache/lvs/ holds the bundle and the size and mtime of every file it was built from; a
// run whose inputs all match imports it, else rebuilds it (esbuild, tsx's own compiler). Packages stay
// external: node loads them as installed (bundling zod and yaml in made the file 5x larger and the start
// slower). Any failure returns null: the caller runs tsx as before.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const SELF = fileURLToPath(import.meta.url);

const stamp = (file) => {
  const s = fs.statSync(file);
  return `${s.size}:${s.mtimeMs}`;
};

function fresh(metaFile, root) {
  try {
    const meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
    return Object.entries(meta.inputs).every(([f, st]) => stamp(path.resolve(root, f)) === st);
  } catch {
    return false;
  }
}

async function build(root, entry, out, metaFile) {
  const esbuild = createRequire(createRequire(path.join(root, "package.json")).resolve("tsx/package.json"))("esbuild");
  const tmp = `${out}.${process.pid}.tmp.mjs`;
  const r = await esbuild.build({
    entryPoints: [entry], outfile: tmp, bundle: true, platform: "node", format: "esm", target: "node24", packages: "external",
    tsconfig: path.join(root, "tsconfig.json"), absWorkingDir: root, metafile: true, logLevel: "silent",
  });
  // this file too (by its own path): how the bundle is built is one of its inputs
  const inputs = Object.fromEntries([...Object.keys(r.metafile.inputs), SELF].map((f) => [f, stamp(path.resolve(root, f))]));
  // renames: a concurrent run sees the old pair or the new one, never half a file
  fs.renameSync(tmp, out);
  fs.writeFileSync(`${metaFile}.${process.pid}`, JSON.stringify({ inputs }));
  fs.renameSync(`${metaFile}.${process.pid}`, metaFile);
}

/** `main` of bin/commands/main.ts from the bundle (built when missing or stale), or null. */
export async function fastMain(root) {
  if (process.env.LVS_NO_BUNDLE) return null;
  try {
    const dir = path.join(root, "node_modules/.cache/lvs");
    const out = path.join(dir, "main.mjs"), metaFile = path.join(dir, "main.json");
    if (!fresh(metaFile, root)) {
      fs.mkdirSync(dir, { recursive: true });
      await build(root, path.join(root, "bin/commands/main.ts"), out, metaFile);
    }
    return (await import(`${pathToFileURL(out).href}?${stamp(out)}`)).main;
  } catch {
    return null;
  }
}
