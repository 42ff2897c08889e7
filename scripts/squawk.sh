#!/usr/bin/env bash
# Lints migrations/ with squawk (PyPI squawk-cli, pinned below) and the rules of .squawk.toml.
# squawk is installed on first use into a virtual environment under .build/ (python3 -m venv;
# Debian: python3-venv, which scripts/install-deps.sh installs). Files whose first line is
# `-- audiencectl:no-transaction` are linted as run, one statement at a time; the others with
# --assume-in-transaction, as audiencectl runs each in a transaction. Exit 1 on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
version=2.70.0
venv="${AUDIENCE_SQUAWK_VENV:-$PWD/.build/squawk-$version}"
if [ ! -x "$venv/bin/squawk" ]; then
  echo "installing squawk-cli $version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "squawk-cli==$version"
fi
transactional=()
statementwise=()
for file in migrations/*.sql; do
  if [ "$(head -n 1 "$file" | sed -e 's/^\xEF\xBB\xBF//' -e 's/\r$//')" = "-- audiencectl:no-transaction" ]; then
    statementwise+=("$file")
  else
    transactional+=("$file")
  fi
done
status=0
if [ ${#transactional[@]} -gt 0 ]; then
  "$venv/bin/squawk" --config .squawk.toml --reporter gcc --assume-in-transaction "${transactional[@]}" || status=1
fi
if [ ${#statementwise[@]} -gt 0 ]; then
  "$venv/bin/squawk" --config .squawk.toml --reporter gcc --no-assume-in-transaction "${statementwise[@]}" || status=1
fi
if [ $status = 0 ]; then
  echo "squawk $version: $(( ${#transactional[@]} + ${#statementwise[@]} )) migrations checked (baseline up to 0090 exempt, .squawk.toml), no findings"
fi
exit $status
