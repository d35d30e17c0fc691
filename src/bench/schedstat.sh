#!/usr/bin/env bash
# How the threads of one SpoolWriteBenchmark configuration spend the wall time: running, waiting for a core while
# runnable, or asleep (from /proc/<pid>/task/<tid>/schedstat over 8 s of measurement, after the warm-up).
#
#   src/bench/schedstat.sh VARIANT SIZE PRODUCERS   e.g. SPOOL 1024 producers1 (after ./mvnw -Pbench -DskipTests package)
#
# Prints one line per thread that ran at least 2% of the time; the JMH score is in target/schedstat/<name>.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
VARIANT=$1 SIZE=$2 PRODUCERS=$3
OUT=target/schedstat/$VARIANT-$SIZE-$PRODUCERS
mkdir -p target/schedstat
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
java -cp "$CP" org.openjdk.jmh.Main "io.spoolkv.bench.SpoolWriteBenchmark.$PRODUCERS\$" -p variant="$VARIANT" \
    -p size="$SIZE" -f 1 -wi 2 -w 1s -i 18 -r 1s > "$OUT.log" 2>&1 &
sleep 9 # JVM start and the 2 s warm-up
PID=$(pgrep -n -f 'jmh.runner.ForkedMain')
snap() { for t in /proc/"$PID"/task/*; do echo "$(tr ' ' _ < "$t/comm") $(cat "$t/schedstat")"; done 2>/dev/null; }
snap > "$OUT.s1"; T1=$(date +%s.%N)
sleep 8
snap > "$OUT.s2"; T2=$(date +%s.%N)
wait
python3 - "$OUT" "$T1" "$T2" <<'PY'
import sys
out, t1, t2 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
def read(path):  # name -> [ns running, ns runnable waiting, timeslices], threads of one name summed
    d = {}
    for line in open(path):
        f = line.split()
        if len(f) == 4:
            d[f[0]] = [a + int(b) for a, b in zip(d.get(f[0], [0, 0, 0]), f[1:])]
    return d
a, b, wall = read(out + ".s1"), read(out + ".s2"), t2 - t1
for name in sorted(b, key=lambda n: a.get(n, [0])[0] - b[n][0]):
    if name in a:
        run, wait = (b[name][0] - a[name][0]) / 1e9 / wall, (b[name][1] - a[name][1]) / 1e9 / wall
        if run > 0.02:
            print(f"{name:16s} running {100 * run:5.1f}%  waiting for a core {100 * wait:5.1f}%  "
                  f"asleep {100 * (1 - run - wait):5.1f}%  timeslices/s {(b[name][2] - a[name][2]) / wall:7.0f}")
PY
