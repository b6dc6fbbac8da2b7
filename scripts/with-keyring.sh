#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a throwaway, unlocked gnome-keyring, so keytar
# talks to a real Secret Service without touching the operator's own keyring.
set -euo pipefail
if [ -z "${BW_KEYRING_SESSION:-}" ]; then
  exec dbus-run-session -- env BW_KEYRING_SESSION=1 bash "$0" "$@"
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" && mkdir -m 0700 -p "$XDG_RUNTIME_DIR"
head -c 24 /dev/urandom | base64 | tr -d '\n' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$@"
