#!/usr/bin/env bash
# Whatever set-up this machine still needs, idempotent and quick when done: Debian/Ubuntu packages,
# PostgreSQL 17 for the test matrix (with --pg17), and the npm packages when package-lock.json changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
[ "${1:-}" = "--pg17" ] && bash scripts/install-pg17.sh
# Electron's postinstall downloads a binary, which this network cannot reach; package.json's
# allowScripts denies it, and this makes sure a different npm does not try either.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  echo "npm packages: up to date"
fi
