#!/usr/bin/env bash
# npm start: the whole engine on a seeded demo district, from a fresh clone.
# Installs dependencies if needed, ensures Postgres and Redis (using running ones, else starting
# local ones), runs migrations, seeds the demo district, builds the console when present, compiles
# the engine (npm run build, when dist/ is missing or older than the sources), then runs the API and
# the worker from dist/ as two processes until Ctrl-C: the compiled build, as production and the
# Dockerfile run it (no transpiler loaded at run time: less memory, faster start).
set -euo pipefail
cd "$(dirname "$0")/.."
# Migrations run as the owner; the API, the worker and the seed as the runtime role the migrations
# create (it may only append to and read the audit log). Its password comes from DATABASE_URL.
# Setting only DATABASE_URL (as before) runs everything as that user.
if [ -z "${DATABASE_URL:-}" ]; then
  export MIGRATION_DATABASE_URL="${MIGRATION_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bedlink}"
  export DATABASE_URL="postgres://bedlink_app:bedlink-app-dev@127.0.0.1:5432/bedlink"
fi
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export PORT="${PORT:-3000}"
# Loopback unless HOST says otherwise (the API's own default too): not on the network by accident.
export HOST="${HOST:-127.0.0.1}"
if [ -z "${JWT_SECRET:-}" ] || [ -z "${PII_KEY:-}" ]; then
  echo "[start] using DEVELOPMENT secrets (JWT_SECRET / PII_KEY not set): for this machine only; NODE_ENV=production refuses them"
fi

[ -d node_modules ] || { echo "[start] installing dependencies"; bash scripts/install-deps.sh; }
DATABASE_URL="${MIGRATION_DATABASE_URL:-$DATABASE_URL}" bash scripts/ensure-services.sh
npm run -s migration:run
# In production the seed does nothing unless SEED_DEMO=1, and prints no tokens.
npm run -s seed
if [ -f apps/console/index.html ] && [ ! -f apps/console/dist/index.html ] && grep -q "\"console:build\"" package.json; then
  echo "[start] building the console"; npm run -s console:build
fi

# Compiled once, again only when a source file is newer than the build (a fresh clone has no dist/).
if [ ! -f dist/apps/api/src/main.js ] || [ ! -f dist/apps/worker/src/main.js ] \
  || [ -n "$(find apps/api/src apps/worker/src libs -name '*.ts' -newer dist/apps/api/src/main.js -print -quit 2>/dev/null)" ]; then
  echo "[start] compiling the engine (npm run build)"; npm run -s build
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
# The heap is capped (HEAP_MB, default 256): uncapped, V8 sizes the old generation by the machine's memory and,
# under a burst of commands, let the API grow to ~350 MB of mostly garbage; capped, it collects sooner and
# peaks near 180 MB (its live heap under the bench's overload stays under 100 MB). Same flags in docker/.
NODE_FLAGS=(--disable-proto=throw "--max-old-space-size=${HEAP_MB:-256}")
node "${NODE_FLAGS[@]}" dist/apps/worker/src/main.js & pids+=($!)
node "${NODE_FLAGS[@]}" dist/apps/api/src/main.js & pids+=($!)

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:${PORT}/health" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
cat <<MSG

  Bedlink is up.
    API      http://127.0.0.1:${PORT}   (bound to ${HOST})
    Docs     http://127.0.0.1:${PORT}/docs
    Health   http://127.0.0.1:${PORT}/health
    Console  http://127.0.0.1:${PORT}/console   (paste one of the tokens printed above)
  Ctrl-C stops both processes.

MSG
wait -n "${pids[@]}"
