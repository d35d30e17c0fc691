#!/usr/bin/env bash
# Key dumps and a watch stream end to end, two spoolkv jars side by side (e.g. before and after a change):
#
#   src/bench/compare.sh BEFORE.jar AFTER.jar [ROUNDS]      (build first: ./mvnw -B -q -Pbench -DskipTests package)
#
# Both servers run at once on loopback (spooled mode, the JVM flags of run.sh), loaded with the same 1,000,000
# items. Then, per server: ROUNDS (default 5) interleaved `lru_crawler metadump all` dumps (E2eTool dumps: keys/s),
# and a `watch fetchers mutations` stream while GetSetLoad sends 20,000 ops/s for 10 s. Around each phase the
# server's CPU time (utime+stime from /proc) and its drain-pass and fragment counters are read, so the output has
# server CPU per dumped key and per watch line as well as the throughput. Prints key=value lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { echo "usage: $0 BEFORE.jar AFTER.jar [ROUNDS]" >&2; exit 2; }
BEFORE=$1; AFTER=$2; ROUNDS=${3:-5}
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
tool() { java -Xms512m -Xmx512m -cp "$CP" io.spoolkv.bench.E2eTool "$@"; }
port() { python3 -c 'import sys; sys.path.insert(0, "src/bench"); import benchutil; print(benchutil.free_port())'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
counter() { curl -fs "$1" | awk -v m="$2" '$1 == m {print $2}'; }
WORK=target/bench-compare
mkdir -p "$WORK"

declare -A PORT HTTP PID
PIDS=()
trap 'for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
for name in before after; do
    jar=$BEFORE; [ $name = after ] && jar=$AFTER
    cp "$jar" "$WORK/$name.jar"
    PORT[$name]=$(port); HTTP[$name]=$(port)
    java -Xms2g -Xmx2g -XX:MaxDirectMemorySize=1200m -jar "$WORK/$name.jar" \
        --spoolkv.server.host=127.0.0.1 --spoolkv.server.port="${PORT[$name]}" --server.port="${HTTP[$name]}" \
        --server.address=127.0.0.1 --spoolkv.spool.mode=spooled --spoolkv.store.max-memory=1GB \
        > "$WORK/$name.log" 2>&1 &
    PID[$name]=$!
    PIDS+=($!)
done
for name in before after; do
    python3 -c "import sys; sys.path.insert(0, 'src/bench'); import benchutil; benchutil.wait_port(${PORT[$name]})"
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:${HTTP[$name]}/actuator/prometheus" >/dev/null && break; sleep 0.3; done
    echo "$name load $(tool load 127.0.0.1 "${PORT[$name]}" 1000000 32)"
done

prom() { echo "http://127.0.0.1:${HTTP[$1]}/actuator/prometheus"; }
snap() { # name -> "ticks passes fragments"
    echo "$(ticks "${PID[$1]}") $(counter "$(prom "$1")" spoolkv_spool_drain_passes_total) \
$(counter "$(prom "$1")" spoolkv_spool_fragments_offered_total)"
}
report() { # name phase before-snapshot after-snapshot units
    read -r t0 p0 f0 <<< "$3"; read -r t1 p1 f1 <<< "$4"
    python3 - "$1" "$2" "$t0" "$p0" "$f0" "$t1" "$p1" "$f1" "$5" "$(getconf CLK_TCK)" <<'PY'
import sys
name, phase, t0, p0, f0, t1, p1, f1, units, hz = sys.argv[1:]
cpu = (float(t1) - float(t0)) / float(hz)
frag = float(f1) - float(f0)
print(f"{name} {phase}_server_cpu_s={cpu:.2f} {phase}_server_cpu_us_per_unit={cpu * 1e6 / float(units):.3f} "
      f"{phase}_fragments={frag:.0f} {phase}_drain_passes_per_1000={1000 * (float(p1) - float(p0)) / max(frag, 1):.1f}")
PY
}

declare -A S0
for name in before after; do S0[$name]=$(snap $name); done
tool dumps "$ROUNDS" before=127.0.0.1:${PORT[before]} after=127.0.0.1:${PORT[after]}
for name in before after; do report $name dump "${S0[$name]}" "$(snap $name)" $(( (ROUNDS + 1) * 1000000 )); done

for name in before after; do
    tool getset 127.0.0.1 "${PORT[$name]}" 1 1 0.1 100000 > /dev/null # preload before the watcher
    s0=$(snap $name)
    tool watch 127.0.0.1 "${PORT[$name]}" 12000 > "$WORK/watch-$name.txt" &
    w=$!
    sleep 1
    load=$(tool getset 127.0.0.1 "${PORT[$name]}" 8 1 10 100000 20000 nopreload)
    wait $w || true
    lines=$(sed -n 's/.*watch_lines=\([0-9]*\).*/\1/p' "$WORK/watch-$name.txt")
    echo "$name watch $(cat "$WORK/watch-$name.txt") $load"
    report $name watch "$s0" "$(snap $name)" "${lines:-1}"
done
