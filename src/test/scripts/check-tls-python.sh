#!/usr/bin/env bash
# TLS and the text login against the built jar with Python's ssl module (OpenSSL) as the client: a client
# with a trusted certificate logs in and runs storage, retrieval, meta, stats, a key dump and a watch over
# TLS; a client without a certificate, a plaintext client and an unauthenticated client are refused. Then
# prints load/round-trip/dump figures over TLS beside a plaintext server started the same way.
# Certificates are made here with keytool and openssl; nothing is kept.
# Usage: ./mvnw -B package -DskipTests && src/test/scripts/check-tls-python.sh [path/to/spoolkv.jar]
# Needs java (with keytool), python3 and openssl.
set -euo pipefail
cd "$(dirname "$0")/../../.."

jar="${1:-target/spoolkv.jar}"
[[ -f "$jar" ]] || { echo "no $jar: build it first (./mvnw -B package -DskipTests)" >&2; exit 1; }
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }
keytool="$(dirname "$(readlink -f "$(command -v java)")")/keytool"

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# --- certificates: a server and a client identity, each self-signed; each side trusts the other's certificate.
for who in server client; do
  "$keytool" -genkeypair -alias "$who" -keyalg EC -groupname secp256r1 -dname "CN=$who" \
    -ext SAN=dns:localhost,ip:127.0.0.1 -validity 2 -storetype PKCS12 -keystore "$work/$who.p12" \
    -storepass changeit -keypass changeit >/dev/null 2>&1
  "$keytool" -exportcert -rfc -alias "$who" -keystore "$work/$who.p12" -storepass changeit >"$work/$who.crt" 2>/dev/null
done
"$keytool" -importcert -noprompt -alias client -file "$work/client.crt" -storetype PKCS12 \
  -keystore "$work/server-trust.p12" -storepass changeit >/dev/null 2>&1
openssl pkcs12 -in "$work/client.p12" -nocerts -nodes -passin pass:changeit -out "$work/client.key" 2>/dev/null
printf 'alice:secret\n' >"$work/credentials"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start <name> <memcached port> [extra args...]: runs the jar, waits for the memcached port.
start() {
  local name=$1 port=$2; shift 2
  java -jar "$jar" --spoolkv.server.host=127.0.0.1 --spoolkv.server.port="$port" \
    --server.address=127.0.0.1 --server.port="$(free_port)" --spoolkv.store.max-memory=256MB "$@" \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    grep -q "memcached listener on" "$work/$name.log" 2>/dev/null && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  echo "spoolkv ($name) did not start; its log:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

tls_port=$(free_port)
plain_port=$(free_port)
start tls "$tls_port" --spoolkv.server.ssl.bundle=mc --spoolkv.server.ssl.client-auth=need \
  --spring.ssl.bundle.jks.mc.keystore.location="file:$work/server.p12" \
  --spring.ssl.bundle.jks.mc.keystore.password=changeit --spring.ssl.bundle.jks.mc.keystore.type=PKCS12 \
  --spring.ssl.bundle.jks.mc.truststore.location="file:$work/server-trust.p12" \
  --spring.ssl.bundle.jks.mc.truststore.password=changeit --spring.ssl.bundle.jks.mc.truststore.type=PKCS12 \
  --spoolkv.auth.enabled=true --spoolkv.auth.credentials-file="$work/credentials"
start plain "$plain_port" --spoolkv.auth.enabled=true --spoolkv.auth.credentials-file="$work/credentials"

python3 - "$tls_port" "$plain_port" "$work" <<'PY'
import socket, ssl, sys, time

tls_port, plain_port, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
failed = 0

def check(cond, what):
    global failed
    print(("ok - " if cond else "FAIL - ") + what)
    failed += 0 if cond else 1

def context(with_cert):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=work + "/server.crt")
    if with_cert:
        ctx.load_cert_chain(work + "/client.crt", work + "/client.key")
    return ctx

def connect(port, tls=True, with_cert=True):
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    return context(with_cert).wrap_socket(raw, server_hostname="localhost") if tls else raw

