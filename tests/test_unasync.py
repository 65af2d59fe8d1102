"""The blocking modules are generated from their asyncio sources, and are what the generator writes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("unasync", ROOT / "scripts" / "unasync.py")
assert spec is not None
assert spec.loader is not None
unasync_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(unasync_module)
unasync = unasync_module.unasync


def test_the_committed_blocking_modules_are_what_the_generator_writes():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "unasync.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_awaits_go_and_a_calls_own_parentheses_stay():
    assert unasync("x = read(await self._send(call))\n") == "x = read(self._send(call))\n"
    assert unasync("x = (await self._send(call)).raw()\n") == "x = self._send(call).raw()\n"


def test_async_names_and_statements_become_blocking_ones():
    source = (
        "async def f(self) -> AsyncIterator[str]:\n"
        "    async with AsyncWatch(x) as w:\n"
        "        async for event in w:\n"
        "            await w.aclose()\n"
    )
    assert unasync(source) == (
        "def f(self) -> Iterator[str]:\n"
        "    with Watch(x) as w:\n"
        "        for event in w:\n"
        "            w.close()\n"
    )


def test_yielding_each_item_becomes_yield_from():
    source = "        for line in lines.feed(chunk):\n            yield line\n"
    assert unasync(source) == "        yield from lines.feed(chunk)\n"


def test_an_async_only_branch_gives_way_to_its_else():
    source = (
        "async def wait(self):\n"
        "    if True:  # ASYNC\n"
        "        await self.clock.asleep(1)\n"
        "    else:\n"
        "        if self.clock.wait(self.stopped, 1):\n"
        "            return\n"
        "    done()\n"
    )
    assert unasync(source) == (
        "def wait(self):\n    if self.clock.wait(self.stopped, 1):\n        return\n    done()\n"
    )


def test_an_async_only_branch_without_else_is_left_out():
    source = "if True:  # ASYNC\n    import asyncio\n\nx = 1\n"
    assert unasync(source) == "\nx = 1\n"


def test_a_blocking_only_branch_is_kept_unindented_and_asyncio_code_around_it_stays():
    source = (
        "class W:\n"
        "    async def aclose(self):\n"
        "        pass\n"
        "\n"
        "    if False:  # BLOCKING\n"
        "\n"
        "        def interrupt(self):\n"
        "            self.stopped.set()\n"
        "\n"
        "    async def __aenter__(self):\n"
        "        return self\n"
    )
    assert unasync(source) == (
        "class W:\n"
        "    def close(self):\n"
        "        pass\n"
        "\n"
        "\n"
        "    def interrupt(self):\n"
        "        self.stopped.set()\n"
        "\n"
        "    def __enter__(self):\n"
        "        return self\n"
    )
