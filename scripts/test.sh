#!/usr/bin/env bash
# npm test: unit and integration suites on real Postgres and Redis, from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || bash scripts/install-deps.sh
bash scripts/ensure-services.sh
bash scripts/ensure-tools.sh
# The static guards first (about a minute): a type error or a layering violation fails in seconds, not after
# the suites. SKIP_GUARDS=1 skips them (.ci/run, which has just run them).
[ "${SKIP_GUARDS:-}" = 1 ] || bash scripts/guards.sh
if grep -q "\"console:build\"" package.json; then
  # Each run builds the console into a folder of its own (the API serves CONSOLE_DIR): two runs in one
  # checkout never serve each other's half-written build. A CONSOLE_DIR given by the caller is used as is.
  if [ -z "${CONSOLE_DIR:-}" ]; then
    export CONSOLE_DIR="$PWD/var/console-run-$$"
    trap 'rm -rf "$CONSOLE_DIR"' EXIT
  fi
  npm run -s console:build -- --outDir "$CONSOLE_DIR" --emptyOutDir
fi
# Four jest workers on a 2-core machine: the suites isolate themselves (own database, own queue prefix)
# and wait on timers, Redis and the browser much of the time. Measured here: 603 s one at a time, 462 s two
# at a time; on a slower machine of the same kind, `.ci/run` took 949 s with two (jest 682 s) and 837 s with
# three (jest 627 s); on 2026-12-01 with three, jest took 712 s and `.ci/run` about 16 minutes, all passing.
# JEST_MAX_WORKERS overrides it (1 runs them one at a time).
npx jest --ci --maxWorkers="${JEST_MAX_WORKERS:-4}" "$@"