class Conn:
    def __init__(self, sock):
        self.s, self.buf = sock, b""
    def send(self, data):
        self.s.sendall(data)
    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("latin-1")
    def until(self, last):
        lines = []
        while True:
            l = self.line()
            if l is None or l == last:
                return lines
            lines.append(l)

LOGIN = b"set auth 0 0 12\r\nalice secret\r\n"

# A trusted client: before login everything is refused, after it every family works over TLS.
c = Conn(connect(tls_port))
check(c.s.version() in ("TLSv1.3", "TLSv1.2"), "TLS session with a client certificate (%s)" % c.s.version())
c.send(b"stats\r\nwatch mutations\r\n")
check(c.line() == "CLIENT_ERROR unauthenticated" and c.line() == "CLIENT_ERROR unauthenticated",
      "stats and watch before login: CLIENT_ERROR unauthenticated")
c.send(b"set auth 0 0 11\r\nalice wrong\r\n")
check(c.line() == "CLIENT_ERROR authentication failure", "wrong password: CLIENT_ERROR authentication failure")
c.send(LOGIN + b"set k 3 0 2\r\nhi\r\nget k\r\nmg k v f\r\n")
check(c.line() == "STORED", "login over TLS: STORED")
check([c.line() for _ in range(6)] == ["STORED", "VALUE k 3 2", "hi", "END", "VA 2 f3", "hi"],
      "set, get and mg over TLS")
w = Conn(connect(tls_port))
w.send(LOGIN + b"watch mutations\r\n")
check(w.line() == "STORED" and w.line() == "OK", "a second client logs in and watches")
c.send(b"set seen 0 0 1\r\nx\r\n")
c.line()
check("key=seen" in (w.line() or ""), "the watch stream arrives over TLS")
c.send(b"stats\r\n")
check(any(l.startswith("STAT pid ") for l in c.until("END")), "stats after login")

# Refusals.
try:
    r = Conn(connect(tls_port, with_cert=False))
    r.send(b"version\r\n")
    reply = r.line()
except (ssl.SSLError, OSError) as e:
    reply = None
check(reply is None, "client-auth need: a client without a certificate gets no session")
p = socket.create_connection(("127.0.0.1", tls_port), timeout=30)
p.sendall(b"version\r\n")
got = b""
try:
    while True:
        chunk = p.recv(4096)
        if not chunk:
            break
        got += chunk
except OSError:
    pass
check(b"VERSION" not in got, "a plaintext client on the TLS port is closed without an answer")

# Figures: the same load over TLS and over plaintext.
def figures(port, tls):
    n, keys, rounds = 20000, 100000, 5000
    f = {}
    c = Conn(connect(port, tls=tls))
    c.send(LOGIN)
    c.line()
    t = time.perf_counter()
    c.send(b"".join(b"set load%07d 0 0 32 noreply\r\n%s\r\n" % (i, b"v" * 32) for i in range(keys)) + b"mn\r\n")
    c.until("MN")
    f["load"] = keys / (time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(rounds):
        c.send(b"get load%07d\r\n" % i)
        c.until("END")
    f["rtt"] = rounds / (time.perf_counter() - t)
    t = time.perf_counter()
    c.send(b"lru_crawler metadump all\r\n")
    dumped = sum(1 for l in c.until("END") if l.startswith("key=load"))
    f["dump"] = dumped / (time.perf_counter() - t)
    check(dumped == keys, "%s: the dump lists all %d keys" % ("TLS" if tls else "plaintext", keys))
    return f

tls_f = figures(tls_port, True)
plain_f = figures(plain_port, False)
print("figures (Python client, one connection; TLS vs plaintext):")
for key, what in (("load", "pipelined set noreply, keys/s"), ("rtt", "get round trips/s"), ("dump", "metadump, keys/s")):
    print("  %-32s TLS %10.0f   plaintext %10.0f   ratio %.2f" % (what, tls_f[key], plain_f[key], tls_f[key] / plain_f[key]))
sys.exit(1 if failed else 0)
PY
echo "check-tls-python: passed"
