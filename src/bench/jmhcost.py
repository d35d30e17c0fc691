#!/usr/bin/env python3
"""SpoolWriteBenchmark's JMH JSON results as a table: throughput (median and min-max of all measurement
iterations) next to the costs WriteCostProfiler measures (CPU ns per fragment of the producer side and of the
event loop, event-loop tasks per 1,000 fragments), which depend much less than throughput on how the
scheduler shares the cores, and the producers' waits for room (per 1,000 fragments, and the KiB still pending
for the socket when a wait ended: how full the pipe was when the producer got going again).

usage: jmhcost.py RESULT.json [RESULT.json ...]     (several files: their iterations are pooled)
report.py uses load() for the README's table.
"""
import json
import statistics
import sys

COSTS = ["cost.cpu.producer", "cost.cpu.loop", "cost.cpu.total", "cost.loop.tasks", "gc.alloc.rate.norm",
         "wait.count", "wait.pendingAtWake"]


def load(files):
    """{(variant, size, threads): {"ops": [...], metric: [...]}}, every list one value per measurement iteration."""
    out = {}
    for f in files:
        for b in json.load(open(f)):
            key = (b["params"]["variant"], int(b["params"]["size"]), b["threads"])
            d = out.setdefault(key, {})
            for it in b["primaryMetric"]["rawData"]:
                d.setdefault("ops", []).extend(it)
            for name in COSTS:
                m = b["secondaryMetrics"].get(name)
                if m:
                    for it in m["rawData"]:
                        d.setdefault(name, []).extend(it)
    return out


def median(d, name):
    v = d.get(name)
    return statistics.median(v) if v else float("nan")


def main(files):
    data = load(files)
    print("| size | producers | variant | fragments/s median (min-max) | CPU ns/fragment producer + loop = total"
          " | loop tasks / 1,000 fragments | alloc B/fragment | waits / 1,000 fragments | KiB pending at wake |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for (v, s, t) in sorted(data, key=lambda k: (k[2], k[1], k[0])):
        d = data[(v, s, t)]
        ops = d["ops"]
        print(f"| {s} | {t} | {v} | {statistics.median(ops) / 1e3:,.0f} k ({min(ops) / 1e3:,.0f}-{max(ops) / 1e3:,.0f})"
              f" | {median(d, 'cost.cpu.producer'):.0f} + {median(d, 'cost.cpu.loop'):.0f} = "
              f"{median(d, 'cost.cpu.total'):.0f} | {median(d, 'cost.loop.tasks'):.1f} |"
              f" {median(d, 'gc.alloc.rate.norm'):.0f} | {median(d, 'wait.count'):.2f} |"
              f" {median(d, 'wait.pendingAtWake'):.0f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
