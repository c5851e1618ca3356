// Adds up the runners' JSON reports into the one closing line CI reads.
import fs from "node:fs";
import path from "node:path";

const [dir, ...failedStages] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;
const read = (f) => { try { return JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")); } catch { return null; } };
for (const f of ["unit.json", "integration.json"]) {
  const r = read(f);
  if (!r) continue;
  // A file that fails to load has no failed test in it, yet nothing in it ran: count it as one failure.
  const brokenFiles = (r.testResults ?? []).filter((t) => t.status === "failed" && !(t.assertionResults ?? []).some((a) => a.status === "failed"));
  for (const t of brokenFiles) console.log(`could not run ${t.name}: ${(t.message ?? "").split("\n")[0]}`);
  const fileFailures = r.numFailedTests + brokenFiles.length;
  passed += r.numPassedTests; failed += fileFailures; skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  console.log(`${f.replace(".json", "")}: ${r.numPassedTests} passed, ${fileFailures} failed`);
}
const e2e = read("e2e.json");
if (e2e) {
  const s = e2e.stats;
  passed += s.expected + s.flaky; failed += s.unexpected; skipped += s.skipped;
  console.log(`e2e: ${s.expected + s.flaky} passed, ${s.unexpected} failed`);
}
if (failedStages.length) console.log(`failed stages: ${failedStages.join(", ")}`);
console.log(`Total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || failedStages.length > 0 ? 1 : 0);
