#!/usr/bin/env python3
"""What a client that pipelines gets and never reads costs the server (issue 8's output bound).

Starts a spoolkv jar on loopback, stores one value, then one client pipelines up to --gets `get` requests of it
(non-blocking, for at most --seconds) and reads nothing. Samples the server's resident memory (VmRSS) and JVM
direct memory (from /actuator/prometheus) every 50 ms, and reports the peak growth over the idle server.

    python3 src/bench/flood_cost.py [--jar target/spoolkv.jar] [--value-kib 100] [--gets 100000]
"""
import argparse
import re
import socket
import subprocess
import sys
import time
import urllib.request

from benchutil import free_port, rss_kib, wait_port


def direct_bytes(http_port):
    text = urllib.request.urlopen("http://127.0.0.1:%d/actuator/prometheus" % http_port, timeout=5).read().decode()
    m = re.search(r'^jvm_buffer_memory_used_bytes\{[^}]*id="direct"[^}]*\} (\S+)$', text, re.M)
    return float(m.group(1)) if m else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", default="target/spoolkv.jar")
    ap.add_argument("--value-kib", type=int, default=100)
    ap.add_argument("--gets", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()

    port, http = free_port(), free_port()
    server = subprocess.Popen(["java", "-Xmx1g", "-jar", args.jar, "--spoolkv.server.host=127.0.0.1",
                               "--spoolkv.server.port=%d" % port, "--server.port=%d" % http],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        wait_port(http)
        value = b"v" * (args.value_kib * 1024)
        with socket.create_connection(("127.0.0.1", port)) as c:
            c.sendall(b"set big 0 0 %d\r\n" % len(value) + value + b"\r\n")
            assert c.recv(64).startswith(b"STORED")
        time.sleep(2)
        rss0, direct0 = rss_kib(server.pid) * 1024, direct_bytes(http)

        flood = socket.create_connection(("127.0.0.1", port))
        flood.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        flood.setblocking(False)
        request = b"get big\r\n"
        batch = request * 1000
        sent = 0
        pending = b""
        peak_rss, peak_direct = rss0, direct0
        start = time.time()
        next_sample = start
        while time.time() - start < args.seconds:
            if not pending and sent < args.gets:
                pending = batch
                sent += 1000
            if pending:
                try:
                    n = flood.send(pending)
                    pending = pending[n:]
                except BlockingIOError:
                    time.sleep(0.005)
            else:
                time.sleep(0.005)
            if time.time() >= next_sample:
                peak_rss = max(peak_rss, rss_kib(server.pid) * 1024)
                peak_direct = max(peak_direct, direct_bytes(http))
                next_sample = time.time() + 0.05
        accepted = sent - len(pending) // len(request)
        flood.close()
        mib = 1024 * 1024
        print("| jar | gets sent (accepted by the kernel) | peak RSS growth | peak JVM direct memory growth |")
        print("|---|---:|---:|---:|")
        print("| %s | %d | %.1f MiB | %.1f MiB |" % (args.jar, accepted, (peak_rss - rss0) / mib,
                                                     (peak_direct - direct0) / mib))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
