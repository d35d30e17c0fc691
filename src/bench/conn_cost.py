#!/usr/bin/env python3
"""What an idle client connection costs the server, spoolkv beside memcached.

Starts target/spoolkv.jar and Debian's memcached on loopback, opens N connections to each (every one sends one
`get` and reads its answer, then stays open and idle), and reports per connection: the growth of the server's
resident memory (VmRSS), and for spoolkv also the growth of the Java heap that is live after a full GC.

    ulimit -n 20000; python3 src/bench/conn_cost.py --connections 8000 [--jvm-opts "-Xmx512m ..."]
"""
import argparse
import os
import re
import shlex
import socket
import subprocess
import sys
import time

from benchutil import free_port, rss_kib, wait_port


def live_heap_kib(pid):
    """Java heap in use right after a full GC (jcmd), in KiB."""
    subprocess.run(["jcmd", str(pid), "GC.run"], check=True, capture_output=True)
    out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], check=True, capture_output=True, text=True).stdout
    m = re.search(r"used (\d+)K", out)
    return int(m.group(1)) if m else None


def open_idle(port, n):
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"get conn-cost-missing-key\r\n")
        buf = b""
        while not buf.endswith(b"END\r\n"):
            chunk = s.recv(64)
            if not chunk:
                raise SystemExit("server closed a connection")
            buf += chunk
        conns.append(s)
    return conns


def measure(label, pid, port, n, java):
    time.sleep(3)
    heap0 = live_heap_kib(pid) if java else None
    time.sleep(1)
    rss0 = rss_kib(pid)
    conns = open_idle(port, n)
    time.sleep(3)
    rss1 = rss_kib(pid)
    heap1 = live_heap_kib(pid) if java else None
    rss2 = rss_kib(pid)
    result = {"label": label, "connections": n, "rss_before_kib": rss0, "rss_after_kib": rss1,
              "rss_per_conn_kib": (rss1 - rss0) / n}
    if java:
        # Both ends measured right after a full GC, so garbage the JVM has not collected yet does not count.
        result["live_heap_per_conn_kib"] = (heap1 - heap0) / n
        result["rss_gc_per_conn_kib"] = (rss2 - rss0) / n
    for s in conns:
        s.close()
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, default=8000)
    ap.add_argument("--jar", default="target/spoolkv.jar")
    ap.add_argument("--jvm-opts", default="")
    args = ap.parse_args()

    results = []
    mport = free_port()
    mc = subprocess.Popen(["memcached", "-p", str(mport), "-U", "0", "-l", "127.0.0.1", "-t", "2",
                           "-c", str(args.connections + 100), "-m", "64"]
                          + (["-u", "root"] if os.geteuid() == 0 else []))
    try:
        wait_port(mport)
        results.append(measure("memcached 1.6 (-t 2)", mc.pid, mport, args.connections, False))
    finally:
        mc.terminate()
        mc.wait()

    sport, hport = free_port(), free_port()
    cmd = ["java"] + shlex.split(args.jvm_opts) + ["-jar", args.jar, "--spoolkv.server.host=127.0.0.1",
           "--spoolkv.server.port=%d" % sport, "--server.port=%d" % hport,
           "--spoolkv.server.max-connections=%d" % (args.connections + 100)]
    sk = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(sport)
        results.append(measure("spoolkv " + (args.jvm_opts or "(JVM defaults)"), sk.pid, sport,
                               args.connections, True))
    finally:
        sk.terminate()
        sk.wait()

    print("| server | connections | RSS growth per connection | same, both ends after a full GC | live heap per connection |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        heap = "%.2f KiB" % r["live_heap_per_conn_kib"] if "live_heap_per_conn_kib" in r else ""
        gc = "%.2f KiB" % r["rss_gc_per_conn_kib"] if "rss_gc_per_conn_kib" in r else ""
        print("| %s | %d | %.2f KiB | %s | %s |" % (r["label"], r["connections"], r["rss_per_conn_kib"], gc, heap))
    base = results[0]["rss_per_conn_kib"]
    if base > 0:
        print("spoolkv / memcached RSS per connection: %.1fx; after a full GC %.1fx" % (
            results[1]["rss_per_conn_kib"] / base, results[1]["rss_gc_per_conn_kib"] / base))


if __name__ == "__main__":
    sys.exit(main())
