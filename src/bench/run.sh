#!/usr/bin/env bash
# Runs spoolkv's benchmarks and writes src/bench/results/ (results.md, results.json, fragments.png; raw/ holds the
# tools' outputs of the last run and is not committed: .gitignore).
#
#   src/bench/run.sh            full run (~28 min on 2 cores): 5 JMH rounds (20 iterations per configuration), 5 key dumps per server, ...
#   src/bench/run.sh --quick    short run (~7 min): 1 JMH round with short iterations, 2 dumps, 5 s loads
#   ./mvnw -B -Pbench -DskipTests verify [-Dbench.args=--quick]   the same through Maven
#
# Steps: build (-Pbench: JMH sources in src/jmh/java), iperf3 loopback bandwidth, JMH rounds (the four write
# paths over loopback, gc profiler), end to end against target/spoolkv.jar (spooled and direct) and Debian's
# memcached: 1,000,000-item key dumps, get/set (GetSetLoad; memcaslap text and binary), flush latency under
# steady load, a client that stops reading; the store's checks (store_check.py: LRU under pressure, RSS with the store full; BENCH_STORE=0 skips);
# get/set at 2 GB held (getset_big.sh: 2M keys of 1 KB, 90/10, latency percentiles; BENCH_BIG=0 skips);
# then the table (src/bench/report.py) and the chart (gnuplot).
# Installs memcached, libmemcached-tools, iperf3 and gnuplot with apt-get when missing. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

MODE=full
BUILD=1
for arg in "$@"; do
    case "$arg" in
        --quick) MODE=quick ;;
        --full|"") ;;
        --no-build) BUILD=0 ;;
        *) echo "usage: $0 [--quick|--full] [--no-build]" >&2; exit 2 ;;
    esac
done

OUT=$ROOT/src/bench/results
RAW=$OUT/raw
WORK=$ROOT/target/bench
rm -rf "$WORK" "$RAW"
mkdir -p "$WORK" "$RAW"

if [ "$MODE" = quick ]; then
    JMH_ROUNDS=1; JMH_WI=2; JMH_W=500ms; JMH_I=3; JMH_R=1s
    DUMP_ROUNDS=2; SLAP_ROUNDS=1; SLAP_SECS=5; LAT_MS=5000; IPERF_T=3
else
    JMH_ROUNDS=5; JMH_WI=2; JMH_W=1s; JMH_I=4; JMH_R=1s # 20 iterations: 99.9% intervals that can separate
    DUMP_ROUNDS=5; SLAP_ROUNDS=3; SLAP_SECS=10; LAT_MS=10000; IPERF_T=5
fi
ITEMS=${BENCH_ITEMS:-1000000}
JMH_ROUNDS=${BENCH_JMH_ROUNDS:-$JMH_ROUNDS} # 0: skip JMH (for working on the end-to-end part)
DUMP_VALUE=32          # bytes per value of the dump items
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SPOOLED_PORT=$(free_port); SPOOLED_HTTP=$(free_port)
DIRECT_PORT=$(free_port);  DIRECT_HTTP=$(free_port)
MEMCACHED_PORT=$(free_port)
IPERF_PORT=$(free_port)
MC_USER=()
[ "$(id -u)" = 0 ] && MC_USER=(-u root) # memcached refuses to run as root without -u
SERVER_JVM=(-Xms2g -Xmx2g -XX:MaxDirectMemorySize=1200m) # max-memory 1GB + the spool budget must fit (the server refuses less)
MAX_DIRECT=$((1200 * 1024 * 1024))

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---- tools -----------------------------------------------------------------------------------------------
need=()
command -v memcached >/dev/null || need+=(memcached)
command -v memcaslap >/dev/null || need+=(libmemcached-tools)
command -v iperf3 >/dev/null || need+=(iperf3)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${need[@]}" >/dev/null
fi

# ---- build -----------------------------------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
    log "building (./mvnw -Pbench -DskipTests package)"
    ./mvnw -B -q -Pbench -DskipTests package
fi
cp target/spoolkv.jar "$WORK/spoolkv.jar" # the servers run from a copy: a rebuild cannot pull it away
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
tool() { java -Xms512m -Xmx512m -cp "$CP" io.spoolkv.bench.E2eTool "$@"; }

