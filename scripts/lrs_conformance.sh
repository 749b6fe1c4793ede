#!/usr/bin/env bash
# Run ADL's LRS conformance test suite (xAPI 1.0.3) against a fresh simdesk hub on loopback.
# The suite is not vendored: pass its checkout as $1 or LRS_SUITE (it runs `npm install` there
# if node_modules is missing). Prints the suite's summary; exits non-zero if any test failed.
set -euo pipefail
SUITE="${1:-${LRS_SUITE:-}}"
if [ -z "$SUITE" ] || [ ! -f "$SUITE/bin/console_runner.js" ]; then
  echo "lrs_conformance: no checkout of the conformance suite given (LRS_SUITE=DIR)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
DATA="$(mktemp -d /tmp/simdesk-conformance-XXXXXX)"
chmod 711 "$DATA"   # as root, pgserver runs PostgreSQL as its own user, who must enter it
LOG="$DATA/hub.log"
cleanup() { [ -n "${HUB_PID:-}" ] && kill "$HUB_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT
[ -d "$SUITE/node_modules" ] || (cd "$SUITE" && npm install --no-audit --no-fund >/dev/null)
"$PY" -m simdesk.cli hub serve --data "$DATA/hub" --port 0 --workers 2 >"$LOG" 2>&1 &
HUB_PID=$!
for _ in $(seq 1 120); do grep -q '^https://' "$LOG" && break; sleep 0.5; done
URL="$(grep '^https://' "$LOG" | head -1)"
[ -n "$URL" ] || { echo "the hub did not start:"; cat "$LOG"; exit 1; }
read -r KEY SECRET < <("$PY" -m simdesk.cli hub credentials --data "$DATA/hub" conformance 2>/dev/null | tail -1)
OUT="$DATA/suite.out"
START=$(date +%s)
(cd "$SUITE" && NODE_TLS_REJECT_UNAUTHORIZED=0 node bin/console_runner.js -e "$URL/xapi" -a \
   -u "$KEY" -p "$SECRET" -x 1.0.3 -z >"$OUT" 2>&1) || true
SUMMARY="$(grep -o '{"total":[0-9]*,"passed":[0-9]*,"failed":[0-9]*[^}]*}' "$OUT" | tail -1)"
echo "ADL LRS conformance suite, xAPI 1.0.3, $(( $(date +%s) - START )) s: $SUMMARY"
python3 - "$SUMMARY" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
print(f"conformance: {s['passed']} passed, {s['failed']} failed")
sys.exit(0 if s["failed"] == 0 and s["passed"] == s["total"] else 1)
PY
