// Adds up the runners' JSON reports into the one closing line CI reads.
import fs from "node:fs";
import path from "node:path";

// the first line of a failure, without the colours the runners put in it
const firstLine = (m) => (m ?? "").replace(/\x1b\[[0-9;]*m/g, "").split("\n")[0].slice(0, 300);

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
  // CI shows only the tail of the log: name each failure here, with the first line of its message.
  for (const t of r.testResults ?? []) {
    for (const a of t.assertionResults ?? []) {
      // a test that passed on its retry keeps the first attempt's error: name it too
      const flaky = a.status === "passed" && (a.failureMessages ?? []).length > 0;
      if (a.status !== "failed" && !flaky) continue;
      const why = firstLine(a.failureMessages?.[0]);
      console.log(`  ${flaky ? "PASSED ON RETRY" : "FAILED"} ${path.relative(process.cwd(), t.name)} › ${a.fullName}: ${why}`);
    }
  }
}
const e2e = read("e2e.json");
if (e2e) {
  const s = e2e.stats;
  passed += s.expected + s.flaky; failed += s.unexpected; skipped += s.skipped;
  console.log(`e2e: ${s.expected + s.flaky} passed, ${s.unexpected} failed`);
  for (const f of e2eFailures(e2e.suites ?? [])) console.log(`  FAILED ${f}`);
}
if (failedStages.length) console.log(`failed stages: ${failedStages.join(", ")}`);
console.log(`Total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || failedStages.length > 0 ? 1 : 0);

// Playwright nests suites (file › describe › test); a test failed when its last result did.
function e2eFailures(suites, trail = []) {
  const out = [];
  for (const suite of suites) {
    const here = suite.title ? [...trail, suite.title] : trail;
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const last = t.results?.[t.results.length - 1];
        if (t.status !== "unexpected" || !last) continue;
        const why = firstLine(last.error?.message);
        out.push(`[${t.projectName}] ${[...here, spec.title].join(" › ")}: ${why}`);
      }
    }
    out.push(...e2eFailures(suite.suites ?? [], here));
  }
  return out;
}
