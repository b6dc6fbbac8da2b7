#!/usr/bin/env bash
# System packages Backup Warden's build and tests need (Debian/Ubuntu). Idempotent: installs only what is missing.
#  libsecret-1-dev            keytar's build
#  gnome-keyring dbus*        a real Secret Service for the vault tests
#  postgresql-15 / client     pg_dump, pg_restore, initdb for backups and scratch clusters
#  chromium                   renderer end-to-end tests (driven by playwright-core)
#  age openssh-client         interoperability checks (age -d, ssh-keygen -Y verify)
#  libsecret-tools sqlite3    secret-tool and sqlite3, to check from outside where secrets are (and are not)
#  bubblewrap                 the OS sandbox around rehearsal scratch servers (no network, no /tmp, no home)
#  jq curl                    the Storage recovery document's steps, run as written by its test
#  zstd time                  npm run bench: the expert pipeline it compares with, and CPU seconds (GNU time)
set -euo pipefail
packages=(libsecret-1-dev gnome-keyring dbus dbus-user-session chromium age openssh-client
          postgresql-15 postgresql-client-15 postgresql-contrib libsecret-tools sqlite3 bubblewrap jq curl zstd time)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "system packages: all present"; exit 0; }
echo "system packages: installing ${missing[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
