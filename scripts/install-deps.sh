#!/usr/bin/env bash
# Installs dependencies exactly as locked (npm ci). Some registries serve only the platform
# builds of native packages for some systems (e.g. @swc/core, msgpackr-extract without darwin
# builds); npm then writes a lock without those optional entries and npm ci refuses it. In that
# case, and only that one, fall back to npm install, which resolves the same versions.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
if npm ci --no-audit --no-fund >"$log" 2>&1; then tail -n 2 "$log"; rm -f "$log"; exit 0; fi
if grep -q "from lock file" "$log"; then
  echo "[deps] the lock lacks platform packages this registry does not serve; using npm install"
  rm -f "$log"
  npm install --no-audit --no-fund
  exit $?
fi
cat "$log"; rm -f "$log"; exit 1
