"""Benchmark: workqueue throughput, add + get + done per item, against the standard library's.

Each round pushes ``--count`` distinct items through every contender once, in a rotating
order: the producer adds them while 1 or 4 workers take and finish them, and the round ends
when the workers have seen the shutdown signal. The baseline is the same shape on
``queue.Queue`` (``put``, ``get``, ``task_done``), which neither de-duplicates nor tracks items
being processed. The asyncio rows do the same with tasks on one loop, against
``asyncio.Queue``. The report gives items per second, median with min and max over the
rounds. Run it from the repository root::

    python bench/workqueue.py --rounds 7 --count 100000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import queue
import statistics
import sys
import threading
import time
from collections.abc import Callable

import rawkube
from rawkube.runtime.workqueue import AsyncQueue, Queue, ShutDown

STOP = object()


def rawkube_threads(workers: int) -> Callable[[int], float]:
    def run(count: int) -> float:
        work: Queue[int] = Queue()

        def worker() -> None:
            while True:
                try:
                    item = work.get()
                except ShutDown:
                    return
                work.done(item)

        return _time_threads(worker, workers, lambda: _feed(work.add, count, work.shut_down))

    return run


def stdlib_threads(workers: int) -> Callable[[int], float]:
    def run(count: int) -> float:
        work: queue.Queue[object] = queue.Queue()

        def worker() -> None:
            while True:
                item = work.get()
                work.task_done()
                if item is STOP:
                    return

        def stop() -> None:
            for _ in range(workers):
                work.put(STOP)

        return _time_threads(worker, workers, lambda: _feed(work.put, count, stop))

    return run


def _feed(add: Callable[[int], object], count: int, stop: Callable[[], None]) -> None:
    for item in range(count):
        add(item)
    stop()


def _time_threads(worker: Callable[[], None], workers: int, produce: Callable[[], None]) -> float:
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    produce()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def rawkube_tasks(workers: int) -> Callable[[int], float]:
    async def main(count: int) -> float:
        work: AsyncQueue[int] = AsyncQueue()

        async def worker() -> None:
            while True:
                try:
                    item = await work.get()
                except ShutDown:
                    return
                work.done(item)

        tasks = [asyncio.create_task(worker()) for _ in range(workers)]
        await asyncio.sleep(0)  # let the workers block first, as the threads do
        start = time.perf_counter()
        for item in range(count):
            work.add(item)
            if item % 64 == 0:
                await asyncio.sleep(0)  # a producer that yields now and then, as one must
        work.shut_down()
        await asyncio.gather(*tasks)
        return time.perf_counter() - start

    return lambda count: asyncio.run(main(count))


def stdlib_tasks(workers: int) -> Callable[[int], float]:
    async def main(count: int) -> float:
        work: asyncio.Queue[object] = asyncio.Queue()

        async def worker() -> None:
            while True:
                item = await work.get()
                work.task_done()
                if item is STOP:
                    return

        tasks = [asyncio.create_task(worker()) for _ in range(workers)]
        await asyncio.sleep(0)
        start = time.perf_counter()
        for item in range(count):
            work.put_nowait(item)
            if item % 64 == 0:
                await asyncio.sleep(0)
        for _ in range(workers):
            work.put_nowait(STOP)
        await asyncio.gather(*tasks)
        return time.perf_counter() - start

    return lambda count: asyncio.run(main(count))


# Each rawkube contender is followed by its baseline, which the report compares it to.
CONTENDERS = {
    "queue.Queue, 1 thread": stdlib_threads(1),
    "rawkube Queue, 1 thread": rawkube_threads(1),
    "queue.Queue, 4 threads": stdlib_threads(4),
    "rawkube Queue, 4 threads": rawkube_threads(4),
    "asyncio.Queue, 1 task": stdlib_tasks(1),
    "rawkube AsyncQueue, 1 task": rawkube_tasks(1),
    "asyncio.Queue, 4 tasks": stdlib_tasks(4),
    "rawkube AsyncQueue, 4 tasks": rawkube_tasks(4),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()

    names = list(CONTENDERS)
    for name in names:  # warm up once
        CONTENDERS[name](args.count // 10)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(args.rounds):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            gc.collect()
            rates[name].append(args.count / CONTENDERS[name](args.count))

    print(
        f"{args.count} items through add + get + done, {args.rounds} rounds, "
        f"Python {sys.version.split()[0]}, rawkube {rawkube.__version__}\n"
    )
    print("| contender | items/s median | min | max | vs baseline |")
    print("|---|---|---|---|---|")
    for index, name in enumerate(names):
        median = statistics.median(rates[name])
        baseline = statistics.median(rates[names[index - index % 2]])
        print(
            f"| {name} | {median:,.0f} | {min(rates[name]):,.0f} | {max(rates[name]):,.0f} "
            f"| x{median / baseline:.2f} |"
        )


if __name__ == "__main__":
    main()
