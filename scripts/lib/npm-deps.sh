# Shared by start.sh and test.sh.
# npm ci is not usable here (the registry lacks some other-platform optional packages): npm install
# leaves the lockfile unchanged. Browsers never come from a CDN: Debian's chromium is used.
ensure_npm_deps() {
  if [ ! -x node_modules/.bin/next ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "Installing npm packages…"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error
  fi
}

# Prisma's native engines cannot be downloaded here; generate never runs the engine, so /bin/false is safe.
ensure_prisma_client() {
  if [ ! -f generated/prisma/client.ts ] || [ prisma/schema.prisma -nt generated/prisma/client.ts ]; then
    PRISMA_SCHEMA_ENGINE_BINARY=/bin/false node_modules/.bin/prisma generate >/dev/null
  fi
}
