#!/usr/bin/env bash
# The practice run: set-up still needed, then the whole checklist on an embedded practice database.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npm run demo -- "$@"
