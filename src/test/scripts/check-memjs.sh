#!/usr/bin/env bash
# memjs (npm), a binary-protocol-only Node.js client, against the built jar: check-memjs.js runs every
# operation memjs offers and checks each answer, then does it again against a second instance with authentication
# on, memjs logging in with SASL PLAIN (and clients without or with wrong credentials refused). memjs is installed from the npm registry into a temporary
# directory; nothing is kept.
# Usage: ./mvnw -B package -DskipTests && src/test/scripts/check-memjs.sh [path/to/spoolkv.jar]
# Needs java, node and npm, python3 and curl.
set -euo pipefail
cd "$(dirname "$0")/../../.."
source src/test/scripts/spoolkv-instance.sh

jar="${1:-target/spoolkv.jar}"
[[ -f "$jar" ]] || { echo "no $jar: build it first (./mvnw -B package -DskipTests)" >&2; exit 1; }
work=$(mktemp -d)
trap 'spoolkv_stop_all; rm -rf "$work"' EXIT

(cd "$work" && npm install --silent --no-audit --no-fund memjs@1.3.2 >/dev/null)
spoolkv_start "$jar" "$work/server" || { echo "spoolkv did not start; its log:" >&2; cat "$work/server/log" >&2; exit 1; }
NODE_PATH="$work/node_modules" timeout 120 node src/test/scripts/check-memjs.js "$SPOOLKV_MC_PORT"

printf 'memjs:s3cret\n' >"$work/credentials"
spoolkv_start "$jar" "$work/auth-server" --spoolkv.auth.enabled=true --spoolkv.auth.credentials-file="$work/credentials" \
    || { echo "spoolkv (auth) did not start; its log:" >&2; cat "$work/auth-server/log" >&2; exit 1; }
NODE_PATH="$work/node_modules" timeout 120 node src/test/scripts/check-memjs.js "$SPOOLKV_MC_PORT" memjs s3cret
