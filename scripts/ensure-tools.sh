#!/usr/bin/env bash
# Tools the test suite drives for real, installed from Debian's packages when absent:
# docker-compose (validates docker/compose.yml without a Docker engine), chromium-headless-shell (console
# tests) and pgbouncer (the engine behind a pooler in transaction mode, test/pgbouncer.e2e-spec.ts).
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
need=()
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then need+=(docker-compose); fi
# the console browser tests drive Debian's headless shell (no browser downloads); test/support/browser.ts says
# why the shell and not the full browser
[ -x /usr/lib/chromium/chromium-headless-shell ] || need+=(chromium-headless-shell)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
if [ ${#need[@]} -gt 0 ]; then
  echo "[tools] installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
