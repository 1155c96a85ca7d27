#!/usr/bin/env bash
# npm test: unit and integration suites on real Postgres and Redis, from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || bash scripts/install-deps.sh
bash scripts/ensure-services.sh
bash scripts/ensure-tools.sh
if npm run | grep -q "console:build"; then npm run -s console:build; fi
exec npx jest --ci "$@"
