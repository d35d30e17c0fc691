# Sourced by the check scripts: start spoolkv jars on free loopback ports and stop them again.
#   spoolkv_launch JAR DIR [ARGS...]  starts one in the background (log in DIR/log, ports in DIR/ports:
#                                     "memcached http management"); small heap, one io thread.
#   spoolkv_wait DIR                  waits (up to 180 s) until its readiness is UP; sets SPOOLKV_MC_PORT,
#                                     SPOOLKV_HTTP_PORT and SPOOLKV_MGMT_PORT; non-zero if it never is.
#   spoolkv_start JAR DIR [ARGS...]   both.
#   spoolkv_stop_all                  stops every instance started here (by pid) and waits for it.
# Needs java, python3 and curl.
SPOOLKV_PIDS=()

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

spoolkv_launch() {
    local jar=$1 dir=$2
    shift 2
    mkdir -p "$dir"
    local mc http mgmt
    mc=$(free_port); http=$(free_port); mgmt=$(free_port)
    echo "$mc $http $mgmt" >"$dir/ports"
    java -Xmx256m -XX:TieredStopAtLevel=1 -jar "$jar" \
        --spoolkv.server.host=127.0.0.1 --spoolkv.server.port="$mc" --spoolkv.server.io-threads=1 \
        --server.address=127.0.0.1 --server.port="$http" \
        --management.server.address=127.0.0.1 --management.server.port="$mgmt" "$@" >"$dir/log" 2>&1 &
    echo $! >"$dir/pid"
    SPOOLKV_PIDS+=("$!")
}

spoolkv_wait() {
    local dir=$1 pid
    read -r SPOOLKV_MC_PORT SPOOLKV_HTTP_PORT SPOOLKV_MGMT_PORT <"$dir/ports"
    pid=$(cat "$dir/pid")
    for _ in $(seq 1 360); do
        if curl -fsS "http://127.0.0.1:$SPOOLKV_MGMT_PORT/actuator/health/readiness" >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.5
    done
    return 1
}

spoolkv_start() {
    spoolkv_launch "$@" && spoolkv_wait "$2"
}

spoolkv_stop_all() {
    local pid
    for pid in "${SPOOLKV_PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    SPOOLKV_PIDS=()
}
