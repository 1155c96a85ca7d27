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
if npm run | grep -q "console:build"; then npm run -s console:build; fi
exec npx jest --ci "$@"
