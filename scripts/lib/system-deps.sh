# Shared helpers for installing Debian packages and making sure PostgreSQL answers.

apt_updated=""
ensure_apt_packages() {
  local missing="" p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "Installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_updated" ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

pg_answers() { pg_isready -q -h 127.0.0.1 -p "${PGPORT:-5432}" 2>/dev/null; }

# PostgreSQL at 127.0.0.1:5432: use it if it answers, start it if installed, install it if absent.
ensure_postgres() {
  command -v pg_isready >/dev/null || ensure_apt_packages postgresql-client
  pg_answers && return 0
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then ensure_apt_packages postgresql; fi
  local ver; ver=$(ls /etc/postgresql | sort -V | tail -1)
  echo "Starting PostgreSQL $ver"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do pg_answers && return 0; sleep 1; done
  echo "PostgreSQL does not answer at 127.0.0.1:5432" >&2
  return 1
}

# A superuser URL that works here: trust auth (CI), else give the postgres role a password once.
pg_admin_url() {
  if psql "postgresql://postgres@127.0.0.1:5432/postgres" -tAc 'select 1' >/dev/null 2>&1; then
    echo "postgresql://postgres@127.0.0.1:5432"; return
  fi
  if ! psql "postgresql://postgres:postgres@127.0.0.1:5432/postgres" -tAc 'select 1' >/dev/null 2>&1; then
    su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  fi
  echo "postgresql://postgres:postgres@127.0.0.1:5432"
}

# Drops and recreates a database so every run starts from nothing.
fresh_database() {
  local admin=$1 name=$2
  psql "$admin/postgres" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
  psql "$admin/postgres" -qc "CREATE DATABASE $name" >/dev/null
}
