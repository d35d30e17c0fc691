#!/usr/bin/env bash
# Runs every query of the Grafana dashboard (helm/spoolkv/files/dashboard.json) against a real Prometheus
# scraping a running spoolkv:
#   starts the jar on loopback, drives traffic (sets, gets, misses, a key dump, a watch that receives lines)
#   so every series exists, starts Debian's prometheus binary scraping /actuator/prometheus every second,
#   waits for several scrapes, then sends each panel's PromQL (and the instance variable's query) to the
#   HTTP API with $__rate_interval replaced by a concrete window and $instance by ".*". Fails when a
#   query is invalid, names a metric the server does not export, or returns no series.
# Usage: src/test/scripts/check-dashboard.sh [path/to/spoolkv.jar]. Needs prometheus (Debian package),
# java, python3 and curl.
set -euo pipefail
cd "$(dirname "$0")/../../.."
jar="${1:-target/spoolkv.jar}"
DASHBOARD=helm/spoolkv/files/dashboard.json
RATE_WINDOW=${RATE_WINDOW:-15s}
[[ -f "$jar" ]] || { echo "no $jar: build it first (./mvnw -B package -DskipTests)" >&2; exit 1; }
command -v prometheus >/dev/null || { echo "prometheus not found (Debian: apt-get install prometheus)" >&2; exit 1; }

WORK=$(mktemp -d)
source src/test/scripts/spoolkv-instance.sh
prom_pid=""
traffic_pid=""
cleanup() {
    for p in "$traffic_pid" "$prom_pid"; do
        if [[ -n "$p" ]]; then kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; fi
    done
    spoolkv_stop_all
    rm -rf "$WORK"
}
trap cleanup EXIT

if ! spoolkv_start "$jar" "$WORK/spoolkv"; then
    echo "FAIL - spoolkv did not start"; tail -30 "$WORK/spoolkv/log"; exit 1
fi
echo "spoolkv ready: memcached 127.0.0.1:$SPOOLKV_MC_PORT, management 127.0.0.1:$SPOOLKV_MGMT_PORT"

# Traffic for the whole run: a watcher receiving fetch lines (spooled output, so flush latency), gets
# that hit and miss, deletes, counters, and a key dump now and then.
cat >"$WORK/traffic.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=10)
watcher = conn()
watcher.sendall(b"watch fetchers mutations\r\n")
watcher.settimeout(0.01)
c = conn()
c.settimeout(10)
def drain_watcher():
    try:
        while watcher.recv(65536):
            pass
    except (socket.timeout, BlockingIOError):
        pass
i = 0
while True:
    req = b"".join(b"set k%d 0 0 5\r\nvalue\r\n" % (i * 50 + n) for n in range(50))
    req += b"get k%d k%d nope%d\r\ndelete k%d\r\nincr n 1\r\ntouch k%d 100\r\n" % (i, i + 1, i, i * 50, i + 2)
    if i % 5 == 0:
        req += b"lru_crawler metadump all\r\n"
    req += b"version\r\n"
    c.sendall(req)
    data = b""
    while b"VERSION " not in data:
        data += c.recv(65536)
    drain_watcher()
    i += 1
    time.sleep(0.2)
PY
python3 "$WORK/traffic.py" "$SPOOLKV_MC_PORT" >"$WORK/traffic.log" 2>&1 &
traffic_pid=$!

prom_port=$(free_port)
cat >"$WORK/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: spoolkv
    metrics_path: /actuator/prometheus
    static_configs:
      - targets: ["127.0.0.1:$SPOOLKV_MGMT_PORT"]
EOF2
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" >"$WORK/prometheus.log" 2>&1 &
prom_pid=$!

# Wait until Prometheus holds at least 8 successful scrapes (rate() needs two samples in its window).
scrapes=0
for _ in $(seq 1 120); do
    scrapes=$(curl -fsS "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode 'query=sum_over_time(up{job="spoolkv"}[1m])' 2>/dev/null \
        | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)' 2>/dev/null || echo 0)
    [[ "$scrapes" -ge 8 ]] && break
    kill -0 "$prom_pid" 2>/dev/null || { echo "FAIL - prometheus exited"; cat "$WORK/prometheus.log"; exit 1; }
    sleep 1
done
if [[ "$scrapes" -lt 8 ]]; then echo "FAIL - only $scrapes successful scrapes"; tail -20 "$WORK/prometheus.log"; exit 1; fi
echo "prometheus on 127.0.0.1:$prom_port has $scrapes scrapes of spoolkv"
kill -0 "$traffic_pid" 2>/dev/null || { echo "FAIL - the traffic generator stopped:"; cat "$WORK/traffic.log"; exit 1; }
curl -fsS "http://127.0.0.1:$SPOOLKV_MGMT_PORT/actuator/prometheus" -o "$WORK/exposition.txt"

python3 - "$DASHBOARD" "http://127.0.0.1:$prom_port" "$WORK/exposition.txt" "$RATE_WINDOW" <<'PY'
import json, re, sys, urllib.error, urllib.parse, urllib.request
dashboard, prom, exposition_path, window = sys.argv[1:]
exported = {l.split("{")[0].split(" ")[0] for l in open(exposition_path) if l and not l.startswith("#")}
passed = failed = 0

def check(cond, what):
    global passed, failed
    passed, failed = (passed + 1, failed) if cond else (passed, failed + 1)
    print(("ok - " if cond else "FAIL - ") + what)

def query(expr):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:
        body = json.load(e)
    return body

def concrete(expr):
    return expr.replace("$__rate_interval", window).replace("${__rate_interval}", window) \
               .replace('"$instance"', '".*"').replace('"${instance}"', '".*"')

d = json.load(open(dashboard))
queries = []
for p in d["panels"]:
    for t in p.get("targets", []):
        queries.append(("%s / %s" % (p["title"], t.get("legendFormat", t["refId"])), t["expr"]))
for v in d["templating"]["list"]:
    if v["type"] == "query":
        m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", v["definition"])
        check(m is not None, "variable $%s: %s" % (v["name"], v["definition"]))
        if m:
            queries.append(("variable $%s" % v["name"], "count by (%s) (%s)" % (m.group(2), m.group(1))))
check(len(queries) > 10, "dashboard has %d queries" % len(queries))

for title, expr in queries:
    e = concrete(expr)
    check("$" not in e, "%s: no Grafana variable left in %s" % (title, e))
    names = set(re.findall(r"\b((?:spoolkv|jvm|process)_[a-z0-9_]+)\b", e))
    missing = sorted(n for n in names if n not in exported)
    check(names and not missing, "%s: metrics %s exported%s" % (title, ", ".join(sorted(names)),
          " (missing: %s)" % ", ".join(missing) if missing else ""))
    body = query(e)
    if body.get("status") != "success":
        check(False, "%s: query invalid: %s (%s)" % (title, body.get("error"), e))
        continue
    result = body["data"]["result"]
    check(len(result) > 0, "%s: %d series" % (title, len(result)))
print()
print("check-dashboard: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
