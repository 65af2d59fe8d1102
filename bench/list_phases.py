"""Benchmark: where the time of a 10,000-pod list as dicts goes (fetch, parse, free), per parser.

The shared suite's T2 times a list fetched, parsed into dicts, and dropped when the task
returns. This splits that into its phases, each contender in a fresh process: the fetch
through httpx (``response.content``), the parse with the collector paused, and the freeing of
the dicts. Parsers: pydantic-core (what rawkube's ``.json()`` uses for a big body), orjson and
msgspec. Beside them, whole: the baseline (httpx + ``orjson.loads`` with the collector on, as
users run it) and rawkube's ``.json()``, both including the freeing. Needs ``orjson`` (bench
only) and the list made by the shared suite's ``gen_fixtures.py``
(``$BENCH_HOME/data/podlist-10000.json``)::

    python bench/list_phases.py --rounds 5
"""

from __future__ import annotations

import argparse
import statistics

from list_decode import BENCH_HOME, run_rounds

WORKER = r"""
import gc, json, sys, time
kind, url = sys.argv[1], sys.argv[2]
import httpx
import msgspec, orjson, pydantic_core
import rawkube

parse = {
    "pydantic-core": pydantic_core.from_json,
    "orjson": orjson.loads,
    "msgspec": msgspec.json.decode,
}
http = httpx.Client()
client = rawkube.Client(rawkube.Config(server=url.split("/api/")[0]))
out = {}
start = time.perf_counter()
if kind == "httpx+orjson, collector on":
    data = orjson.loads(http.get(url).content)
elif kind == "rawkube .json()":
    data = client.get().namespace("bench").resource("pods").do().json()
else:
    body = http.get(url).content
    fetched = time.perf_counter()
    gc.disable()
    data = parse[kind](body)
    gc.freeze()
    gc.unfreeze()
    gc.enable()
    parsed = time.perf_counter()
    out = {"fetch": fetched - start, "parse": parsed - fetched}
    del body
named = sum(1 for pod in data["items"] if pod["metadata"]["name"])
before_free = time.perf_counter()
del data
end = time.perf_counter()
out.update(free=end - before_free, total=end - start, items=named)
print(json.dumps(out))
"""

CONTENDERS = [
    "httpx+orjson, collector on",
    "rawkube .json()",
    "pydantic-core",
    "orjson",
    "msgspec",
]
PHASES = ("fetch", "parse", "free", "total")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    podlist = BENCH_HOME / "data" / "podlist-10000.json"
    if not podlist.exists():
        raise SystemExit(f"{podlist} is missing: run the shared suite's gen_fixtures.py first")

    results = run_rounds(WORKER, CONTENDERS, args.rounds, podlist)

    base = statistics.median(r["total"] for r in results[CONTENDERS[0]])
    print(f"{args.rounds} fresh-process runs each; seconds, medians (min-max)\n")
    print("| contender | " + " | ".join(PHASES) + " | x baseline |")
    print("|---|" + "---|" * (len(PHASES) + 1))
    for name in CONTENDERS:
        cells = []
        for phase in PHASES:
            values = [r[phase] for r in results[name] if phase in r]
            cells.append(
                f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
                if values
                else ""
            )
        total = statistics.median(r["total"] for r in results[name])
        print(f"| {name} | " + " | ".join(cells) + f" | x{total / base:.2f} |")


if __name__ == "__main__":
    main()