# ---- machine ---------------------------------------------------------------------------------------------
{
    echo "mode=$MODE"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
    echo "cores=$(nproc)"
    echo "memory=$(free -g | awk '/Mem:/ {print $2 " GiB"}')"
    echo "kernel=$(uname -r)"
    echo "java=$(java -version 2>&1 | head -1)"
    echo "memcached=$(memcached -V)"
    echo "memcaslap=$(memcaslap -V 2>&1 | head -1)"
    echo "iperf3=$(iperf3 -v | head -1)"
    echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RAW/machine.txt"

PIDS=()
cleanup() {
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT

iperf() {
    iperf3 -s -1 -B 127.0.0.1 -p $IPERF_PORT >/dev/null 2>&1 &
    local pid=$!
    sleep 0.5
    iperf3 -c 127.0.0.1 -p $IPERF_PORT -t $IPERF_T -J > "$RAW/iperf-$1.json" || true
    wait $pid 2>/dev/null || true
}

# ---- JMH -------------------------------------------------------------------------------------------------
for r in $(seq 1 $JMH_ROUNDS); do
    log "iperf3 round $r"
    iperf "$r"
    log "JMH round $r of $JMH_ROUNDS"
    java -cp "$CP" org.openjdk.jmh.Main 'io.spoolkv.bench.SpoolWriteBenchmark' \
        -wi $JMH_WI -w $JMH_W -i $JMH_I -r $JMH_R -f 1 -prof gc -prof io.spoolkv.bench.WriteCostProfiler \
        -rf json -rff "$RAW/jmh-$r.json" \
        -jvmArgsPrepend "-Dbench.sideFile=$RAW/drain-$r.csv" > "$RAW/jmh-$r.log" 2>&1
    # (Prepend: an -jvmArgsAppend here would replace the benchmark's own @Fork arguments: heap, GC, executor.)
done
log "iperf3 final"
iperf "last"

# ---- end to end ------------------------------------------------------------------------------------------
wait_port() { # host port
    for _ in $(seq 1 300); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "port $1 did not open" >&2; return 1
}
start_spoolkv() { # mode port http
    java "${SERVER_JVM[@]}" -jar "$WORK/spoolkv.jar" \
        --spoolkv.server.host=127.0.0.1 --spoolkv.server.port="$2" --server.port="$3" \
        --server.address=127.0.0.1 --spoolkv.spool.mode="$1" --spoolkv.store.max-memory=1GB \
        --management.metrics.distribution.minimum-expected-value.spoolkv.spool.flush.latency=1us \
        > "$RAW/spoolkv-$1.log" 2>&1 &
    PIDS+=($!)
}
log "starting spoolkv (spooled, direct) and memcached"
start_spoolkv spooled $SPOOLED_PORT $SPOOLED_HTTP
SPOOLED_PID=$!
start_spoolkv direct $DIRECT_PORT $DIRECT_HTTP
memcached "${MC_USER[@]}" -l 127.0.0.1 -p $MEMCACHED_PORT -U 0 -m 1024 -t 4 -c 4096 > "$RAW/memcached.log" 2>&1 &
MEMCACHED_PID=$!
PIDS+=($!)
wait_port $SPOOLED_PORT; wait_port $DIRECT_PORT; wait_port $MEMCACHED_PORT
SPOOLED_PROM=http://127.0.0.1:$SPOOLED_HTTP/actuator/prometheus
DIRECT_PROM=http://127.0.0.1:$DIRECT_HTTP/actuator/prometheus
for _ in $(seq 1 100); do curl -fs "$SPOOLED_PROM" >/dev/null && curl -fs "$DIRECT_PROM" >/dev/null && break; sleep 0.3; done

log "loading $ITEMS items into each server"
for s in spooled:$SPOOLED_PORT direct:$DIRECT_PORT memcached:$MEMCACHED_PORT; do
    echo "${s%%:*} $(tool load 127.0.0.1 "${s##*:}" "$ITEMS" $DUMP_VALUE)" >> "$RAW/load.txt"
done

log "key dumps: $DUMP_ROUNDS rounds, spooled / direct / memcached interleaved"
tool hist "$SPOOLED_PROM" > "$RAW/dump-hist-before.txt"
tool dumps $DUMP_ROUNDS spooled=127.0.0.1:$SPOOLED_PORT direct=127.0.0.1:$DIRECT_PORT \
    memcached=127.0.0.1:$MEMCACHED_PORT > "$RAW/dump.txt"
tool hist "$SPOOLED_PROM" > "$RAW/dump-hist-after.txt"

log "get/set: $SLAP_ROUNDS rounds of ${SLAP_SECS}s, spoolkv and memcached interleaved, text and binary"
# Two load tools, the same shape (32 connections with one request in flight each, 2 client threads, 90% get /
# 10% set, 100-byte values): GetSetLoad (ours, text, printable keys, errors counted per reply) and memcaslap
# (libmemcached-tools) in text and in binary (-B) mode. memcaslap's keys carry 0x10 bytes, which spoolkv accepts
# as memcached does, so it drives both servers; the text/binary and spoolkv/memcached ratios come from it.
printf 'key\n64 64 1\nvalue\n100 100 1\ncmd\n0 0.1\n1 0.9\n' > "$WORK/slap.cfg"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
slap() { # name port pid protocol round: one memcaslap run, its server CPU ticks appended to its output
    local before out="$RAW/slap-$1-$4-$5.txt" flag=()
    [ "$4" = binary ] && flag=(-B)
    before=$(cpu_ticks "$3")
    memcaslap -s 127.0.0.1:"$2" -T 2 -c 32 -t ${SLAP_SECS}s -X 100 -F "$WORK/slap.cfg" "${flag[@]}" > "$out" 2>&1 || true
    echo "server_cpu_ticks=$(( $(cpu_ticks "$3") - before ))" >> "$out"
}
for r in $(seq 1 $SLAP_ROUNDS); do
    for s in spooled:$SPOOLED_PORT:$SPOOLED_PID memcached:$MEMCACHED_PORT:$MEMCACHED_PID; do
        IFS=: read -r name port pid <<< "$s"
        before=$(cpu_ticks "$pid")
        result=$(tool getset 127.0.0.1 "$port" 32 2 $SLAP_SECS 100000)
        echo "$name $r $result server_cpu_ticks=$(( $(cpu_ticks "$pid") - before ))" >> "$RAW/getset.txt"
        slap "$name" "$port" "$pid" text "$r"
        slap "$name" "$port" "$pid" binary "$r"
    done
done

log "flush latency under steady load: a watcher + get/set paced at 20k ops/s"
tool getset 127.0.0.1 $SPOOLED_PORT 1 1 0.1 100000 > /dev/null # preload before the watcher: no burst
tool hist "$SPOOLED_PROM" > "$RAW/lat-hist-before.txt"
tool watch 127.0.0.1 $SPOOLED_PORT $((LAT_MS + 4000)) > "$RAW/lat-watch.txt" &
WATCH_PID=$!
sleep 1
tool getset 127.0.0.1 $SPOOLED_PORT 8 1 $((LAT_MS / 1000)) 100000 20000 nopreload > "$RAW/lat-load.txt"
tool hist "$SPOOLED_PROM" > "$RAW/lat-hist-after.txt"
wait $WATCH_PID || true

log "a client that stops reading mid-dump"
tool slow 127.0.0.1 $SPOOLED_PORT "$SPOOLED_PROM" 3000 > "$RAW/slow.txt"
curl -fs "$SPOOLED_PROM" | grep -E '^spoolkv_spool_(would_block|resumes|stuck)' >> "$RAW/slow.txt" || true

cleanup
PIDS=()
# ---- store: LRU under pressure, RSS with the store full (memcached beside; docs/store.md) ------------------
if [ "${BENCH_STORE:-1}" = 1 ]; then
    log "store checks (src/bench/store_check.py)"
    python3 src/bench/store_check.py --jar "$WORK/spoolkv.jar" --jvm "-Xmx512m -XX:MaxDirectMemorySize=1300m" \
        --json "$OUT/store.json" > "$RAW/store.log" 2>&1
fi
# ---- get/set at 2 GB held, memcached beside (issue 10's shape) ----------------------------------------------
if [ "${BENCH_BIG:-1}" = 1 ]; then
    log "get/set at 2 GB held (src/bench/getset_big.sh)"
    [ "$MODE" = quick ] && export BIG_ROUNDS=${BIG_ROUNDS:-1} BIG_SECS=${BIG_SECS:-10}
    src/bench/getset_big.sh "$RAW" "$WORK/spoolkv.jar"
fi
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RAW/machine.txt"

# ---- report ----------------------------------------------------------------------------------------------
log "report"
python3 src/bench/report.py "$RAW" "$OUT" "$MAX_DIRECT"
[ "$JMH_ROUNDS" -gt 0 ] && gnuplot -e "datafile='$OUT/fragments.dat'; outfile='$OUT/fragments.png'" src/bench/fragments.gp
log "done: $OUT/results.md, $OUT/fragments.png"
cat "$OUT/results.md"
