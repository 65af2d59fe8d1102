"""Each subsystem logs on its own child of ``rawkube``, and the README names every one of them."""

from __future__ import annotations

import importlib
import logging
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# module: the logger it writes to
LOGGERS = {
    "rawkube.client._transport": "rawkube.transport",
    "rawkube.client._discovery": "rawkube.discovery",
    "rawkube.client._discovery_cache": "rawkube.discovery",
    "rawkube.client._retry_watch": "rawkube.watch",
    "rawkube.runtime.informer": "rawkube.runtime.informer",
    "rawkube.runtime.cache": "rawkube.runtime.cache",
    "rawkube.runtime.controller": "rawkube.runtime.controller",
    "rawkube.runtime.leaderelection": "rawkube.runtime.leaderelection",
    "rawkube.testing._server": "rawkube.testing",
}


def logger_of(module_name: str) -> logging.Logger:
    module = importlib.import_module(module_name)
    found = [value for value in vars(module).values() if isinstance(value, logging.Logger)]
    assert len(found) == 1, (module_name, found)
    return found[0]


@pytest.mark.parametrize(("module_name", "name"), LOGGERS.items())
def test_each_module_logs_on_its_subsystem_logger(module_name, name):
    assert logger_of(module_name).name == name


def test_every_logger_in_the_package_is_listed_here():
    named = set()
    for path in (ROOT / "rawkube").rglob("*.py"):
        named.update(re.findall(r'getLogger\("([^"]*)"\)', path.read_text(encoding="utf-8")))
    assert named == set(LOGGERS.values())


@pytest.mark.parametrize("name", sorted(set(LOGGERS.values())))
def test_the_readme_names_each_logger(name):
    assert f"`{name}`" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("module_name", LOGGERS)
def test_the_rawkube_logger_still_governs_every_subsystem(module_name, caplog):
    logger = logger_of(module_name)
    parent = logging.getLogger("rawkube")
    assert logger.propagate
    level = parent.level
    try:
        parent.setLevel(logging.ERROR)
        assert logger.getEffectiveLevel() == logging.ERROR
        parent.setLevel(logging.DEBUG)
        assert logger.isEnabledFor(logging.DEBUG)
    finally:
        parent.setLevel(level)
    with caplog.at_level(logging.INFO, logger="rawkube"):
        logger.info("heard by a handler on rawkube")
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        (logger.name, "heard by a handler on rawkube")
    ]
