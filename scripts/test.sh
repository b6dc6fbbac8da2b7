#!/usr/bin/env bash
# The test command: set-up still needed, then typecheck, lint, build and every test — on the
# machine's PostgreSQL (15 on Debian 12) and again, for everything that touches PostgreSQL, on 17.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --pg17
exec npm test
