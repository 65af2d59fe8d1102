"""Tests for the static and token-file credential flows and the impersonation headers."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from rawkube.config import (
    BasicAuth,
    BearerTokenAuth,
    Config,
    Impersonation,
    TokenFileAuth,
)
from rawkube.config.auth import FileStamp, token_file_is_stale
from rawkube.core._clock import FakeClock
from rawkube.core._exceptions import ConfigError
from tests.config.conftest import Capture, rewrite_keeping_stamp

TOKEN = "s3cr3t-token-value"
PASSWORD = "pa55-w0rd-value"


def _set_mtime(path: Path, seconds: int) -> None:
    os.utime(path, (seconds, seconds))


class TestBearerTokenAuth:
    def test_sets_the_authorization_header(self, capture: Capture) -> None:
        (request,) = capture(BearerTokenAuth(TOKEN))
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"

    def test_leaves_an_authorization_set_by_the_caller(self, capture: Capture) -> None:
        (request,) = capture(BearerTokenAuth(TOKEN), headers={"Authorization": "Bearer mine"})
        assert request.headers["Authorization"] == "Bearer mine"

    def test_a_401_is_returned_without_retry(self, capture: Capture) -> None:
        assert len(capture(BearerTokenAuth(TOKEN), statuses=[401])) == 1

    def test_repr_hides_the_token(self) -> None:
        assert repr(BearerTokenAuth(TOKEN)) == "BearerTokenAuth(token=<redacted>)"


class TestBasicAuth:
    def test_sets_the_authorization_header(self, capture: Capture) -> None:
        (request,) = capture(BasicAuth("admin", PASSWORD))
        expected = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        assert request.headers["Authorization"] == f"Basic {expected}"

    def test_non_ascii_credentials_are_utf8(self, capture: Capture) -> None:
        (request,) = capture(BasicAuth("jürgen", "pässword"))
        value = request.headers["Authorization"].removeprefix("Basic ")
        assert base64.b64decode(value).decode("utf-8") == "jürgen:pässword"

    def test_repr_hides_the_password(self) -> None:
        text = repr(BasicAuth("admin", PASSWORD))
        assert PASSWORD not in text
        assert text == "BasicAuth(username='admin', password=<redacted>)"


class TestTokenFileAuth:
    def test_sends_the_stripped_file_content(self, tmp_path: Path, capture: Capture) -> None:
        path = tmp_path / "token"
        path.write_text(f"  {TOKEN}\n")
        (request,) = capture(TokenFileAuth(path, FakeClock()))
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"

    def test_rewritten_file_is_read_on_the_next_request(
        self, tmp_path: Path, capture: Capture
    ) -> None:
        path = tmp_path / "token"
        path.write_text("first")
        _set_mtime(path, 1_000_000)
        auth = TokenFileAuth(path, FakeClock())
        assert capture(auth)[0].headers["Authorization"] == "Bearer first"
        path.write_text("secnd")  # same size: only the mtime tells
        _set_mtime(path, 1_000_001)
        assert capture(auth)[0].headers["Authorization"] == "Bearer secnd"

    def test_replaced_file_is_read_on_the_next_request(
        self, tmp_path: Path, capture: Capture
    ) -> None:
        # Kubelet swaps projected tokens with an atomic rename: a new inode.
        path = tmp_path / "token"
        path.write_text("first")
        auth = TokenFileAuth(path, FakeClock())
        assert capture(auth)[0].headers["Authorization"] == "Bearer first"
        (tmp_path / "token.new").write_text("other")
        os.utime(tmp_path / "token.new", ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))
        os.replace(tmp_path / "token.new", path)
        assert capture(auth)[0].headers["Authorization"] == "Bearer other"

    def test_unchanged_file_is_reread_after_the_refresh_interval(
        self, tmp_path: Path, capture: Capture
    ) -> None:
        clock = FakeClock()
        path = tmp_path / "token"
        path.write_text("first")
        auth = TokenFileAuth(path, clock, refresh_interval=60.0)
        assert capture(auth)[0].headers["Authorization"] == "Bearer first"
        rewrite_keeping_stamp(path, "secnd")
        clock.advance(59)
        assert capture(auth)[0].headers["Authorization"] == "Bearer first"
        clock.advance(1)
        assert capture(auth)[0].headers["Authorization"] == "Bearer secnd"

    def test_a_401_rereads_and_retries_once_with_the_new_token(
        self, tmp_path: Path, capture: Capture
    ) -> None:
        path = tmp_path / "token"
        path.write_text("stale")
        auth = TokenFileAuth(path, FakeClock())
        auth.token()
        rewrite_keeping_stamp(path, "fresh")
        first, retry = capture(auth, statuses=[401, 200])
        assert first.headers["Authorization"] == "Bearer stale"
        assert retry.headers["Authorization"] == "Bearer fresh"

    def test_a_401_with_an_unchanged_token_is_not_retried(
        self, tmp_path: Path, capture: Capture
    ) -> None:
        path = tmp_path / "token"
        path.write_text("same")
        assert len(capture(TokenFileAuth(path, FakeClock()), statuses=[401, 200])) == 1

    def test_a_post_body_is_sent_again_on_retry(self, tmp_path: Path) -> None:
        import httpx

        path = tmp_path / "token"
        path.write_text("stale")
        auth = TokenFileAuth(path, FakeClock())
        auth.token()
        rewrite_keeping_stamp(path, "fresh")
        bodies: list[bytes] = []

        def handler(request: httpx.Request) -> httpx.Response:
            bodies.append(request.read())
            return httpx.Response(401 if len(bodies) == 1 else 201)

        def chunks() -> object:
            yield b'{"kind":'
            yield b'"Pod"}'

        with httpx.Client(auth=auth, transport=httpx.MockTransport(handler)) as client:
            response = client.post("https://k8s.example/api", content=chunks())  # type: ignore[arg-type]
        assert response.status_code == 201
        assert bodies == [b'{"kind":"Pod"}', b'{"kind":"Pod"}']

    def test_missing_file_is_a_config_error_naming_the_path(
        self, tmp_path: Path, capture: Capture
    ) -> None:
        path = tmp_path / "nope" / "token"
        with pytest.raises(ConfigError, match=f"cannot read token file {path}"):
            capture(TokenFileAuth(path, FakeClock()))

    def test_last_good_token_is_kept_when_a_reread_fails(
        self, tmp_path: Path, capture: Capture
    ) -> None:
        clock = FakeClock()
        path = tmp_path / "token"
        path.write_text("good")
        auth = TokenFileAuth(path, clock)
        auth.token()
        path.unlink()
        clock.advance(120)
        assert capture(auth)[0].headers["Authorization"] == "Bearer good"
        path.write_text("back")
        assert capture(auth)[0].headers["Authorization"] == "Bearer back"

    def test_empty_file_sends_no_authorization(self, tmp_path: Path, capture: Capture) -> None:
        path = tmp_path / "token"
        path.write_text("\n")
        assert "Authorization" not in capture(TokenFileAuth(path, FakeClock()))[0].headers

    def test_invalidate_forces_a_reread(self, tmp_path: Path) -> None:
        path = tmp_path / "token"
        path.write_text("first")
        auth = TokenFileAuth(path, FakeClock())
        assert auth.token() == "first"
        rewrite_keeping_stamp(path, "secnd")
        assert auth.token() == "first"
        auth.invalidate()
        assert auth.token() == "secnd"

    def test_repr_shows_only_the_path(self, tmp_path: Path) -> None:
        path = tmp_path / "token"
        path.write_text(TOKEN)
        auth = TokenFileAuth(path, FakeClock())
        auth.token()
        assert repr(auth) == f"TokenFileAuth(path={str(path)!r})"


def test_token_file_staleness_rule() -> None:
    stamp = FileStamp(mtime_ns=1, size=5, inode=7)
    assert not token_file_is_stale(100.0, stamp, 159.9, stamp, 60.0)
    assert token_file_is_stale(100.0, stamp, 160.0, stamp, 60.0)
    assert token_file_is_stale(100.0, stamp, 100.0, FileStamp(2, 5, 7), 60.0)
    assert token_file_is_stale(100.0, stamp, 100.0, FileStamp(1, 6, 7), 60.0)
    assert token_file_is_stale(100.0, stamp, 100.0, FileStamp(1, 5, 8), 60.0)


class TestImpersonation:
    def test_headers_in_kubectl_order(self) -> None:
        impersonation = Impersonation(
            user="jane",
            groups=("devs", "ops"),
            uid="1234",
            extra={"scopes": ("view", "edit"), "example.org/team": ("a b",)},
        )
        assert impersonation.headers() == [
            ("Impersonate-User", "jane"),
            ("Impersonate-Uid", "1234"),
            ("Impersonate-Group", "devs"),
            ("Impersonate-Group", "ops"),
            ("Impersonate-Extra-scopes", "view"),
            ("Impersonate-Extra-scopes", "edit"),
            ("Impersonate-Extra-example.org%2Fteam", "a b"),
        ]

    def test_config_headers_carry_user_agent_and_impersonation(self) -> None:
        config = Config(
            server="https://k8s.example",
            impersonation=Impersonation(user="jane", groups=("devs",)),
            user_agent="test/1",
        )
        assert config.headers() == [
            ("User-Agent", "test/1"),
            ("Impersonate-User", "jane"),
            ("Impersonate-Group", "devs"),
        ]
