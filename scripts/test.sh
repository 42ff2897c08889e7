#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL: DATABASE_URL when set (a role that may
# CREATE DATABASE), otherwise the private cluster under .audiencectl/.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/audiencectl
# Migrations are lint-checked first (squawk, pinned, rules in .squawk.toml).
scripts/squawk.sh
if [ -z "${DATABASE_URL:-}" ]; then
  "$bin" db start
  export AUDIENCE_TEST_ADMIN_URL="$("$bin" db url --database postgres)"
else
  export AUDIENCE_TEST_ADMIN_URL="$DATABASE_URL"
fi
export AUDIENCECTL_BIN="$PWD/$bin"
swift test --skip-build 2>&1 | tee .build/test.log
