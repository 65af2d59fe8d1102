"""Discovery's disk cache: one private JSON file per server, written atomically, never trusted.

The file lives under ``<cache_dir>/<host>_<port>/discovery.json`` (the cache dir defaults to
``$XDG_CACHE_HOME/rawkube/discovery``, else ``~/.cache/rawkube/discovery``), mode 0600 in a 0700
directory, and holds no credential. A file that cannot be read or does not parse is ignored.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from rawkube.core._discovery_data import DiscoveryData
from rawkube.core._exceptions import DecodeError

logger = logging.getLogger("rawkube.discovery")

CACHE_FILE_NAME = "discovery.json"
_MAX_CACHE_BYTES = 64 * 1024 * 1024
_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]")


# --- the disk cache -------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rawkube/discovery``, or ``~/.cache/rawkube/discovery``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "rawkube" / "discovery"


def server_cache_key(server: str) -> str:
    """The cache directory name of a server URL: ``<host>_<port>``, plus its path prefix if any.

    Only the host, port and path are used, so a ``user:password@`` part or a query never lands
    on disk; characters outside ``[A-Za-z0-9._-]`` become ``_``.
    """
    parts = urlsplit(server)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    key = f"{parts.hostname or 'unknown'}_{port}"
    path = parts.path.strip("/")
    if path:
        # Two clusters behind one proxy host differ only by path; they must not share a cache.
        key += "_" + path
    return _UNSAFE_KEY_CHARS.sub("_", key)


def _private_dir(directory: Path) -> None:
    if directory.is_dir():
        return
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode is filtered by the umask; the cache lists which servers one talks to.
    os.chmod(directory, 0o700)


def write_cache(path: Path, data: DiscoveryData, server: str) -> bool:
    """Write ``data`` to ``path`` atomically, mode 0600, in a 0700 directory.

    Returns False (and logs why) when it could not be written; never raises for I/O.
    """
    import tempfile  # only a fetch that writes the cache pays for it

    payload = json.dumps(data.to_document(server), separators=(",", ":")).encode()
    try:
        _private_dir(path.parent.parent)
        _private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".discovery.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            os.chmod(tmp, 0o600)  # mkstemp makes it 0600 already; say so where it matters
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        logger.debug("discovery cache %s not written: %s", path, exc)
        return False
    return True


def read_cache(path: Path, server: str, *, now: datetime, ttl: float) -> DiscoveryData | None:
    """The cached data in ``path`` if it is younger than ``ttl`` seconds at ``now``, else None.

    A missing, unreadable, oversized, corrupt or foreign file gives None: never an exception.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_CACHE_BYTES + 1)
        if len(raw) > _MAX_CACHE_BYTES:
            raise DecodeError(f"{path}: larger than {_MAX_CACHE_BYTES} bytes")
        data = DiscoveryData.from_document(json.loads(raw), server)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError, DecodeError) as exc:
        # ValueError covers bad JSON and bad UTF-8; the cache is only a shortcut, so refetch.
        logger.debug("discovery cache %s ignored: %s", path, exc)
        return None
    age = (now - data.fetched_at).total_seconds()
    if not 0 <= age < ttl:
        return None
    return data
