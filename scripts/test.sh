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
# Two runs of the one test binary: the loopback LLM servers of InsightsTests run on Swift's
# cooperative thread pool (as wide as the machine: 2 threads here), which the integration
# tests' blocking waits (libpq calls, audiencectl child processes) would otherwise starve
# into time-outs. Both runs always happen; either failing fails the suite.
status=0
swift test --skip-build --filter '^InsightsTests\.' 2>&1 | tee .build/test.log || status=1
swift test --skip-build --skip '^InsightsTests\.' 2>&1 | tee -a .build/test.log || status=1
exit $status
