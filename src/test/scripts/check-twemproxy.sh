#!/usr/bin/env bash
# Scale-out through twemproxy with the configuration the chart renders:
#   1. helm template with twemproxy.enabled and 3 replicas; take nutcracker.yml from its ConfigMap.
#   2. Start three spoolkv jars on loopback; rewrite only the servers' addresses (pod DNS name:11211 ->
#      127.0.0.1:port; the servers keep their names, which place them on the ketama ring) and the listen
#      address (a free loopback port), and start nutcracker with it.
#   3. Write N keys through nutcracker, read every one back through it; each instance's curr_items
#      (stats) sums to N and every share is within a band around 1/3.
#   4. Stop instance 2, restart nutcracker without it: every key of instances 0 and 1 still reads back
#      through nutcracker, and the keys that miss are exactly the removed instance's.
# Usage: src/test/scripts/check-twemproxy.sh [path/to/spoolkv.jar]. Needs nutcracker (Debian package),
# java, python3 (with PyYAML or not), curl and helm (see helm-bin.sh).
set -euo pipefail
cd "$(dirname "$0")/../../.."
jar="${1:-target/spoolkv.jar}"
KEYS=${TWEMPROXY_KEYS:-3000}
[[ -f "$jar" ]] || { echo "no $jar: build it first (./mvnw -B package -DskipTests)" >&2; exit 1; }
command -v nutcracker >/dev/null || { echo "nutcracker not found (Debian: apt-get install nutcracker)" >&2; exit 1; }

WORK=$(mktemp -d)
source src/test/scripts/helm-bin.sh
source src/test/scripts/spoolkv-instance.sh
nc_pid=""
stop_nutcracker() {
    if [[ -n "$nc_pid" ]]; then kill "$nc_pid" 2>/dev/null && wait "$nc_pid" 2>/dev/null || true; fi
    nc_pid=""
}
trap 'stop_nutcracker; spoolkv_stop_all; rm -rf "$WORK"' EXIT

passed=0
failed=0
ok()  { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL - $*"; }
finish() {
    echo
    echo "check-twemproxy: $passed passed, $failed failed"
    [[ $failed -eq 0 ]]
    exit
}

# --- 1. the chart's nutcracker.yml -----------------------------------------------------------
find_helm "$WORK" || exit 1
export HELM_CACHE_HOME=$WORK/helm-cache HELM_CONFIG_HOME=$WORK/helm-config HELM_DATA_HOME=$WORK/helm-data
if "$HELM" template cache helm/spoolkv --namespace shop --set replicaCount=3 --set twemproxy.enabled=true \
        --show-only templates/twemproxy.yaml >"$WORK/twemproxy.yaml" 2>"$WORK/err"; then
    ok "helm template renders the twemproxy manifests"
else
    bad "helm template with twemproxy.enabled"; cat "$WORK/err"; finish
fi
# The nutcracker.yml block of the ConfigMap, unindented (text, so PyYAML is not needed).
python3 - "$WORK/twemproxy.yaml" "$WORK/chart-nutcracker.yml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^  nutcracker\.yml: \|\n((?:    .*\n|\n)+)", text, re.M)
open(sys.argv[2], "w").write("".join(l[4:] + "\n" for l in m.group(1).splitlines()) if m else "")
PY
servers=$(sed -n 's/^ *- \([^ ]*\):\([0-9]*\):1 \(.*\)$/\1:\2 \3/p' "$WORK/chart-nutcracker.yml")
if grep -q '^ *distribution: ketama$' "$WORK/chart-nutcracker.yml" && [[ $(echo "$servers" | wc -l) -eq 3 ]] \
        && echo "$servers" | grep -q '^cache-spoolkv-0\.cache-spoolkv-headless\.shop\.svc\.cluster\.local:11211 cache-spoolkv-0$'; then
    ok "nutcracker.yml: ketama over the 3 pods' DNS names ($(echo "$servers" | awk '{print $2}' | tr '\n' ' '))"
