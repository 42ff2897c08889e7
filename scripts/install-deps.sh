#!/usr/bin/env bash
# Installs the Debian packages audience-db needs when they are missing (as root, or via sudo).
# pgbouncer: the pooler tests start their own on a free loopback port (a Debian service, if any, is not used).
set -euo pipefail
packages=(pkg-config libpq-dev postgresql-15 postgresql-client-15 postgresql-15-pgtap postgresql-15-cron pgbouncer python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "error: missing packages ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The Debian package starts a system cluster on 5432; audiencectl does not use it.
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null; then
  echo "error: swift is not on PATH (Swift 6 toolchain required, see README)" >&2; exit 1
fi
