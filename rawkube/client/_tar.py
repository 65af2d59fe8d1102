"""kubectl cp's archives, made and unpacked with the standard library's tarfile, on local files.

Paths in the container are POSIX paths, read as kubectl reads them (``newRemotePath``: trailing
slash off, backslashes made slashes). An archive from a container is untrusted: every entry is
checked against the destination folder before anything is written, and again, with the links
already made resolved, as it is written; one that would land outside raises
:class:`~rawkube.UnsafeArchiveError`.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import IO

from rawkube.client._websocket import CopyError, UnsafeArchiveError

SPOOL_BYTES = 8 * 1024 * 1024
"""An archive kept in memory up to this size, in a temporary file past it."""


def remote_path(path: str) -> str:
    """A path in the container as kubectl reads it: trailing slash off, ``\\`` made ``/``."""
    if not isinstance(path, str):
        raise TypeError(f"a path in the container must be a str, not {type(path).__name__}")
    path = path.replace("\\", "/")
    if not path:
        raise ValueError("a path in the container must not be empty")
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


def remote_dir(path: str) -> str:
    """Go's ``path.Dir``: the folder of ``path``, ``.`` when it names none."""
    return posixpath.dirname(path.rstrip("/")) or ("/" if path.startswith("/") else ".")


def strip_shortcuts(path: str) -> str:
    """kubectl's ``stripPathShortcuts``: leading ``../`` off, ``.``/``..`` alone made empty,
    then one leading ``/`` off.
    """
    while path.startswith("../"):
        path = path[3:]
    if path in (".", ".."):
        path = ""
    return path[1:] if path.startswith("/") else path


def copy_prefix(source: str) -> str:
    """The prefix of every entry ``tar cf - source`` writes (tar drops a leading ``/``)."""
    return strip_shortcuts(posixpath.normpath(source.lstrip("/")))


def spool() -> IO[bytes]:
    """A file for an archive: in memory while small, on disk past :data:`SPOOL_BYTES`."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # the caller closes it


def make_archive(source: Path, dest: str) -> IO[bytes]:
    """``source`` (a file or a folder, with what it holds) as a tar archive whose entries are
    named as kubectl names them: ``dest``'s last part, then the paths under ``source``, so
    that unpacking it in ``dest``'s folder makes ``dest``. Links are archived as links.
    """
    archive = spool()
    try:
        base = posixpath.basename(dest.rstrip("/")) or "."
        with tarfile.open(fileobj=archive, mode="w") as tar:
            _add(tar, source, base)
            if source.is_dir() and not source.is_symlink():
                for folder, dirs, files in os.walk(source):
                    dirs.sort()
                    here = Path(folder)
                    inside = here.relative_to(source).as_posix()
                    for name in sorted(dirs) + sorted(files):
                        arcname = posixpath.normpath(posixpath.join(base, inside, name))
                        _add(tar, here / name, arcname)
        archive.seek(0)
    except BaseException:
        archive.close()
        raise
    return archive


def _add(tar: tarfile.TarFile, path: Path, arcname: str) -> None:
    info = tar.gettarinfo(str(path), arcname)
    if info is None:  # a socket: tar has no entry for it
        return
    if info.isreg():
        with path.open("rb") as file:
            tar.addfile(info, file)
    else:
        tar.addfile(info)


def extract(archive: IO[bytes], prefix: str, dest: Path) -> None:
    """Unpack an archive of ``tar cf - <source>`` (whose entries start with ``prefix``) as
    kubectl does: the source's own entry becomes ``dest``, what it holds goes under ``dest``.

    Raises :class:`~rawkube.UnsafeArchiveError` for an entry that would land outside ``dest``
    (an absolute path, ``..``, a link pointing outside or made absolute), checked for every
    entry before any is written; :class:`~rawkube.CopyError` for an archive tarfile cannot
    read or an entry outside the source. Devices, pipes and sockets are skipped, as tar does
    for a user who may not make them. Local file errors are raised as they are (OSError).
    """
    try:
        with tarfile.open(fileobj=archive, mode="r:") as tar:
            members = tar.getmembers()
            plan = [(member, _target(member.name, prefix, dest)) for member in members]
            for member, target in plan:
                if member.issym():
                    _check_link(member, target, dest)
                elif member.islnk():
                    _target(member.linkname, prefix, dest)
            root = Path(os.path.realpath(dest))
            for member, target in plan:
                _write(tar, member, target, prefix, dest, root)
    except tarfile.TarError as exc:
        raise CopyError(f"the archive from the container cannot be read: {exc}") from None


def _target(name: str, prefix: str, dest: Path) -> Path:
    """Where entry ``name`` goes under ``dest``: refused if it is absolute, climbs with
    ``..``, or is not under the source's prefix (kubectl: "tar contents corrupted").
    """
    clean = name.replace("\\", "/")
    parts = [part for part in clean.split("/") if part not in ("", ".")]
    if clean.startswith("/") or ".." in parts:
        raise UnsafeArchiveError(
            f"the archive entry {name[:200]!r} would be written outside {str(dest)!r}"
        )
    path = "/".join(parts)
    if prefix and path != prefix and not path.startswith(prefix + "/"):
        raise CopyError(f"tar contents corrupted: the entry {name[:200]!r} is not under {prefix!r}")
    rest = path[len(prefix) :].lstrip("/") if prefix else path
    return dest.joinpath(*rest.split("/")) if rest else dest


def _check_link(member: tarfile.TarInfo, target: Path, dest: Path) -> None:
    link = member.linkname.replace("\\", "/")
    resolved = os.path.normpath(os.path.join(os.path.dirname(target), link))
    if link.startswith("/") or not _within(resolved, os.path.normpath(dest)):
        raise UnsafeArchiveError(
            f"the archive's link {member.name[:200]!r} -> {member.linkname[:200]!r} points "
            f"outside {str(dest)!r}"
        )


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _write(
    tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, prefix: str, dest: Path, root: Path
) -> None:
    """Write one checked entry; links made by earlier entries are resolved to check it again."""
    if not (member.isdir() or member.isreg() or member.issym() or member.islnk()):
        return  # a device, pipe or socket
    where = os.path.realpath(target)
    if not _within(where, str(root)):  # through a link an earlier entry, or the disk, holds
        raise UnsafeArchiveError(
            f"the archive entry {member.name[:200]!r} would be written outside {str(dest)!r} "
            "through a link"
        )
    if member.isdir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        if target.is_dir() and not target.is_symlink():
            raise IsADirectoryError(f"{target}: is a directory; the archive has a file there")
        target.unlink()
    if member.issym():
        resolved = os.path.realpath(os.path.join(os.path.dirname(target), member.linkname))
        if not _within(resolved, str(root)):
            raise UnsafeArchiveError(
                f"the archive's link {member.name[:200]!r} -> {member.linkname[:200]!r} "
                f"points outside {str(dest)!r}"
            )
        os.symlink(member.linkname, target)
    elif member.islnk():
        source = _target(member.linkname, prefix, dest)
        if not _within(os.path.realpath(source), str(root)):
            raise UnsafeArchiveError(
                f"the archive's hard link {member.name[:200]!r} -> {member.linkname[:200]!r} "
                f"points outside {str(dest)!r}"
            )
        try:
            os.link(source, target)
        except OSError:  # another file system, or links not allowed: a copy holds the same bytes
            shutil.copyfile(source, target)
    else:
        content = tar.extractfile(member)
        assert content is not None  # a regular file always has its bytes
        with content, target.open("wb") as out:
            shutil.copyfileobj(content, out)