else
    bad "nutcracker.yml is not ketama over 3 pod names:"; cat "$WORK/chart-nutcracker.yml"; finish
fi

# --- 2. three instances and nutcracker -------------------------------------------------------
for i in 0 1 2; do spoolkv_launch "$jar" "$WORK/s$i"; done
declare -a MC MGMT
for i in 0 1 2; do
    if spoolkv_wait "$WORK/s$i"; then
        MC[$i]=$SPOOLKV_MC_PORT; MGMT[$i]=$SPOOLKV_MGMT_PORT
        ok "spoolkv $i ready on 127.0.0.1:${MC[$i]}"
    else
        bad "spoolkv $i did not start"; tail -20 "$WORK/s$i/log"; finish
    fi
done
listen=$(free_port)
stats=$(free_port)

# write_conf OUT INSTANCES...: the chart's file with the listen address and the given servers' addresses
# rewritten to loopback; servers not given are left out.
write_conf() {
    local out=$1
    shift
    python3 - "$WORK/chart-nutcracker.yml" "$out" "$listen" "$*" "${MC[0]} ${MC[1]} ${MC[2]}" <<'PY'
import re, sys
src, out, listen, keep, ports = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5].split()
lines = []
for line in open(src):
    line = re.sub(r"^(\s*listen: )\S+", r"\g<1>127.0.0.1:" + listen, line)
    m = re.match(r"^(\s*- )\S+?-(\d+)\.\S+:\d+(:\d+ \S+)$", line.rstrip("\n"))
    if m:
        if m.group(2) not in keep:
            continue
        line = "%s127.0.0.1:%s%s\n" % (m.group(1), ports[int(m.group(2))], m.group(3))
    lines.append(line)
open(out, "w").writelines(lines)
PY
}

start_nutcracker() {
    local conf=$1
    if ! nutcracker --test-conf --conf-file="$conf" >"$WORK/nc-test.log" 2>&1; then
        bad "nutcracker refuses $conf"; cat "$WORK/nc-test.log"; return 1
    fi
    nutcracker --conf-file="$conf" --stats-port="$stats" --stats-addr=127.0.0.1 --output="$WORK/nutcracker.log" \
        --pid-file="$WORK/nutcracker.pid" --verbose=5 &
    nc_pid=$!
    for _ in $(seq 1 100); do
        if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$listen" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    bad "nutcracker did not listen on 127.0.0.1:$listen"; cat "$WORK/nutcracker.log"; return 1
}

write_conf "$WORK/nutcracker-3.yml" 0 1 2
start_nutcracker "$WORK/nutcracker-3.yml" || finish
ok "nutcracker listens on 127.0.0.1:$listen with the chart's pool: $(grep -o '127.0.0.1:[0-9]*:1 [^ ]*' "$WORK/nutcracker-3.yml" | tr '\n' ' ')"

# --- 3 and 4: traffic ------------------------------------------------------------------------
# mc.py PHASE: "write" sets the keys through nutcracker and reads them back, then asks every instance
# which keys it holds (owners file); "removed" reads through nutcracker with instance 2 gone.
cat >"$WORK/mc.py" <<'PY'
import json, socket, sys

phase, listen, keys, owners_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
instances = [int(p) for p in sys.argv[5].split()]
results = []

def check(cond, what):
    results.append((bool(cond), what))

class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""
    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l
    def exact(self, n):
        while len(self.buf) < n:
            self.buf += self.s.recv(65536)
        d, self.buf = self.buf[:n], self.buf[n:]
        return d
    def get_many(self, names):
        """Values of the keys found (one multi-get per batch, as clients send them)."""
        found = {}
        for i in range(0, len(names), 100):
            batch = names[i:i + 100]
            self.s.sendall(b"get " + b" ".join(k.encode() for k in batch) + b"\r\n")
            while True:
                l = self.line()
                if l == b"END":
                    break
                parts = l.split()
                if parts[0] != b"VALUE":
                    raise ValueError("unexpected reply %r" % l)
                data = self.exact(int(parts[3]) + 2)[:-2]
                found[parts[1].decode()] = data.decode()
        return found
    def stat(self, name):
        self.s.sendall(b"stats\r\n")
        value = None
        while True:
            l = self.line()
            if l == b"END":
                return value
            parts = l.split()
            if parts[1].decode() == name:
                value = int(parts[2])

