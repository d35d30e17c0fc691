#!/usr/bin/env python3
"""The store's checks, spoolkv and Debian's memcached started side by side on loopback, same client:

  lru  LRU under pressure: an 8 MB store, 40 MB written as "set k" then "get k" for each key, with 1 KB
       and with 100 KB values. Counts immediate misses (a get right after its set that finds nothing) and
       how many of the 50 most recently written keys are still there at the end.
  rss  Store full: max-memory 1 GB (memcached -m 1024), 2 GB of 1 KB values written (pipelined, noreply);
       the server's RSS (VmRSS) at the end and its peak, sampled every 0.2 s while writing.

Usage: src/bench/store_check.py [--jar target/spoolkv.jar] [--jvm "-Xmx2g ..."] [--only lru|rss] [--json FILE]
                               [--servers memcached,spoolkv] [--histogram FILE]
Prints one line per server and check; --json also writes them as a list of records.
"""
import argparse
import json
import os
import shlex
import socket
import subprocess
import threading
import time

from benchutil import free_port, rss_kib, wait_port

MB = 1024 * 1024


def start_spoolkv(jar, jvm, max_memory_mb):
    port, http = free_port(), free_port()
    cmd = (["java"] + shlex.split(jvm) + ["-jar", jar, "--spoolkv.server.host=127.0.0.1",
           "--spoolkv.server.port=%d" % port,
           "--server.port=%d" % http, "--server.address=127.0.0.1",
           "--spoolkv.store.max-memory=%dMB" % max_memory_mb])
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


def start_memcached(max_memory_mb):
    port = free_port()
    user = ["-u", "nobody"] if os.getuid() == 0 else []
    proc = subprocess.Popen(["memcached"] + user + ["-p", str(port), "-l", "127.0.0.1", "-U", "0", "-t", "2",
                                                    "-m", str(max_memory_mb)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


class Client:
    """A plain text-protocol client: one socket, reads exactly what each reply needs."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise SystemExit("server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exactly(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise SystemExit("server closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def set(self, key, value):
        self.sock.sendall(b"set %s 0 0 %d\r\n%s\r\n" % (key, len(value), value))
        line = self._line()
        if line != b"STORED":
            raise SystemExit("set %r: %r" % (key, line))

    def get(self, key):
        """The value, or None on a miss."""
        self.sock.sendall(b"get %s\r\n" % key)
        line = self._line()
        if line == b"END":
            return None
        size = int(line.split()[3])
        value = self._exactly(size + 2)[:-2]
        if self._line() != b"END":
            raise SystemExit("get %r: no END" % key)
        return value

    def set_many_noreply(self, keys, value):
        """Pipelined sets without replies, then mn/MN as a barrier so the server has applied them all."""
        header = b" 0 0 %d noreply\r\n" % len(value)
        tail = value + b"\r\n"
        self.sock.sendall(b"".join(b"set " + k + header + tail for k in keys) + b"mn\r\n")
        line = self._line()
        if line != b"MN":
            raise SystemExit("after pipelined sets: %r" % line)

    def stats(self):
        self.sock.sendall(b"stats\r\n")
        out = {}
        while True:
            line = self._line()
            if line == b"END":
                return out
            _, name, value = line.decode().split(" ", 2)
            out[name] = value


def check_lru(port, value_size, written_bytes=40 * MB, last=50):
    client = Client(port)
    n = written_bytes // value_size
    misses = 0
    keys = []
    for i in range(n):
        key = b"lru-%d-%d" % (value_size, i)
        value = (b"%08d" % i) * (value_size // 8) + b"x" * (value_size % 8)
        client.set(key, value)
        if client.get(key) != value:
            misses += 1
        keys.append(key)
    kept = sum(1 for k in keys[-last:] if client.get(k) is not None)
    stats = client.stats()
    return {"check": "lru", "value_bytes": value_size, "items_written": n, "immediate_misses": misses,
            "newest_kept": kept, "newest_checked": last, "evictions": int(stats["evictions"]),
            "curr_items": int(stats["curr_items"])}


def check_rss(proc, port, value_size=1024, written_bytes=2048 * MB, batch=256, histogram=None):
    client = Client(port)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    value = b"v" * value_size
    n = written_bytes // value_size
    started = time.time()
    for first in range(0, n, batch):
        client.set_many_noreply([b"rss-%09d" % i for i in range(first, min(n, first + batch))], value)
    elapsed = time.time() - started
    time.sleep(2)  # let the JIT and GC settle before the final sample
    done.set()
    sampler.join()
    rss = rss_kib(proc.pid)
    stats = client.stats()
    if histogram:
        # what the heap holds per class (live objects: the histogram runs a full GC first)
        with open(histogram, "w") as f:
            subprocess.run(["jcmd", str(proc.pid), "GC.class_histogram"], stdout=f, check=True)
    return {"check": "rss", "value_bytes": value_size, "items_written": n, "write_seconds": round(elapsed, 1),
            "rss_mib": round(rss / 1024, 1), "peak_rss_mib": round(max(peak[0], rss) / 1024, 1),
            "curr_items": int(stats["curr_items"]), "bytes": int(stats["bytes"]),
            "limit_maxbytes": int(stats["limit_maxbytes"])}


def run(server, start, checks, results, histogram=None):
    for check in checks:
        if check == "lru":
            for size in (1024, 100 * 1024):
                proc, port = start(8)
                try:
                    results.append(dict(server=server, **check_lru(port, size)))
                finally:
                    proc.terminate()
                    proc.wait()
                print(json.dumps(results[-1]), flush=True)
        else:
            proc, port = start(1024)
            try:
                results.append(dict(server=server, **check_rss(proc, port, histogram=histogram)))
            finally:
                proc.terminate()
                proc.wait()
            print(json.dumps(results[-1]), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jar", default="target/spoolkv.jar")
    parser.add_argument("--jvm", default="-Xmx512m -XX:MaxDirectMemorySize=1300m")
    parser.add_argument("--only", choices=["lru", "rss"])
    parser.add_argument("--json")
    parser.add_argument("--servers", default="memcached,spoolkv", help="comma-separated: memcached, spoolkv")
    parser.add_argument("--histogram", help="rss check: write spoolkv's heap class histogram here")
    args = parser.parse_args()
    checks = [args.only] if args.only else ["lru", "rss"]
    results = []
    servers = args.servers.split(",")
    if "memcached" in servers:
        run("memcached", start_memcached, checks, results)
    if "spoolkv" in servers:
        run("spoolkv", lambda mb: start_spoolkv(args.jar, args.jvm, mb), checks, results, args.histogram)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"jvm": args.jvm, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
