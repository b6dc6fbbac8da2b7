#!/usr/bin/env bash
# The test command (npm test): typecheck, lint, build, then the whole suite inside a private D-Bus
# session with an unlocked gnome-keyring, so the vault tests use the real Secret Service.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${BW_KEYRING_SESSION:-}" ]; then
  exec dbus-run-session -- env BW_KEYRING_SESSION=1 bash "$0" "$@"
fi

# A throwaway keyring: never the operator's own.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" && mkdir -m 0700 -p "$XDG_RUNTIME_DIR"
head -c 24 /dev/urandom | base64 | tr -d '\n' | gnome-keyring-daemon --unlock --components=secrets >/dev/null

# BW_SKIP_STATIC=1 skips typecheck, lint and build while iterating on one test file (never in CI).
if [ -z "${BW_SKIP_STATIC:-}" ]; then
  npm run --silent typecheck
  npm run --silent lint
  npm run --silent build >/dev/null
fi
npx vitest run "$@"
