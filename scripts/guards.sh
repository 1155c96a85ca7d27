#!/usr/bin/env bash
# npm run guards: the static checks, in two lanes side by side, each stopping at its first failure:
#   lint (type-aware ESLint, the longest: about 65 s here)
#   typecheck → format:check → deps:check → schema:check (the last needs Postgres; together about as long)
# Each is one core's work, so on two cores the lanes take the time of the longer one: about 70 s instead of
# 130 s one after another. Each lane's findings are printed when it ends, not interleaved; the run fails when
# either lane does. Run one alone with `npm run <name>`.
set -uo pipefail
cd "$(dirname "$0")/.."

lane() {
  for guard in "$@"; do
    start=$(date +%s)
    if ! npm run -s "$guard"; then
      echo "guard failed: npm run $guard" >&2
      return 1
    fi
    echo "guard ok: $guard ($(($(date +%s) - start)) s)"
  done
}

a=$(mktemp)
b=$(mktemp)
trap 'rm -f "$a" "$b"' EXIT
lane lint >"$a" 2>&1 &
lint=$!
lane typecheck format:check deps:check schema:check >"$b" 2>&1
other=$?
wait "$lint"
linted=$?
cat "$b" "$a"
[ "$other" -eq 0 ] && [ "$linted" -eq 0 ]
