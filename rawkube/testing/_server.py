"""The fake cluster over HTTP on loopback, for clients that need a socket (kubectl among them)."""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import yaml

from rawkube.testing._http import FakeRequest
from rawkube.testing._watchstream import sync_lines

if TYPE_CHECKING:
    from rawkube.testing._cluster import FakeCluster

__all__ = ["FakeServer"]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        cluster = self.server.cluster
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        answer = cluster.router.handle(FakeRequest(self.command, path, query, headers, body))
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            if key.lower() != "transfer-encoding":
                self.send_header(key, value)
        if answer.watch is None:
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        lines = sync_lines(answer.watch, cluster.store, self.server.closing.is_set)
        try:
            for chunk in lines:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            close = getattr(lines, "close", None)
            if close is not None:
                close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a test server that prints every request drowns the test's own output."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], cluster: FakeCluster) -> None:
        super().__init__(address, _Handler)
        self.cluster = cluster
        self.closing = threading.Event()


class FakeServer:
    """A :class:`~rawkube.testing.FakeCluster` served on ``url`` until :meth:`close`.

    Plain HTTP on loopback, no authentication: a kubeconfig from :meth:`write_kubeconfig`
    points any client at it. A context manager; watches in progress end when it closes.
    """

    def __init__(self, cluster: FakeCluster, host: str = "127.0.0.1", port: int = 0) -> None:
        self.cluster = cluster
        self._server = _Server((host, port), cluster)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="rawkube-fake-apiserver", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def kubeconfig(self, namespace: str = "default") -> str:
        """A kubeconfig (YAML text) whose current context is this server."""
        document = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "rawkube-fake", "cluster": {"server": self.url}}],
            "users": [{"name": "rawkube-fake", "user": {}}],
            "contexts": [
                {
                    "name": "rawkube-fake",
                    "context": {
                        "cluster": "rawkube-fake",
                        "user": "rawkube-fake",
                        "namespace": namespace,
                    },
                }
            ],
            "current-context": "rawkube-fake",
        }
        return yaml.safe_dump(document, sort_keys=False)

    def write_kubeconfig(self, path: str | os.PathLike[str], namespace: str = "default") -> Path:
        """Write :meth:`kubeconfig` to ``path`` (private to the user: 0600); returns the path."""
        target = Path(path)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(self.kubeconfig(namespace))
        return target

    def close(self) -> None:
        """Stop serving; open watches end."""
        self._server.closing.set()
        self.cluster.store.notify()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
