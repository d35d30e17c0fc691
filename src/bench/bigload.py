#!/usr/bin/env python3
"""The table of src/bench/getset_big.sh's runs (2M keys of 1 KB, 90/10 get/set, 32 connections): medians over the
rounds per server, and each spoolkv's ratio to memcached from the same run.

usage: bigload.py RAW_DIR        prints the Markdown table (report.py includes it when RAW_DIR/big.txt exists)
"""
import os
import statistics
import sys

med = statistics.median


def kv(text):
    return dict(p.split("=", 1) for p in text.split() if "=" in p)


def load(raw):
    """{server: {"runs": [dict per round], "load": dict, "final": dict}} and the run's own key=value lines."""
    servers, meta = {}, {}
    for line in open(os.path.join(raw, "big-load.txt")):
        head, _, rest = line.strip().partition(" ")
        if "=" in head:
            meta.update(kv(line))
            continue
        d = kv(rest)
        servers.setdefault(head, {"runs": [], "load": {}, "final": {}})["final" if "items" in d else "load"] = d
    for line in open(os.path.join(raw, "big.txt")):
        server, _round, rest = line.split(" ", 2)
        servers.setdefault(server, {"runs": [], "load": {}, "final": {}})["runs"].append(kv(rest))
    return servers, meta


def summary(runs, clk_tck):
    return {
        "rounds": len(runs),
        "ops_per_s": med(float(r["ops_per_s"]) for r in runs),
        "cpu_us_per_op": med(int(r["server_cpu_ticks"]) / clk_tck / int(r["ops"]) * 1e6 for r in runs),
        "p50_us": med(float(r["p50_us"]) for r in runs),
        "p99_us": med(float(r["p99_us"]) for r in runs),
        "p999_us": med(float(r["p999_us"]) for r in runs),
        "errors": sum(int(r["errors"]) for r in runs),
        "misses": sum(int(r["misses"]) for r in runs),
        "ops": sum(int(r["ops"]) for r in runs),
    }


def table(raw):
    servers, meta = load(raw)
    clk = int(meta.get("clk_tck", os.sysconf("SC_CLK_TCK")))
    s = {name: summary(v["runs"], clk) for name, v in servers.items() if v["runs"]}
    mc = s.get("memcached")
    names = [n for n in s if n != "memcached"] + (["memcached"] if mc else [])
    md = [f"Load average {meta.get('loadavg_start', '?')} at the start, {meta.get('loadavg_end', '?')} at the end. "
          "Medians over the rounds; latency is the client's, per request; x = ratio to memcached, same run.\n",
          "| server | preload (set noreply, 1 conn), s | ops/s | server CPU/op | p50 | p99 | p99.9 | errors / get misses (all rounds) "
          "| items after | RSS after |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def rel(name, key):
        return f" ({s[name][key] / mc[key]:.2f}x)" if mc and name != "memcached" and mc[key] else ""

    for n in names:
        v, srv = s[n], servers[n]
        md.append(f"| {n} | {srv['load'].get('seconds', '?')} | {v['ops_per_s']:,.0f}{rel(n, 'ops_per_s')} | "
                  f"{v['cpu_us_per_op']:.1f} us{rel(n, 'cpu_us_per_op')} | {v['p50_us'] / 1e3:.2f} ms{rel(n, 'p50_us')} | "
                  f"{v['p99_us'] / 1e3:.2f} ms{rel(n, 'p99_us')} | {v['p999_us'] / 1e3:.2f} ms{rel(n, 'p999_us')} | "
                  f"{v['errors']} / {v['misses']} | {srv['final'].get('items', '?')} | "
                  f"{int(srv['final'].get('rss_kib', 0)) / 1024:,.0f} MiB |")
    return md, s


if __name__ == "__main__":
    print("\n".join(table(sys.argv[1])[0]))
