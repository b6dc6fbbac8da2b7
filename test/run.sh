#!/usr/bin/env bash
# The test command (npm test): typecheck, lint, build, then the whole suite with a real Secret
# Service (scripts/with-keyring.sh), real PostgreSQL clusters and real files — on the machine's
# PostgreSQL, then every PostgreSQL test again on PostgreSQL 17 (test/helpers/pgMatrix.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

# BW_SKIP_STATIC=1 skips typecheck, lint and build while iterating on one test file (never in CI).
if [ -z "${BW_SKIP_STATIC:-}" ]; then
  npm run --silent typecheck
  npm run --silent lint
  npm run --silent build >/dev/null
fi
# Given files: run those, on the major BW_TEST_PG names (default the machine's).
[ $# -gt 0 ] && exec bash scripts/with-keyring.sh npx vitest run "$@"
bash scripts/install-pg17.sh
bash scripts/with-keyring.sh npx vitest run
echo "== the PostgreSQL tests again, on PostgreSQL 17 =="
BW_TEST_PG=17 exec bash scripts/with-keyring.sh npx vitest run test/integration test/faults
