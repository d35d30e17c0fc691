#!/usr/bin/env bash
# Starts the built jar, sends some memcached traffic so every counter has a value, fetches
# /actuator/prometheus and fails on any problem `promtool check metrics` reports.
# Usage: ./mvnw -B package -DskipTests && src/test/scripts/check-prometheus.sh [path/to/spoolkv.jar]
# Needs java, python3, curl and promtool (Debian: apt-get install prometheus).
set -euo pipefail
cd "$(dirname "$0")/../../.."

jar="${1:-target/spoolkv.jar}"
[[ -f "$jar" ]] || { echo "no $jar: build it first (./mvnw -B package -DskipTests)" >&2; exit 1; }
command -v promtool >/dev/null || { echo "promtool not found (Debian: apt-get install prometheus)" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
http_port=$(free_port)
mc_port=$(free_port)
work=$(mktemp -d)
log="$work/spoolkv.log"

java -jar "$jar" --spoolkv.server.host=127.0.0.1 --spoolkv.server.port="$mc_port" \
  --server.address=127.0.0.1 --server.port="$http_port" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ready=""
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$http_port/actuator/health/readiness" >/dev/null 2>&1; then
    ready=yes
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "spoolkv did not become ready; its log:" >&2
  cat "$log" >&2
  exit 1
fi

# Traffic: stores, hits, misses, deletes, counters, a meta command and a key dump through the spool.
python3 - "$mc_port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
req = b"".join(b"set k%d 0 0 5\r\nvalue\r\n" % i for i in range(100))
req += b"get k1 k2 nope\r\ndelete k3\r\ndelete nope\r\nset n 0 0 1\r\n1\r\nincr n 5\r\ndecr n 1\r\n"
req += b"touch k4 100\r\nmg k5 v\r\nlru_crawler metadump all\r\nversion\r\n"
s.sendall(req)
data = b""
while b"VERSION " not in data:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
s.sendall(b"quit\r\n")
s.close()
assert b"VERSION " in data, data[-200:]
PY

curl -fsS "http://127.0.0.1:$http_port/actuator/prometheus" -o "$work/metrics.txt"
grep -q '^spoolkv_commands_total{command="get"}' "$work/metrics.txt" || { echo "no spoolkv metrics in the exposition" >&2; exit 1; }

# promtool exits 0 with lint findings on some versions: any output is a problem too.
if ! problems=$(promtool check metrics <"$work/metrics.txt" 2>&1) || [[ -n "$problems" ]]; then
  echo "promtool check metrics found problems:" >&2
  echo "$problems" >&2
  exit 1
fi
echo "promtool check metrics: $(grep -c '^# HELP' "$work/metrics.txt") metric families, no problems"
