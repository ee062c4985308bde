"""The figures of run.sh: median, min and max per size and tool, as a Markdown table.

    python report.py results.jsonl
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict


def spread(values: list[float], fmt: str) -> str:
    return (
        f"{format(statistics.median(values), fmt)} "
        f"({format(min(values), fmt)}–{format(max(values), fmt)})"
    )


def main() -> None:
    runs: dict[tuple[int, str], list[dict]] = defaultdict(list)
    with open(sys.argv[1]) as f:
        for line in f:
            r = json.loads(line)
            runs[(r["size"], r["tool"])].append(r)

    print("median (min–max) of each figure over the runs\n")
    print(
        "| firms | engine | runs | evaluation (s) | end to end (s) | peak RSS (MB) | pairs written |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    for (size, tool), rs in sorted(runs.items()):
        pairs = sorted({r["pairs"] for r in rs})
        print(
            f"| {size:,} | {tool} | {len(rs)} | {spread([r['evaluate_s'] for r in rs], '.3f')} "
            f"| {spread([r['wall_s'] for r in rs], '.2f')} "
            f"| {spread([r['peak_rss_bytes'] / 1e6 for r in rs], '.0f')} "
            f"| {', '.join(f'{p:,}' for p in pairs)} |"
        )

    print("\nratios of the medians (OpenFisca / ucz)\n")
    print("| firms | evaluation | end to end | peak RSS |")
    print("|---:|---:|---:|---:|")
    for size in sorted({s for s, _ in runs}):
        u, o = runs.get((size, "ucz")), runs.get((size, "openfisca"))
        if not u or not o:
            continue

        def ratio(key, u=u, o=o):
            return statistics.median(r[key] for r in o) / statistics.median(r[key] for r in u)

        print(
            f"| {size:,} | {ratio('evaluate_s'):.1f}× | {ratio('wall_s'):.1f}× "
            f"| {ratio('peak_rss_bytes'):.1f}× |"
        )

    print("\nmedian seconds of each step (as each program reports them)\n")
    for (size, tool), rs in sorted(runs.items()):
        steps = rs[0]["seconds"].keys()
        parts = ", ".join(
            f"{k} {statistics.median(r['seconds'][k] for r in rs):.3f}" for k in steps
        )
        print(f"- {size:,} firms, {tool}: {parts}")
    sources = {r["peak_rss_from"] for rs in runs.values() for r in rs}
    print(f"\npeak RSS from: {', '.join(sorted(sources))}")


if __name__ == "__main__":
    main()
