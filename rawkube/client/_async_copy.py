"""Files into and out of a container through ``tar``, awaited: kubectl cp's way, with its commands.

Written by hand; ``rawkube/client/_sync_copy.py``, the blocking twin, is generated from this
file by ``scripts/unasync.py``. The commands run in the container are kubectl 1.32's, argument
for argument: ``test -d DEST`` (to copy into a folder that exists), ``tar -xmf - -C DIR`` fed
the archive, and ``tar cf - SOURCE``. The archives are made and unpacked by ``_tar.py``, in a
worker thread for async callers.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rawkube.client._concurrency import ablocking
from rawkube.client._tar import copy_prefix, extract, make_archive, remote_dir, remote_path, spool
from rawkube.client._websocket import CopyError
from rawkube.core._api_errors import ApiError

if TYPE_CHECKING:
    from rawkube.client._async_verbs import _AsyncVerbs

ARCHIVE_BLOCK = 1024 * 1024  # read from the archive file at a time, then sent 32 KiB a message
STDERR_SHOWN = 2000  # characters of tar's stderr an error quotes


async def copy_to(
    verbs: _AsyncVerbs[Any, Any, Any, Any],
    name: str,
    local: str | os.PathLike[str],
    remote: str,
    container: str | None,
) -> None:
    """Copy the local file or folder ``local`` to ``remote`` in pod ``name``, as kubectl cp."""
    source = Path(local)
    if not os.path.lexists(source):
        raise FileNotFoundError(f"{source} doesn't exist in local filesystem")
    dest = remote_path(remote)
    if await _is_dir(verbs, name, dest, container):
        dest = posixpath.join(dest, os.path.basename(os.path.normpath(source)))
    archive = await ablocking(make_archive, source, dest)
    try:
        command = ["tar", "-xmf", "-", "-C", remote_dir(dest)]
        process = verbs.stream_exec(name, command, container=container, stdin=True)
        stderr: list[bytes] = []
        async with process:
            while block := await ablocking(archive.read, ARCHIVE_BLOCK):
                await process.write_stdin(block)
            await process.close_stdin()
            async for chunk in process:
                if chunk.channel == process.STDERR:
                    stderr.append(chunk.data)
    finally:
        archive.close()
    if process.exit_code:
        raise _failed(f"copying {str(source)!r} to {name}:{dest}", process.exit_code, stderr)


async def copy_from(
    verbs: _AsyncVerbs[Any, Any, Any, Any],
    name: str,
    remote: str,
    local: str | os.PathLike[str],
    container: str | None,
) -> None:
    """Copy ``remote`` in pod ``name`` to the local path ``local``, as kubectl cp."""
    source = remote_path(remote)
    dest = Path(local)
    archive = spool()
    try:
        process = verbs.stream_exec(name, ["tar", "cf", "-", source], container=container)
        stderr: list[bytes] = []
        async with process:
            async for chunk in process:
                if chunk.channel == process.STDOUT:
                    archive.write(chunk.data)
                else:
                    stderr.append(chunk.data)
        if process.exit_code:
            raise _failed(f"copying {name}:{source} to {str(dest)!r}", process.exit_code, stderr)
        archive.seek(0)
        await ablocking(extract, archive, copy_prefix(source), dest)
    finally:
        archive.close()


async def _is_dir(
    verbs: _AsyncVerbs[Any, Any, Any, Any], name: str, path: str, container: str | None
) -> bool:
    """Whether ``path`` is a folder in the container, asked as kubectl asks (``test -d``)."""
    try:
        result = await verbs.exec(name, ["test", "-d", path], container=container)
    except ApiError:  # kubectl takes any failure of the test for "no folder there"
        return False
    return result.exit_code == 0


def _failed(what: str, code: int, stderr: list[bytes]) -> CopyError:
    said = b"".join(stderr).decode("utf-8", "replace").strip()
    if len(said) > STDERR_SHOWN:
        said = said[:STDERR_SHOWN] + "..."
    return CopyError(f"{what}: tar in the container ended with exit code {code}: {said}")
