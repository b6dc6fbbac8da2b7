#!/usr/bin/env bash
# The test command (npm test): typecheck, lint, build, then the whole suite with a real Secret
# Service (scripts/with-keyring.sh), real PostgreSQL clusters and real files.
set -euo pipefail
cd "$(dirname "$0")/.."

# BW_SKIP_STATIC=1 skips typecheck, lint and build while iterating on one test file (never in CI).
if [ -z "${BW_SKIP_STATIC:-}" ]; then
  npm run --silent typecheck
  npm run --silent lint
  npm run --silent build >/dev/null
fi
exec bash scripts/with-keyring.sh npx vitest run "$@"
