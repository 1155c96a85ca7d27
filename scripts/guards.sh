#!/usr/bin/env bash
# npm run guards: the static checks, fastest-to-fix first, stopping at the first that fails:
#   typecheck → lint → format:check → deps:check → schema:check (the last needs Postgres).
# Each prints its own findings; this prints how long each took. Run one alone with `npm run <name>`.
set -euo pipefail
cd "$(dirname "$0")/.."
for guard in typecheck lint format:check deps:check schema:check; do
  start=$(date +%s)
  if ! npm run -s "$guard"; then
    echo "guard failed: npm run $guard" >&2
    exit 1
  fi
  echo "guard ok: $guard ($(($(date +%s) - start)) s)"
done
