#!/usr/bin/env bash
# Checks the alert rules in helm/spoolkv/files/alerts.yaml:
#   promtool check rules; promtool test rules src/test/prometheus/alerts_test.yaml; every alert has a
#   firing case in the tests; and, given the built jar, every spoolkv_* metric the rules name is one the
#   running server exports at /actuator/prometheus (so no rule watches a metric that does not exist).
# Usage: src/test/scripts/check-alerts.sh [path/to/spoolkv.jar]   (without a jar the last check is skipped
# and says so). Needs promtool (Debian: apt-get install prometheus), python3 and, for the jar, curl.
set -euo pipefail
cd "$(dirname "$0")/../../.."
RULES=helm/spoolkv/files/alerts.yaml
TESTS=src/test/prometheus/alerts_test.yaml
jar="${1:-}"
command -v promtool >/dev/null || { echo "promtool not found (Debian: apt-get install prometheus)" >&2; exit 1; }

passed=0
failed=0
ok()  { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL - $*"; }

if out=$(promtool check rules "$RULES" 2>&1); then ok "promtool check rules $RULES: $(echo "$out" | grep -o '[0-9]* rules found')"
else bad "promtool check rules $RULES"; echo "$out"; fi
if out=$(promtool test rules "$TESTS" 2>&1); then ok "promtool test rules $TESTS"
else bad "promtool test rules $TESTS"; echo "$out"; fi

# Every alert in the rules has a test case that expects it to fire.
alerts=$(sed -n 's/^ *- alert: *//p' "$RULES" | sort -u)
for a in $alerts; do
    if python3 - "$TESTS" "$a" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
# A case for this alert whose exp_alerts is not empty.
cases = re.findall(r"alertname: (\S+)\n\s+exp_alerts:(\s*\[\])?", text)
sys.exit(0 if any(name == sys.argv[2] and not empty for name, empty in cases) else 1)
PY
    then ok "$a has a firing test case"; else bad "$a has no test case where it fires"; fi
done

# The metric names the rules use exist in a running spoolkv's exposition.
if [[ -n "$jar" ]]; then
    [[ -f "$jar" ]] || { bad "no $jar: build it first (./mvnw -B package -DskipTests)"; jar=""; }
fi
if [[ -n "$jar" ]]; then
    source src/test/scripts/spoolkv-instance.sh
    work=$(mktemp -d)
    trap 'spoolkv_stop_all; rm -rf "$work"' EXIT
    if spoolkv_start "$jar" "$work/a"; then
        curl -fsS "http://127.0.0.1:${SPOOLKV_MGMT_PORT}/actuator/prometheus" -o "$work/metrics.txt"
        names=$(grep -o '\b\(spoolkv\|jvm\)_[a-z0-9_]*' "$RULES" | sort -u)
        for n in $names; do
            if grep -q "^$n[{ ]" "$work/metrics.txt"; then ok "metric $n is exported"
            else bad "metric $n (used in $RULES) is not in /actuator/prometheus"; fi
        done
    else
        bad "spoolkv did not start"; cat "$work/a/log" >&2
    fi
else
    echo "no jar given: not checking the metric names against a running server"
fi

echo
echo "check-alerts: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