names = ["user:%05d:profile" % i for i in range(keys)]
value = lambda k: "v-" + k[::-1]
proxy = Conn(listen)

if phase == "write":
    stored = 0
    for i in range(0, keys, 200):
        batch = names[i:i + 200]
        proxy.s.sendall(b"".join(b"set %s 0 0 %d\r\n%s\r\n" % (k.encode(), len(value(k)), value(k).encode()) for k in batch))
        stored += sum(1 for _ in batch if proxy.line() == b"STORED")
    check(stored == keys, "%d of %d sets through nutcracker answered STORED" % (stored, keys))
    got = proxy.get_many(names)
    check(len(got) == keys and all(got[k] == value(k) for k in names),
          "all %d keys read back through nutcracker with their values (%d found)" % (keys, len(got)))
    # Which instance holds each key: asked of the instances directly.
    owners = {}
    counts = []
    for n, port in enumerate(instances):
        c = Conn(port)
        held = c.get_many(names)
        for k in held:
            owners.setdefault(k, []).append(n)
        counts.append(c.stat("curr_items"))
    check(all(len(owners.get(k, [])) == 1 for k in names), "every key is on exactly one instance")
    check(sum(counts) == keys, "curr_items of the instances %s sum to %d" % (counts, keys))
    for n, c in enumerate(counts):
        share = c / keys
        check(0.20 <= share <= 0.47, "instance %d holds %d keys, %.1f%% (band 20%%..47%% around 33.3%%)" % (n, c, 100 * share))
    json.dump({k: v[0] for k, v in owners.items()}, open(owners_path, "w"))
else:
    owners = json.load(open(owners_path))
    got = proxy.get_many(names)
    kept = [k for k in names if owners[k] != 2]
    moved = [k for k in names if owners[k] == 2]
    check(all(got.get(k) == value(k) for k in kept),
          "all %d keys of instances 0 and 1 still read back through nutcracker (%d of them found)"
          % (len(kept), sum(1 for k in kept if k in got)))
    missing = [k for k in names if k not in got]
    check(set(missing) == set(moved),
          "the %d keys that miss are exactly the removed instance's %d keys (%.1f%% of all, its share)"
          % (len(missing), len(moved), 100 * len(moved) / keys))

for good, what in results:
    print(("ok - " if good else "FAIL - ") + what)
sys.exit(0 if all(g for g, _ in results) else 1)
PY

run_phase() {
    local out rc=0
    out=$(python3 "$WORK/mc.py" "$1" "$listen" "$KEYS" "$WORK/owners.json" "${MC[0]} ${MC[1]} ${MC[2]}" 2>&1) || rc=$?
    echo "$out"
    passed=$((passed + $(grep -c '^ok - ' <<<"$out" || true)))
    failed=$((failed + $(grep -c '^FAIL - ' <<<"$out" || true)))
    if [[ $rc -ne 0 ]] && ! grep -q '^FAIL - ' <<<"$out"; then bad "phase $1 crashed (exit $rc)"; fi
}
run_phase write

# Remove instance 2: stop it and restart nutcracker without it.
kill "$(cat "$WORK/s2/pid")" && wait "$(cat "$WORK/s2/pid")" 2>/dev/null || true
stop_nutcracker
write_conf "$WORK/nutcracker-2.yml" 0 1
start_nutcracker "$WORK/nutcracker-2.yml" || finish
ok "instance 2 stopped; nutcracker restarted with $(grep -c '127.0.0.1:[0-9]*:1' "$WORK/nutcracker-2.yml") servers"
run_phase removed
finish
