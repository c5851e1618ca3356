#!/usr/bin/env bash
# npm test: installs what the suite needs (apt, PostgreSQL, npm), then runs all of it:
# typecheck, unit tests, integration tests (real PostgreSQL, real sshd, the real IPVS lab),
# and the Playwright suite in Debian's Chromium against a production build on PostgreSQL, and the
# lab specs again against one on the embedded PGlite (playwright.config.ts: projects postgres, pglite).
# The exit code is the truth; the last line counts passed and failed tests.
set -uo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "npm test needs root (apt, network namespaces, the lab VM)" >&2; exit 2; }
source scripts/lib/system-deps.sh
source scripts/lib/npm-deps.sh
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1
RESULTS=.data/test-results
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
failed_stages=()
stage() { printf '\n=== %s ===\n' "$*"; }

stage "system packages"
set -e
# python3, make, g++: node-gyp builds the native addons (ssh2 crypto, cpu-features) for the pinned Node
# keepalived: the exported keepalived.conf is checked with the real keepalived --config-test
ensure_apt_packages chromium openssh-server openssh-client sudo iproute2 procps curl dash shellcheck python3 make g++ keepalived
ensure_postgres
[ -f lab/lab.sh ] && bash lab/lab.sh deps
ensure_npm_deps
ensure_prisma_client
set +e

ADMIN_URL=$(pg_admin_url)
export TEST_DATABASE_ADMIN_URL=$ADMIN_URL
# LVS_TEST_DB_SUFFIX (and E2E_PORT) let a second checkout run the suite beside this one.
DB_INT=lvs_test_integration${LVS_TEST_DB_SUFFIX:-}
DB_E2E=lvs_test_e2e${LVS_TEST_DB_SUFFIX:-}
fresh_database "$ADMIN_URL" "$DB_INT"
fresh_database "$ADMIN_URL" "$DB_E2E"
export TEST_DATABASE_URL="$ADMIN_URL/$DB_INT"

stage "typecheck"
node_modules/.bin/tsc --noEmit -p . || failed_stages+=(typecheck)

stage "unit tests"
node_modules/.bin/vitest run --project unit --reporter=default --reporter=json --outputFile.json="$RESULTS/unit.json" || failed_stages+=(unit)

stage "integration tests (real PostgreSQL, sshd, IPVS lab)"
lab_up=""
if [ -f lab/lab.sh ]; then
  if bash lab/lab.sh up; then lab_up=1; else failed_stages+=(lab-up); fi
fi
node_modules/.bin/vitest run --project integration --reporter=default --reporter=json --outputFile.json="$RESULTS/integration.json" || failed_stages+=(integration)

stage "end-to-end (Playwright, Chromium, production builds on PostgreSQL and on PGlite)"
E2E_DATABASE_URL="$ADMIN_URL/$DB_E2E" PLAYWRIGHT_JSON_OUTPUT_NAME="$RESULTS/e2e.json" \
  node_modules/.bin/playwright test --reporter=list,json || failed_stages+=(e2e)

# LVS_TEST_KEEP_LAB=1 leaves the lab up (while developing); CI takes it down.
if [ -n "$lab_up" ] && [ -z "${LVS_TEST_KEEP_LAB:-}" ]; then bash lab/lab.sh down || failed_stages+=(lab-down); fi

node scripts/test-summary.mjs "$RESULTS" "${failed_stages[@]}"
