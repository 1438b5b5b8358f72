"""How long the `kneecoach` command takes to start: median wall time of several runs.

    .venv/bin/python bench/cli_start.py [--runs 15]

Runs `kneecoach --help` and `kneecoach exercises --json` as fresh processes (the
installed console script) and prints one JSON object with the median and the
spread of each, in milliseconds. Target: under 300 ms median (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = {"help": ["--help"], "exercises_json": ["exercises", "--json"]}


def time_once(script: Path, args: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run([str(script), *args], check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - began) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    script = Path(sys.executable).with_name("kneecoach")
    time_once(script, ["--help"])  # warm the file cache once
    result: dict[str, object] = {"runs": options.runs}
    for name, args in COMMANDS.items():
        times = sorted(time_once(script, args) for _ in range(options.runs))
        result[name] = {
            "median_ms": round(statistics.median(times), 1),
            "min_ms": round(times[0], 1),
            "max_ms": round(times[-1], 1),
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
