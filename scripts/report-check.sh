#!/usr/bin/env bash
# make report-check: renders every demo organization's report in headless Chromium (Debian
# package `chromium`, installed when missing) to PNG (light and dark) and to an A4 PDF, and
# fails on any console message or any request the page makes to the network.
# Uses the same database as `make up` (DATABASE_URL, else the private cluster): migrates it,
# loads the demo seed, refreshes, generates the template insights. Output: .build/report-check/.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/audiencectl
out=.build/report-check

if ! command -v chromium >/dev/null; then
  echo "installing: chromium"
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "error: chromium is missing; install it as root: apt-get install chromium" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

if [ -z "${DATABASE_URL:-}" ]; then "$bin" db start >/dev/null; url="$("$bin" db url)"; else url="$DATABASE_URL"; fi
"$bin" migrate >/dev/null
"$bin" seed demo >/dev/null
"$bin" refresh --wait 120 >/dev/null
"$bin" insights generate --all >/dev/null || true   # rate limited on a second run: the stored insights stay

rm -rf "$out"
mkdir -p "$out"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
# No first-run, sync, update or other background requests of the browser itself.
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-sync
  --disable-background-networking --disable-component-update --disable-default-apps
  --user-data-dir="$profile" --enable-logging=stderr --v=0)
failed=0
for slug in $(psql -X -At "$url" -c "select slug from app.organizations where slug like 'demo-%' order by slug"); do
  id="$(psql -X -At "$url" -c "select id from app.organizations where slug = '$slug'")"
  html="$PWD/$out/$slug.html"
  "$bin" report --org "$id" --out "$html"
  for mode in light dark; do
    extra=()
    [ "$mode" = dark ] && extra=(--force-dark-mode --blink-settings=preferredColorScheme=0)
    chromium "${flags[@]}" "${extra[@]}" --log-net-log="$out/$slug-$mode.netlog.json" --window-size=1100,7000 \
      --screenshot="$out/$slug-$mode.png" "file://$html" >"$out/$slug-$mode.log" 2>&1 || {
      echo "FAIL $slug ($mode): chromium exited with an error (see $out/$slug-$mode.log)"; failed=1; }
  done
  chromium "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out/$slug.pdf" "file://$html" >"$out/$slug-pdf.log" 2>&1 || {
    echo "FAIL $slug: printing to PDF failed (see $out/$slug-pdf.log)"; failed=1; }
  # Console messages (errors, warnings, logs) of the page.
  if grep -h "CONSOLE" "$out/$slug"-*.log; then echo "FAIL $slug: console messages above"; failed=1; fi
  # Requests of the page (network isolation key file://) to anything but file: and data:.
  if grep -h '"network_isolation_key":"file://' "$out/$slug"-*.netlog.json | grep -o '"url":"[a-z]*:[^"]*"' | grep -v '"url":"\(file\|data\):'; then
    echo "FAIL $slug: the page requested the network (above)"; failed=1
  fi
  pages="$(grep -c '/Type /Page\b' "$out/$slug.pdf" || true)"
  echo "ok   $slug: $out/$slug-light.png, $out/$slug-dark.png, $out/$slug.pdf (A4, $pages pages)"
done
exit "$failed"
