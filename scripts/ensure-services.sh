#!/usr/bin/env bash
# Makes sure Postgres and Redis answer at DATABASE_URL / REDIS_URL (defaults: 127.0.0.1).
# Uses running servers when they answer; otherwise starts local ones, installing Debian's
# postgresql / redis-server first when absent. Says what it did. Idempotent.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bedlink}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

say() { echo "[services] $*"; }
SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"

pg_host_port() { node -e 'const u=new URL(process.argv[1]);console.log((u.hostname||"127.0.0.1")+" "+(u.port||5432))' "$DATABASE_URL"; }
redis_host_port() { node -e 'const u=new URL(process.argv[1]);console.log((u.hostname||"127.0.0.1")+" "+(u.port||6379))' "$REDIS_URL"; }
read -r PGH PGP < <(pg_host_port)
read -r RH RP < <(redis_host_port)

port_open() { (exec 3<>"/dev/tcp/$1/$2") >/dev/null 2>&1; }
apt_install() {
  say "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # host port name
  for _ in $(seq 1 60); do port_open "$1" "$2" && return 0; sleep 0.5; done
  say "$3 did not come up on $1:$2"; return 1
}

# ---------------------------------------------------------------- Postgres
if port_open "$PGH" "$PGP"; then
  say "postgres answers at $PGH:$PGP: using it"
else
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then apt_install postgresql; fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    say "starting postgres cluster $ver/main"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  else
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    data="${BEDLINK_PGDATA:-$PWD/var/pgdata}"
    say "starting a private postgres in $data"
    mkdir -p "$data"
    if [ ! -f "$data/PG_VERSION" ]; then
      if [ "$(id -u)" -eq 0 ]; then chown postgres "$data"; su postgres -c "$bin/initdb -D $data -A trust -U postgres" >/dev/null
      else "$bin/initdb" -D "$data" -A trust -U postgres >/dev/null; fi
    fi
    if [ "$(id -u)" -eq 0 ]; then su postgres -c "$bin/pg_ctl -D $data -o '-p $PGP -k /tmp' -l $data/log start" >/dev/null
    else "$bin/pg_ctl" -D "$data" -o "-p $PGP -k /tmp" -l "$data/log" start >/dev/null; fi
  fi
  wait_for "$PGH" "$PGP" postgres
  say "postgres started on $PGH:$PGP"
fi

# ---------------------------------------------------------------- Redis
if port_open "$RH" "$RP"; then
  say "redis answers at $RH:$RP: using it"
else
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  mkdir -p "$PWD/var/redis"
  # AOF everysec + noeviction: an acknowledged job must survive a crash and never be evicted.
  redis-server --daemonize yes --bind "$RH" --port "$RP" --appendonly yes --appendfsync everysec \
    --maxmemory-policy noeviction --dir "$PWD/var/redis" --logfile "$PWD/var/redis/redis.log"
  wait_for "$RH" "$RP" redis
  say "redis started on $RH:$RP"
fi
