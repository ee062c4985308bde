"""One run's measurements as a JSON line (run.sh): the tool's own summary, the wall clock of the
whole process, and the peak resident memory from `/usr/bin/time -v` (else the summary's).

    python record.py TOOL SIZE RUN START END SUMMARY.json TIMEFILE
"""

from __future__ import annotations

import json
import re
import sys


def main() -> None:
    tool, size, run, start, end, summary_path, time_path = sys.argv[1:8]
    with open(summary_path) as f:
        summary = json.load(f)
    with open(time_path) as f:
        timed = f.read()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", timed)
    record = {
        "tool": tool,
        "size": int(size),
        "run": int(run),
        "wall_s": float(end) - float(start),
        "evaluate_s": summary["seconds"]["evaluate"],
        "seconds": summary["seconds"],
        "pairs": summary["pairs"],
        "firms": summary["firms"],
        "peak_rss_bytes": int(rss.group(1)) * 1024 if rss else summary["peak_memory_bytes"],
        "peak_rss_from": "/usr/bin/time" if rss else "summary",
    }
    print(json.dumps(record))


if __name__ == "__main__":
    main()
