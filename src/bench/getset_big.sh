#!/usr/bin/env bash
# Get/set at 2 GB held (issue 10's shape): 2,000,000 keys of 1 KB loaded into spoolkv and into Debian's memcached
# (-t 2 -m 3072), then 90% get / 10% set over all keys, 32 connections, one request in flight each (GetSetLoad),
# rounds interleaved per server. Per run: ops/s, server CPU ticks (utime+stime from /proc/PID/stat), client-side
# latency p50/p99/p99.9, errors and get misses. Called by run.sh (BENCH_BIG=0 skips it); runs alone too:
#
#   src/bench/getset_big.sh RAW_DIR [JAR]      JAR defaults to target/spoolkv.jar; needs the -Pbench build
#   BIG_BASELINE_JAR=old.jar ...               a second spoolkv ("spoolkv-base") beside it, for before/after
#   BIG_KEYS, BIG_ROUNDS, BIG_SECS             key count (2000000), rounds (3), seconds per run (20)
#
# Writes RAW_DIR/big.txt (one line per run: SERVER ROUND key=value...) and RAW_DIR/big-load.txt; bigload.py
# turns them into a table.
set -euo pipefail
cd "$(dirname "$0")/../.."
RAW=${1:?usage: $0 RAW_DIR [JAR]}
JAR=${2:-target/spoolkv.jar}
KEYS=${BIG_KEYS:-2000000}
ROUNDS=${BIG_ROUNDS:-3}
SECS=${BIG_SECS:-20}
VALUE=1024
mkdir -p "$RAW" target/bench-big
cp "$JAR" target/bench-big/spoolkv.jar # the server runs from a copy: a rebuild cannot pull it away
JAR=target/bench-big/spoolkv.jar
: > "$RAW/big.txt"
: > "$RAW/big-load.txt"
# 2M x 1 KB: the values sit in pooled direct memory (bounded by max-memory 3GB, with room for
# the pool's size classes), items and the index on the heap.
SERVER_JVM=(-Xms2g -Xmx2g -XX:MaxDirectMemorySize=4g)
# The client runs from a copy of the classes too: a build during the run (another test) cannot take them away.
rm -rf target/bench-big/client && mkdir -p target/bench-big/client
cp -r target/test-classes target/bench-big/client/test-classes && cp -r target/classes target/bench-big/client/classes
CP="target/bench-big/client/test-classes:target/bench-big/client/classes:$(cat target/bench-classpath.txt)"
tool() { java -Xms1g -Xmx1g -cp "$CP" io.spoolkv.bench.E2eTool "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 1 300); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "port $1 did not open" >&2; return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
log() { printf '[bench big %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

PIDS=()
cleanup() {
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    # The results are written: a server still closing after 30 s is killed (before the store's close dropped its
    # ordered index whole, removing 2M keys one by one took minutes on a busy machine).
    for _ in $(seq 1 30); do
        alive=0
        for pid in "${PIDS[@]:-}"; do
            [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1
        done
        [ "$alive" = 0 ] && break
        sleep 1
    done
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT

SERVERS=() # name:port:pid
start_spoolkv() { # name jar
    local port http
    port=$(free_port); http=$(free_port)
    java "${SERVER_JVM[@]}" -jar "$2" --spoolkv.server.host=127.0.0.1 --spoolkv.server.port="$port" \
        --server.port="$http" --server.address=127.0.0.1 --spoolkv.store.max-memory=3GB > "$RAW/big-$1.log" 2>&1 &
    PIDS+=($!)
    SERVERS+=("$1:$port:$!")
}
MC_USER=()
[ "$(id -u)" = 0 ] && MC_USER=(-u root)
start_spoolkv spoolkv "$JAR"
[ -n "${BIG_BASELINE_JAR:-}" ] && start_spoolkv spoolkv-base "$BIG_BASELINE_JAR"
MC_PORT=$(free_port)
memcached "${MC_USER[@]}" -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 3072 -t 2 -c 4096 > "$RAW/big-memcached.log" 2>&1 &
PIDS+=($!)
SERVERS+=("memcached:$MC_PORT:$!")

echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RAW/big-load.txt"
for s in "${SERVERS[@]}"; do
    IFS=: read -r name port pid <<< "$s"
    wait_port "$port"
    log "loading $KEYS keys of $VALUE bytes into $name"
    echo "$name $(tool getset 127.0.0.1 "$port" 1 1 0 "$KEYS" preloadonly value=$VALUE)" >> "$RAW/big-load.txt"
done
for r in $(seq 1 "$ROUNDS"); do
    for s in "${SERVERS[@]}"; do
        IFS=: read -r name port pid <<< "$s"
        log "round $r of $ROUNDS: $name, ${SECS}s"
        before=$(cpu_ticks "$pid")
        result=$(tool getset 127.0.0.1 "$port" 32 2 "$SECS" "$KEYS" nopreload value=$VALUE)
        echo "$name $r $result server_cpu_ticks=$(( $(cpu_ticks "$pid") - before ))" >> "$RAW/big.txt"
    done
done
for s in "${SERVERS[@]}"; do # every server must still hold every key: the table reports items, not just speed
    IFS=: read -r name port pid <<< "$s"
    items=$(python3 - "$port" <<'PY' || true
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"stats\r\n")
buf = b""
while not buf.endswith(b"END\r\n"):
    chunk = s.recv(65536)
    if not chunk:
        sys.exit("server closed before END")
    buf += chunk
print(next(l.split()[2].decode() for l in buf.splitlines() if l.startswith(b"STAT curr_items ")))
PY
)
    echo "$name items=${items:-?} rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")" >> "$RAW/big-load.txt"
done
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RAW/big-load.txt"
echo "clk_tck=$(getconf CLK_TCK)" >> "$RAW/big-load.txt"
