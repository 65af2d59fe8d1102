"""The commands every fake container has, over its in-memory files: tar, test, cat, echo...

``kubectl cp`` runs ``test -d DIR`` (is the destination a folder?), ``tar -xmf - -C DIR`` to copy
into a pod and ``tar cf - PATH`` to copy out of one; these are GNU tar's and coreutils' answers,
messages included, for what a test can meet. A container's files are a ``dict`` of absolute
paths to contents. Folders are implied by the paths under them; a key ending in ``/`` is an
empty folder; ``/`` and ``/tmp`` are there in every container, as in every image.
"""

from __future__ import annotations

import io
import posixpath
import re
import tarfile
from collections.abc import Callable
from typing import TYPE_CHECKING

from rawkube.testing._exec import Outcome

if TYPE_CHECKING:
    from rawkube.testing._exec import PodRuntime

__all__ = ["ALWAYS_FOLDERS", "run_builtin"]

ALWAYS_FOLDERS = frozenset({"/", "/tmp"})  # noqa: S108 - a fake container's, not ours
"""Folders a container has even with no file in them."""

_BIN = ("/bin/", "/usr/bin/", "/usr/local/bin/", "/sbin/", "/usr/sbin/")
_TRY = "Try 'tar --help' or 'tar --usage' for more information.\n"
_RETRY_PIPE = re.compile(r"tar cf - (\S+) \| tail -c\+([0-9]+)")  # kubectl cp --retries

Result = tuple[bytes, bytes, int]


def run_builtin(
    command: list[str], stdin: bytes, files: dict[str, bytes], runtime: PodRuntime
) -> Outcome | None:
    """A built-in command's outcome; None when there is none by that name."""
    if not command:
        return None
    name = command[0]
    for folder in _BIN:
        if name.startswith(folder) and "/" not in name[len(folder) :]:
            name = name[len(folder) :]
    builtin = _BUILTINS.get(name)
    if builtin is None:
        return None
    mtime = int(runtime.clock.now().timestamp())
    with runtime.lock:  # a command sees the files whole, and changes them whole
        stdout, stderr, code = builtin(command[1:], stdin, _Files(files, mtime))
    # tar warns before it writes the archive, and kubectl cp stops reading at the archive's
    # end: its warnings must come first to be seen, as from a real tar.
    return Outcome(stdout, stderr, code, stderr_first=name in ("tar", "sh"))


class _Files:
    """A container's files with folder semantics (see the module docstring)."""

    def __init__(self, files: dict[str, bytes], mtime: int) -> None:
        self.files = files
        self.mtime = mtime

    def is_file(self, path: str) -> bool:
        return path in self.files and not path.endswith("/")

    def is_folder(self, path: str) -> bool:
        if path in ALWAYS_FOLDERS or f"{path}/" in self.files:
            return True
        prefix = path.rstrip("/") + "/"
        return any(key.startswith(prefix) for key in self.files)

    def exists(self, path: str) -> bool:
        return self.is_file(path) or self.is_folder(path)

    def children(self, folder: str) -> list[str]:
        """The names directly in ``folder``, sorted; a folder's name ends in ``/``."""
        prefix = folder.rstrip("/") + "/"
        found: set[str] = set()
        for key in self.files:
            if key.startswith(prefix) and key != prefix:
                rest = key[len(prefix) :]
                head, slash, _ = rest.partition("/")
                found.add(head + slash)
        return sorted(found)

    def file_in_the_way(self, path: str) -> str | None:
        """A file standing where one of ``path``'s folders should be."""
        parent = posixpath.dirname(path)
        while parent not in ("/", ""):
            if self.is_file(parent):
                return parent
            parent = posixpath.dirname(parent)
        return None

    def write(self, path: str, data: bytes) -> None:
        self.files[path] = data
        parent = posixpath.dirname(path)
        while parent not in ("/", ""):  # the folder is implied now: no empty marker needed
            self.files.pop(f"{parent}/", None)
            parent = posixpath.dirname(parent)

    def make_folder(self, path: str) -> None:
        if not self.is_folder(path):
            self.write(f"{path}/", b"")


def _absolute(path: str, cwd: str = "/") -> str:
    joined = posixpath.normpath(posixpath.join(cwd, path))
    return "/" + joined.lstrip("/")  # POSIX keeps a leading "//"; a container's paths do not


# --- tar ----------------------------------------------------------------------------------------


