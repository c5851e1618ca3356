#!/usr/bin/env bash
# npm start: install what is missing, then scripts/serve.ts (secrets, migrate, build if stale, serve).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/npm-deps.sh
ensure_npm_deps
ensure_prisma_client
exec node --import tsx scripts/serve.ts
