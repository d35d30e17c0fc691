#!/usr/bin/env bash
# pymemcache (Debian's python3-pymemcache), unchanged, against the built jar: get_many of 5,000 ordinary keys
# (one request line of about 130 KB, which memcached reads whatever its length), the same with misses among the
# keys, gets_many, delete_many, stats and cache_memlimit as pymemcache parses them. Fails on any difference.
# Usage: ./mvnw -B package -DskipTests && src/test/scripts/check-pymemcache.sh [path/to/spoolkv.jar]
set -euo pipefail
cd "$(dirname "$0")/../../.."

jar="${1:-target/spoolkv.jar}"
[[ -f "$jar" ]] || { echo "no $jar: build it first (./mvnw -B package -DskipTests)" >&2; exit 1; }
# Debian's python, which finds Debian's pymemcache (pip is not used).
py=/usr/bin/python3
if ! [[ -x $py ]] || ! "$py" -c 'import pymemcache' 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends python3 python3-pymemcache >/dev/null
fi

work=$(mktemp -d)
pid=""
cleanup() {
  [[ -z $pid ]] || { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
java -jar "$jar" --spoolkv.server.host=127.0.0.1 --spoolkv.server.port="$port" --server.address=127.0.0.1 \
  --server.port=0 --spoolkv.store.max-memory=256MB >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  grep -q "memcached listener on" "$work/server.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done

"$py" - "$port" <<'PY'
import sys
from pymemcache.client.base import Client

port = int(sys.argv[1])
failed = 0

def check(cond, what):
    global failed
    print(("ok - " if cond else "FAIL - ") + what)
    failed += 0 if cond else 1

client = Client(("127.0.0.1", port), connect_timeout=10, timeout=30)
keys = ["pymemcache:user:%05d:profile" % i for i in range(5000)]
values = {k: ("value-of-" + k).encode() for k in keys}
check(client.set_many(values, noreply=False) == [], "set_many of 5,000 keys stored every key")

line = len("get " + " ".join(keys) + "\r\n")
got = client.get_many(keys)
check(line > 64 * 1024, "the get_many line is %d bytes, over 64 KiB" % line)
check(len(got) == 5000 and all(got[k] == values[k] for k in keys), "get_many of 5,000 keys returns every value")

missing = ["pymemcache:absent:%05d" % i for i in range(2500)]
mixed = [k for pair in zip(keys[:2500], missing) for k in pair]
got = client.get_many(mixed)
check(sorted(got) == sorted(keys[:2500]) and all(got[k] == values[k] for k in keys[:2500]),
      "get_many of 5,000 keys, half of them missing, returns exactly the present ones")

with_cas = client.gets_many(keys)
cas = [c for (_, c) in with_cas.values()]
check(len(with_cas) == 5000 and len(set(cas)) == 5000, "gets_many of 5,000 keys returns 5,000 distinct CAS values")
check(client.cas(keys[0], b"changed", cas=with_cas[keys[0]][1]) is True, "cas with the CAS gets_many returned stores")

check(client.delete_many(keys[:1000]) is True, "delete_many of 1,000 keys")
check(len(client.get_many(keys)) == 4000, "the 4,000 others are still there")

stats = client.stats()
check(stats.get(b"curr_items") == 4000, "stats parsed by pymemcache: curr_items 4000")
check(stats.get(b"cmd_get", 0) >= 17500, "stats parsed by pymemcache: cmd_get counts every key (%s)" % stats.get(b"cmd_get"))
check(client.cache_memlimit(128) is True, "cache_memlimit 128")
check(client.stats("settings").get(b"maxbytes") == 128 * 1024 * 1024, "stats settings maxbytes follows cache_memlimit")
check(client.version().startswith(b"1.6.18"), "version starts with the protocol level 1.6.18")
client.close()
print("%d failed" % failed)
sys.exit(1 if failed else 0)
PY
