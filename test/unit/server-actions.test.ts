// Every server action reads its form through formAction (lib/action-state.ts): formObject refuses a
// repeated field, and the permission is chosen from the PARSED input. Reading the raw FormData in an
// action (form.get picks the FIRST value, formObject the only one) is how `op=probe&op=undo` let a
// viewer undo DR, so no action may do it.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
function actionFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return actionFiles(p);
    return /\.tsx?$/.test(e.name) && /^["']use server["']/m.test(fs.readFileSync(p, "utf8")) ? [p] : [];
  });
}
const files = actionFiles(path.join(root, "app"));

describe("server actions", () => {
  it("are found", () => {
    expect(files.map((f) => path.relative(root, f))).toContain("app/actions/prepare.ts");
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of files) {
    const rel = path.relative(root, file);
    const src = fs.readFileSync(file, "utf8");
    it(`${rel} never reads the raw form`, () => {
      expect(src).not.toMatch(/\bform(Data)?\s*\.\s*(get|getAll|has|entries|keys|values|forEach)\s*\(/);
    });
    const actions = [...src.matchAll(/export async function (\w+)\s*\(([^)]*)\)[^{]*\{([\s\S]*?)\n\}/g)];
    for (const [, name, params, body] of actions) {
      it(`${rel} ${name} goes through formAction (or formObject), with its permission fixed or from the parsed input`, () => {
        expect(params).toMatch(/FormData/);
        expect(body).toMatch(/\bformAction\(|\bformObject\(/);
        for (const m of body!.matchAll(/formAction\(\s*([^,]+?),\s*\w/g)) expect(m[1]).toMatch(/^"[a-z-]+"$|^\(?\w+\)?\s*=>/);
      });
    }
  }
});