class _Usage(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _tar(args: list[str], stdin: bytes, files: _Files) -> Result:
    try:
        mode, archive, folder, paths = _tar_options(args)
    except _Usage as usage:
        return b"", usage.text.encode(), 2
    if folder is not None and not files.is_folder(_absolute(folder)):
        text = f"tar: {folder}: Cannot open: No such file or directory\n"
        return b"", (text + "tar: Error is not recoverable: exiting now\n").encode(), 2
    cwd = _absolute(folder) if folder is not None else "/"
    if mode == "c":
        return _tar_create(archive, cwd, paths, files)
    if archive == "-":
        data = stdin
    else:
        source = _absolute(archive, "/")
        if not files.is_file(source):
            text = f"tar: {archive}: Cannot open: No such file or directory\n"
            return b"", (text + "tar: Error is not recoverable: exiting now\n").encode(), 2
        data = files.files[source]
    return _tar_extract(data, cwd, files, listing=mode == "t")


def _tar_options(args: list[str]) -> tuple[str, str, str | None, list[str]]:
    """GNU tar's reading of the options kubectl and scripts use: mode, archive, -C, paths."""
    words = list(args)
    if words and not words[0].startswith("-"):
        words[0] = "-" + words[0]  # the old style: "tar cf - x" bundles its letters unmarked
    mode: str | None = None
    archive: str | None = None
    folder: str | None = None
    paths: list[str] = []

    def set_mode(letter: str) -> None:
        nonlocal mode
        if mode is not None and mode != letter:
            raise _Usage(
                "tar: You may not specify more than one '-Acdtrux', '--delete' or "
                "'--test-label' option\n" + _TRY
            )
        mode = letter

    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            paths.extend(words[index:])
            break
        if word.startswith("--"):
            name, equals, value = word[2:].partition("=")
            if name in ("create", "extract", "list"):
                set_mode(name[0] if name != "list" else "t")
            elif name in ("file", "directory"):
                if not equals:
                    if index >= len(words):
                        raise _Usage(f"tar: option '--{name}' requires an argument\n" + _TRY)
                    value = words[index]
                    index += 1
                if name == "file":
                    archive = value
                else:
                    folder = value
            elif name in (
                "no-same-permissions",
                "no-same-owner",
                "touch",
                "preserve-permissions",
                "same-owner",
                "verbose",
            ):
                pass  # the fake's files keep no owners, modes or times
            else:
                raise _Usage(f"tar: unrecognized option '{word}'\n" + _TRY)
        elif word.startswith("-") and word != "-":
            letters = word[1:]
            for position, letter in enumerate(letters):
                if letter in "cxt":
                    set_mode(letter)
                elif letter in "fC":
                    value = letters[position + 1 :]
                    if not value:
                        if index >= len(words):
                            raise _Usage(f"tar: option requires an argument -- '{letter}'\n" + _TRY)
                        value = words[index]
                        index += 1
                    if letter == "f":
                        archive = value
                    else:
                        folder = value
                    break
                elif letter in "mvpo":
                    pass  # as the long options above
                else:
                    raise _Usage(f"tar: invalid option -- '{letter}'\n" + _TRY)
        else:
            paths.append(word)
    if mode is None:
        raise _Usage(
            "tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\n"
            + _TRY
        )
    if mode == "c" and not paths:
        raise _Usage("tar: Cowardly refusing to create an empty archive\n" + _TRY)
    # GNU tar's default archive is the tape drive; a container has none, and kubectl names "-".
    return mode, archive if archive is not None else "-", folder, paths


def _tar_create(archive: str, cwd: str, paths: list[str], files: _Files) -> Result:
    out = io.BytesIO()
    errors: list[str] = []
    stripped = False
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:

        def add(name: str, path: str) -> None:
            if files.is_file(path):
                info = tarfile.TarInfo(name)
                data = files.files[path]
                info.size, info.mode, info.mtime = len(data), 0o644, files.mtime
                tar.addfile(info, io.BytesIO(data))
                return
            if name:
                info = tarfile.TarInfo(name.rstrip("/") + "/")
                info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, files.mtime
                tar.addfile(info)
            for child in files.children(path):
                inner = child.rstrip("/")
                add(f"{name.rstrip('/')}/{inner}" if name else inner, _absolute(inner, path))

        for given in paths:
            name = given
            if name.startswith("/"):  # GNU tar says so before it looks at the file
                name = name.lstrip("/")
                if not stripped:
                    errors.append("tar: Removing leading `/' from member names\n")
                    stripped = True
            path = _absolute(given, cwd)
            if not files.exists(path):
                errors.append(f"tar: {given}: Cannot stat: No such file or directory\n")
                continue
            add(name.rstrip("/"), path)
    code = 0
    if any("Cannot" in error for error in errors):
        errors.append("tar: Exiting with failure status due to previous errors\n")
        code = 2
    stderr = "".join(errors).encode()
    if archive == "-":
        return out.getvalue(), stderr, code
    files.write(_absolute(archive, cwd), out.getvalue())
    return b"", stderr, code


def _tar_extract(data: bytes, cwd: str, files: _Files, *, listing: bool) -> Result:
    errors: list[str] = []
    listed: list[str] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for member in tar:
                name = member.name
                if listing:
                    listed.append(name + ("/" if member.isdir() and not name.endswith("/") else ""))
                    continue
                if ".." in name.split("/"):
                    errors.append(f"tar: {name}: Member name contains '..'\n")
                    continue
                path = _absolute(name.lstrip("/"), cwd)
                blocked = files.file_in_the_way(path)
                if blocked is not None:
                    errors.append(f"tar: {name}: Cannot open: Not a directory\n")
                    continue
                if member.isdir():
                    if files.is_file(path):
                        errors.append(f"tar: {name}: Cannot mkdir: File exists\n")
                    else:
                        files.make_folder(path)
                elif member.isfile():
                    if files.is_folder(path):
                        errors.append(f"tar: {name}: Cannot open: Is a directory\n")
                        continue
                    extracted = tar.extractfile(member)
                    files.write(path, extracted.read() if extracted is not None else b"")
                # Links and devices: the fake's files hold none, and nothing it serves asks.
    except tarfile.TarError:
        errors.append("tar: This does not look like a tar archive\n")
    if errors:
        errors.append("tar: Exiting with failure status due to previous errors\n")
    stdout = "".join(f"{name}\n" for name in listed).encode()
    return stdout, "".join(errors).encode(), 2 if errors else 0


# --- the others ---------------------------------------------------------------------------------


def _test(args: list[str], stdin: bytes, files: _Files) -> Result:
    if len(args) == 2 and args[0] in ("-d", "-e", "-f"):
        path = _absolute(args[1])
        check = {"-d": files.is_folder, "-e": files.exists, "-f": files.is_file}[args[0]]
        return b"", b"", 0 if check(path) else 1
    if len(args) == 1:
        return b"", b"", 0 if args[0] else 1
    if not args:
        return b"", b"", 1
    return b"", f"test: {' '.join(args)}: the fake's test knows -d, -e and -f\n".encode(), 2


def _cat(args: list[str], stdin: bytes, files: _Files) -> Result:
    out: list[bytes] = []
    errors: list[str] = []
    for name in args or ["-"]:
        if name == "-":
            out.append(stdin)
            continue
        path = _absolute(name)
        if files.is_file(path):
            out.append(files.files[path])
        elif files.is_folder(path):
            errors.append(f"cat: {name}: Is a directory\n")
        else:
            errors.append(f"cat: {name}: No such file or directory\n")
    return b"".join(out), "".join(errors).encode(), 1 if errors else 0


def _echo(args: list[str], stdin: bytes, files: _Files) -> Result:
    newline = True
    if args[:1] == ["-n"]:
        newline, args = False, args[1:]
    return (" ".join(args) + ("\n" if newline else "")).encode(), b"", 0


def _sh(args: list[str], stdin: bytes, files: _Files) -> Result:
    # The one script kubectl sends: `kubectl cp --retries` resumes a copy from a byte offset.
    if len(args) == 2 and args[0] == "-c":
        resumed = _RETRY_PIPE.fullmatch(args[1].strip())
        if resumed is not None:
            stdout, stderr, code = _tar(["cf", "-", resumed.group(1)], b"", files)
            return stdout[max(int(resumed.group(2)) - 1, 0) :], stderr, code
    script = " ".join(args)
    return b"", f"sh: the fake container runs no shell scripts: {script}\n".encode(), 127


_BUILTINS: dict[str, Callable[[list[str], bytes, _Files], Result]] = {
    "tar": _tar,
    "test": _test,
    "cat": _cat,
    "echo": _echo,
    "true": lambda args, stdin, files: (b"", b"", 0),
    "false": lambda args, stdin, files: (b"", b"", 1),
    "sh": _sh,
}
