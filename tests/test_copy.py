"""copy_to and copy_from, sync and async: kubectl cp's commands, run by GNU tar in a folder
standing in for the container, and archives that try to escape the destination.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import rawkube
from rawkube.client._tar import copy_prefix, extract, remote_dir, remote_path, strip_shortcuts
from rawkube.core._channel import (
    CLOSE,
    ERROR,
    STDERR,
    STDIN,
    STDOUT,
    exit_code_status,
    frame,
    success_status,
    unframe,
)
from tests.websocket_server import Peer, ScriptedServer

pytestmark = pytest.mark.skipif(shutil.which("tar") is None, reason="needs the tar command")
OPEN: list[rawkube.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def pods(url: str) -> rawkube.Api:  # type: ignore[type-arg]
    from rawkube.models.core_v1 import Pod

    client = rawkube.Client(rawkube.Config(server=url))
    OPEN.append(client)
    return client.api(Pod, namespace="web")


class Container:
    """A pod's container: a folder as its file system, commands run by the real tar."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.commands: list[list[str]] = []

    def inside(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def __call__(self, peer: Peer) -> None:
        command = [value for key, value in peer.request.query if key == "command"]
        self.commands.append(command)
        if command[:2] == ["test", "-d"]:
            self.exit(peer, 0 if self.inside(command[2]).is_dir() else 1)
        elif command[:3] == ["tar", "-xmf", "-"]:
            stdin = b""
            while (message := peer.receive()) is not None:
                channel, data = unframe(message)
                if channel == CLOSE:
                    break
                assert channel == STDIN
                stdin += data
            folder = self.inside(command[command.index("-C") + 1])
            self.run(peer, ["tar", "-xmf", "-", "-C", str(folder)], stdin)
        elif command[:3] == ["tar", "cf", "-"]:
            self.run(peer, ["tar", "cf", "-", command[3].lstrip("/") or "."], b"")
        else:
            raise AssertionError(f"unexpected command {command}")

    def run(self, peer: Peer, argv: list[str], stdin: bytes) -> None:
        done = subprocess.run(argv, cwd=self.root, input=stdin, capture_output=True, check=False)
        for start in range(0, len(done.stdout), 32 * 1024):
            peer.send(frame(STDOUT, done.stdout[start : start + 32 * 1024]))
        if done.stderr:
            peer.send(frame(STDERR, done.stderr))
        self.exit(peer, done.returncode)

    def exit(self, peer: Peer, code: int) -> None:
        peer.send(frame(ERROR, success_status() if code == 0 else exit_code_status(code)))


@pytest.fixture
def container(tmp_path: Path) -> Iterator[tuple[Container, ScriptedServer]]:
    box = Container(tmp_path / "container")
    (box.root / "tmp").mkdir(parents=True)
    with ScriptedServer(box) as server:
        yield box, server


@pytest.fixture
def local(tmp_path: Path) -> Path:
    folder = tmp_path / "local"
    folder.mkdir()
    return folder


def tree(root: Path) -> dict[str, str | bytes]:
    """Every path under ``root``: a file's bytes, a folder as "/", a link as "-> target"."""
    found: dict[str, str | bytes] = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            found[name] = "/"
        else:
            found[name] = path.read_bytes()
    return found


# --- kubectl's paths ----------------------------------------------------------------------------


def test_paths_read_as_kubectl_reads_them():
    assert remote_path("/tmp/bar/") == "/tmp/bar"
    assert remote_path("C:\\x\\y") == "C:/x/y"
    assert remote_path("/") == "/"
    assert remote_dir("/tmp/bar") == "/tmp"
    assert remote_dir("bar") == "."
    assert remote_dir("/bar") == "/"
    assert strip_shortcuts("../../x") == "x"
    assert strip_shortcuts("..") == ""
    assert copy_prefix("/tmp/foo") == "tmp/foo"
    assert copy_prefix("/") == ""
    assert copy_prefix("../x/./y") == "x/y"
    with pytest.raises(ValueError, match="must not be empty"):
        remote_path("")


# --- copy_to ------------------------------------------------------------------------------------


def test_copy_to_a_folder_puts_the_file_inside_it(container, local):
    box, server = container
    (local / "notes.txt").write_bytes(b"some notes\n")
    pods(server.url).copy_to("web-0", local / "notes.txt", "/tmp")
    assert box.commands == [["test", "-d", "/tmp"], ["tar", "-xmf", "-", "-C", "/tmp"]]
    assert (box.root / "tmp" / "notes.txt").read_bytes() == b"some notes\n"


def test_copy_to_a_new_name(container, local):
    box, server = container
    (local / "notes.txt").write_bytes(b"x" * (3 * 1024 * 1024 + 7))
    pods(server.url).copy_to("web-0", str(local / "notes.txt"), "/tmp/renamed.txt")
    assert box.commands == [
        ["test", "-d", "/tmp/renamed.txt"],
        ["tar", "-xmf", "-", "-C", "/tmp"],
    ]
    assert (box.root / "tmp" / "renamed.txt").read_bytes() == b"x" * (3 * 1024 * 1024 + 7)


def test_copy_to_a_folder_tree_with_a_link_and_an_empty_folder(container, local):
    box, server = container
    source = local / "site"
    (source / "css").mkdir(parents=True)
    (source / "empty").mkdir()
    (source / "index.html").write_text("<h1>hi</h1>")
    (source / "css" / "main.css").write_text("h1 {}")
    (source / "home.html").symlink_to("index.html")
    pods(server.url).copy_to("web-0", source, "/tmp/www/")
    assert box.commands[-1] == ["tar", "-xmf", "-", "-C", "/tmp"]
    assert tree(box.root / "tmp" / "www") == {
        "css": "/",
        "css/main.css": b"h1 {}",
        "empty": "/",
        "home.html": "-> index.html",
        "index.html": b"<h1>hi</h1>",
    }


def test_copy_to_a_missing_local_file_sends_nothing(container, local):
    _, server = container
    with pytest.raises(FileNotFoundError, match="doesn't exist in local filesystem"):
        pods(server.url).copy_to("web-0", local / "nope", "/tmp")
    assert server.requests == []


def test_copy_to_where_tar_fails_is_a_copy_error(container, local):
    _, server = container
    (local / "f").write_text("x")
    with pytest.raises(rawkube.CopyError, match=r"exit code 2: tar: .*No such file"):
        pods(server.url).copy_to("web-0", local / "f", "/missing/folder/f")


# --- copy_from ----------------------------------------------------------------------------------


def test_copy_from_a_file(container, local):
    box, server = container
    (box.root / "tmp" / "app.log").write_bytes(b"line\n" * 100_000)
    pods(server.url).copy_from("web-0", "/tmp/app.log", local / "app.log")
    assert box.commands == [["tar", "cf", "-", "/tmp/app.log"]]
    assert (local / "app.log").read_bytes() == b"line\n" * 100_000


def test_copy_from_a_folder_puts_its_content_in_the_destination(container, local):
    box, server = container
    source = box.root / "tmp" / "data"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("a")
    (source / "sub" / "b.txt").write_text("b")
    (source / "link").symlink_to("sub/b.txt")
    pods(server.url).copy_from("web-0", "/tmp/data/", str(local / "copy"))
    assert box.commands == [["tar", "cf", "-", "/tmp/data"]]
    assert tree(local / "copy") == {
        "a.txt": b"a",
        "link": "-> sub/b.txt",
        "sub": "/",
        "sub/b.txt": b"b",
    }


def test_copy_from_a_missing_path_is_a_copy_error_with_tars_message(container, local):
    _, server = container
    with pytest.raises(rawkube.CopyError, match="No such file or directory") as caught:
        pods(server.url).copy_from("web-0", "/tmp/nope", local / "x")
    assert "exit code 2" in str(caught.value)
    assert not (local / "x").exists()


@pytest.mark.anyio
async def test_async_copy_both_ways(container, local):
    box, server = container
    from rawkube.models.core_v1 import Pod

    (local / "up.bin").write_bytes(bytes(range(256)) * 4096)
    async with rawkube.AsyncClient(rawkube.Config(server=server.url)) as client:
        api = client.api(Pod, namespace="web")
        await api.copy_to("web-0", local / "up.bin", "/tmp/")
        await api.copy_from("web-0", "/tmp/up.bin", local / "down.bin")
        with pytest.raises(rawkube.CopyError):
            await api.copy_from("web-0", "/nope", local / "x")
    assert (box.root / "tmp" / "up.bin").read_bytes() == bytes(range(256)) * 4096
    assert (local / "down.bin").read_bytes() == bytes(range(256)) * 4096
    assert box.commands[:2] == [["test", "-d", "/tmp"], ["tar", "-xmf", "-", "-C", "/tmp"]]


# --- archives that try to get out ---------------------------------------------------------------


def archive(*entries: tuple[str, str, str | bytes]) -> bytes:
    """A tar of (kind, name, content or link target) entries, kind one of file, dir, sym, hard."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for kind, name, content in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                data = content if isinstance(content, bytes) else content.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE}[
                kind
            ]
            if kind != "dir":
                info.linkname = str(content)
            tar.addfile(info)
    return buffer.getvalue()


def sends(data: bytes) -> Callable[[Peer], None]:
    def script(peer: Peer) -> None:
        peer.send(frame(STDOUT, data))
        peer.send(frame(ERROR, success_status()))

    return script


ESCAPES = {
    "absolute": [("file", "/etc/evil", "x")],
    "dot-dot": [("file", "tmp/data/../../../evil", "x")],
    "link-outside": [("sym", "tmp/data/link", "../../outside")],
    "absolute-link": [("sym", "tmp/data/link", "/etc/passwd")],
    "hard-link-outside": [("hard", "tmp/data/hard", "etc/passwd")],
    "through-a-link": [
        ("sym", "tmp/data/up", "."),
        ("sym", "tmp/data/up2", "up/.."),
        ("file", "tmp/data/up2/evil", "x"),
    ],
}


@pytest.mark.parametrize("entries", ESCAPES.values(), ids=ESCAPES.keys())
def test_an_archive_escaping_the_destination_is_refused(entries, tmp_path):
    dest = tmp_path / "dest"
    with pytest.raises(rawkube.CopyError) as caught:
        extract(io.BytesIO(archive(("dir", "tmp/data", ""), *entries)), "tmp/data", dest)
    assert isinstance(caught.value, (rawkube.UnsafeArchiveError, rawkube.CopyError))
    assert not (tmp_path / "evil").exists()
    assert not (tmp_path / "outside").exists()
    outside = [p for p in tmp_path.rglob("*") if not str(p).startswith(str(dest))]
    assert outside == [], outside


@pytest.mark.parametrize("name", ["absolute", "dot-dot", "link-outside", "absolute-link"])
def test_refused_before_anything_is_written(name, tmp_path):
    dest = tmp_path / "dest"
    entries = [("file", "tmp/data/first.txt", "written?"), *ESCAPES[name]]
    with pytest.raises(rawkube.UnsafeArchiveError, match="outside"):
        extract(io.BytesIO(archive(*entries)), "tmp/data", dest)
    assert not dest.exists()


def test_copy_from_refuses_an_archive_escaping_through_the_server(tmp_path):
    evil = archive(("file", "tmp/data/ok", "fine"), ("file", "tmp/data/../../../evil", "x"))
    with (
        ScriptedServer(sends(evil)) as server,
        pytest.raises(rawkube.UnsafeArchiveError, match="outside") as caught,
    ):
        pods(server.url).copy_from("web-0", "/tmp/data", tmp_path / "dest")
    assert "evil" in str(caught.value)
    assert not (tmp_path / "dest").exists()
    assert not (tmp_path.parent / "evil").exists()


def test_an_entry_outside_the_source_is_corrupted(tmp_path):
    with pytest.raises(rawkube.CopyError, match="tar contents corrupted"):
        extract(io.BytesIO(archive(("file", "etc/passwd", "x"))), "tmp/data", tmp_path / "d")


def test_links_inside_the_destination_are_made(tmp_path):
    dest = tmp_path / "dest"
    data = archive(
        ("dir", "tmp/data", ""),
        ("file", "tmp/data/a.txt", "a"),
        ("sym", "tmp/data/sym", "a.txt"),
        ("hard", "tmp/data/hard", "tmp/data/a.txt"),
        ("file", "tmp/data/sub/b.txt", "b"),
    )
    extract(io.BytesIO(data), "tmp/data", dest)
    assert tree(dest) == {
        "a.txt": b"a",
        "hard": b"a",
        "sub": "/",
        "sub/b.txt": b"b",
        "sym": "-> a.txt",
    }


def test_a_garbled_archive_is_a_copy_error(tmp_path):
    with pytest.raises(rawkube.CopyError, match="cannot be read"):
        extract(io.BytesIO(b"not a tar" * 100), "tmp", tmp_path / "d")


# --- against rawkube's fake cluster, whose tar reads and writes its files ----------------------


@pytest.fixture(params=["in-process", "loopback"])
def fake(request, tmp_path) -> Iterator[tuple[object, rawkube.Api]]:  # type: ignore[type-arg]
    from rawkube.models.core_v1 import Pod
    from rawkube.testing import FakeCluster

    cluster = FakeCluster()
    spec = {"containers": [{"name": "app", "image": "busybox"}], "nodeName": "node-1"}
    cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec})
    if request.param == "in-process":
        with cluster.client("default") as client:
            yield cluster, client.api(Pod)
        return
    with cluster.serve() as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        with rawkube.Client.from_kubeconfig(str(kubeconfig)) as client:
            yield cluster, client.api(Pod)


def test_copying_into_and_out_of_the_fakes_files(fake, local):
    cluster, api = fake
    (local / "site").mkdir()
    (local / "site" / "index.html").write_text("<h1>fake</h1>")
    api.copy_to("web", local / "site", "/srv")
    files = cluster.files("default", "web")  # type: ignore[attr-defined]
    assert files["/srv/index.html"] == b"<h1>fake</h1>"
    files["/var/log/app.log"] = b"line one\n"
    api.copy_from("web", "/var/log/app.log", local / "app.log")
    assert (local / "app.log").read_bytes() == b"line one\n"
