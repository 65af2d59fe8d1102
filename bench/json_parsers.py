"""Benchmark: the JSON parsers rawkube could use for each job, on the shared suite's data.

rawkube needs two things of a parser besides pydantic-core's: raw spans (an object's nested
values left unparsed, for models built as they are read) and dicts from small bodies and watch
lines. Only msgspec does the first, so the question is what a second parser would save on the
second: this times msgspec, orjson and pydantic-core turning the same inputs into dicts, each
in a fresh process with the collector on, as users run. orjson is optional here (bench only).
Needs ``$BENCH_HOME/data`` from the shared suite's ``gen_fixtures.py``::

    python bench/json_parsers.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BENCH_HOME = Path(os.environ.get("BENCH_HOME", Path.home() / ".cache" / "k8s-client-bench"))

WORKER = r"""
import itertools, json, sys, time
parser, job, data = sys.argv[1], sys.argv[2], sys.argv[3]
if parser == "msgspec":
    import msgspec
    parse = msgspec.json.Decoder().decode
elif parser == "orjson":
    import orjson
    parse = orjson.loads
else:
    import pydantic_core
    parse = pydantic_core.from_json
if job == "pod":
    body = open(f"{data}/pod.json", "rb").read()
    inputs = [body] * 20000
elif job == "watch":
    with open(f"{data}/watch-50000.jsonl", "rb") as stream:
        inputs = list(itertools.islice(stream, 50000))
else:
    inputs = [open(f"{data}/podlist-10000.json", "rb").read()]
start = time.perf_counter()
if job == "list":
    kept = [parse(item) for item in inputs]  # a list is kept and read
else:
    for item in inputs:  # an event or a small body is handled, then dropped
        parse(item)
print(json.dumps(time.perf_counter() - start))
"""

JOBS = {
    "pod": "20,000 parses of one pod (5.6 kB): typed GET fallbacks, .json() of small bodies",
    "watch": "50,000 watch lines of pods (a dict watch)",
    "list": "a 10,000-pod list (59 MB), kept",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = BENCH_HOME / "data"
    parsers = ["msgspec", "orjson", "pydantic-core"]
    print("| job | " + " | ".join(parsers) + " |")
    print("|---|" + "---|" * len(parsers))
    for job, label in JOBS.items():
        cells = []
        for name in parsers:
            times = []
            for _ in range(args.rounds):
                out = subprocess.run(
                    [sys.executable, "-c", WORKER, name, job, str(data)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                times.append(json.loads(out.stdout))
            cells.append(f"{statistics.median(times) * 1000:.0f} ms")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
