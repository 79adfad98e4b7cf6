#!/usr/bin/env python3
"""Prints a results-*.json of bench/services/run.sh as Markdown tables (for docs/PERFORMANCE.md).

    python3 bench/services/table.py bench/services/results-<stamp>.json
"""
import json
import sys


def main(path):
    r = json.load(open(path))
    print(f"Run `{r['stamp']}`, commit `{r['commit']}`, {r['preset']} build, "
          f"{r['customers']:,} customers, {r['settings']['clients']} clients, "
          f"load average {r['load_average_before']} before / {r['load_average_after']} after, "
          f"{r['compilers_running_before']} compilers running before.\n")
    print("| scenario | variant | clients | throughput | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | retries |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in r["rows"]:
        lat = row["latency_ms"]
        print(f"| {row['scenario']} | {row['variant']} | {row['clients']} | "
              f"{row['throughput']:,.0f} {row['unit']} | {lat['p50']:.2f} | {lat['p90']:.2f} | "
              f"{lat['p99']:.2f} | {lat['p999']:.2f} | {row['errors']} | {row.get('retries', 0)} |")
    print()
    print("| scenario | target | figure | needs | verdict | note |")
    print("|---|---|---|---|---|---|")
    for v in r["verdicts"]:
        print(f"| {v['scenario']} | {v['target']} | {v['figure']:.2f} | {v['threshold']:g} | "
              f"{'met' if v['met'] else '**missed**'} | {v.get('detail', '')} |")
    print()
    for name, m in r.get("memory_mb", {}).items():
        print(f"- {name}: idle {m['idle_rss_mb']:.1f} MB, peak under load {m['load_peak_rss_mb']:.1f} MB "
              f"(VmHWM {m['vm_hwm_mb']:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1])
