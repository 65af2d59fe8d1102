"""Client and AsyncClient against respx routes shaped like a real API server's answers."""

from __future__ import annotations

import inspect
import logging

import httpx
import pytest
import respx
from pydantic import BaseModel, ConfigDict

import rawkube
from rawkube import AsyncClient, Client, Config, Impersonation, TLSSettings
from rawkube.config import ClientCertificate, Credentials
from rawkube.core._clock import FakeClock
from tests.conftest import RECORDED, recorded_response, without_filled_identity

SERVER = "http://k8s.test:6443"
POD_URL = f"{SERVER}/api/v1/namespaces/lab-fixtures/pods/pod-1"


class Meta(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    namespace: str


class Pod(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: str
    metadata: Meta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(clock: FakeClock) -> Config:
    return Config(server=SERVER, clock=clock)


@pytest.fixture
def client(config: Config):
    with Client(config) as client:
        yield client


def get_pod(client: Client) -> rawkube.Request:
    return client.get().namespace("lab-fixtures").resource("pods").name("pod-1")


@respx.mock
def test_get_into_a_model_straight_from_bytes(client):
    respx.get(POD_URL).mock(return_value=recorded_response("pod_get"))
    result = get_pod(client).do()
    assert result.status_code == 200
    pod = result.into(Pod)
    assert (pod.kind, pod.metadata.name, pod.metadata.namespace) == ("Pod", "pod-1", "lab-fixtures")
    assert result.json()["metadata"]["name"] == "pod-1"
    assert result.raw() == (RECORDED / "pod_get.body").read_bytes()
    assert get_pod(client).do_raw() == result.raw()


@respx.mock
def test_query_is_sent_exactly(client):
    route = respx.get(f"{SERVER}/api/v1/namespaces/ns/pods").mock(
        return_value=httpx.Response(200, json={"kind": "PodList", "items": []})
    )
    client.get().namespace("ns").resource("pods").param("labelSelector", "idx in (1,2)").param(
        "limit", 2
    ).do()
    sent = route.calls.last.request
    assert list(sent.url.params.multi_items()) == [
        ("labelSelector", "idx in (1,2)"),
        ("limit", "2"),
    ]
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["user-agent"] == f"rawkube/{rawkube.__version__}"


@respx.mock
def test_each_request_sends_its_own_query_however_often_a_path_repeats(client):
    route = respx.get(f"{SERVER}/api/v1/namespaces/ns/pods").mock(
        return_value=httpx.Response(200, json={"kind": "PodList", "items": []})
    )
    pods = client.core_v1.pods("ns")
    for selector in ["app=web", "app=db", "app=web", None, "app=db"]:
        pods.list(label_selector=selector)
    assert [call.request.url.query for call in route.calls] == [
        b"labelSelector=app%3Dweb",
        b"labelSelector=app%3Ddb",
        b"labelSelector=app%3Dweb",
        b"",
        b"labelSelector=app%3Ddb",
    ]


def pod_setting_a_cookie() -> httpx.Response:
    response = recorded_response("pod_get")
    response.headers["Set-Cookie"] = "session=abc; Path=/"
    return response


@respx.mock
def test_a_cookie_the_server_sets_is_never_sent_back(client):
    # client-go keeps no cookies: each request carries its own credentials and nothing more.
    route = respx.get(POD_URL).mock(return_value=pod_setting_a_cookie())
    get_pod(client).do()
    get_pod(client).do()
    assert [call.request.headers.get("cookie") for call in route.calls] == [None, None]


@pytest.mark.anyio
@respx.mock
async def test_async_sends_no_cookie_back_either(config):
    route = respx.get(POD_URL).mock(return_value=pod_setting_a_cookie())
    async with AsyncClient(config) as aclient:
        for _ in range(2):
            await aclient.get().namespace("lab-fixtures").resource("pods").name("pod-1").do()
    assert [call.request.headers.get("cookie") for call in route.calls] == [None, None]


@respx.mock
def test_rest_client_is_bound_to_its_group_version(client):
    route = respx.get(f"{SERVER}/apis/apps/v1/namespaces/ns/deployments").mock(
        return_value=httpx.Response(200, json={})
    )
    client.rest("apps/v1").get().namespace("ns").resource("deployments").do()
    assert route.called
    with pytest.raises(ValueError, match="already set"):
        client.rest("apps/v1").get().group_version("v1")
    with pytest.raises(ValueError, match="group_version"):
        client.rest("apps")


@respx.mock
def test_patch_sends_its_media_type_and_body(client):
    route = respx.patch(f"{SERVER}/api/v1/namespaces/ns/configmaps/cm").mock(
        return_value=httpx.Response(200, json={})
    )
    client.patch("merge").namespace("ns").resource("configmaps").name("cm").body(
        {"data": {"a": "1"}}
    ).do()
    sent = route.calls.last.request
    assert sent.headers["content-type"] == "application/merge-patch+json"
    assert sent.content == b'{"data":{"a":"1"}}'
    with pytest.raises(ValueError, match="patch type"):
        client.patch("yaml")


@respx.mock
def test_recorded_error_raises_its_exception(client):
    respx.get(f"{SERVER}/api/v1/namespaces/lab-fixtures/pods/does-not-exist").mock(
        return_value=recorded_response("err_404_pod_not_found")
    )
    with pytest.raises(rawkube.NotFoundError) as info:
        client.get().namespace("lab-fixtures").resource("pods").name("does-not-exist").do()
    assert info.value.message == 'pods "does-not-exist" not found'
    assert info.value.details == {"name": "does-not-exist", "kind": "pods"}


@respx.mock
def test_a_proxy_error_page_is_an_api_error_with_the_body_start(client):
    respx.get(POD_URL).mock(
        return_value=httpx.Response(
            502, headers={"content-type": "text/html"}, content=b"<html>Bad Gateway</html>"
        )
    )
    with pytest.raises(rawkube.ApiError) as info:
        get_pod(client).do()
    assert info.value.code == 502
    assert "<html>Bad Gateway</html>" in str(info.value)


@respx.mock
def test_a_body_that_does_not_fit_is_a_decode_error(client):
    respx.get(POD_URL).mock(
        return_value=httpx.Response(200, content=b'{"kind":"Pod","metadata":{"na')
    )
    result = get_pod(client).do()
    with pytest.raises(
        rawkube.DecodeError, match=r"GET /api/v1/namespaces/lab-fixtures/pods/pod-1"
    ):
        result.json()
    with pytest.raises(rawkube.DecodeError, match="as Pod"):
        result.into(Pod)


@respx.mock
def test_warnings_are_returned_and_logged_once(client, caplog):
    respx.get(POD_URL).mock(
        return_value=httpx.Response(
            200, json={}, headers=[("Warning", '299 - "v1 Thing is deprecated"')]
        )
    )
    with caplog.at_level(logging.WARNING, logger="rawkube"):
        first = get_pod(client).do()
        get_pod(client).do()
    assert first.warnings == ["v1 Thing is deprecated"]
    assert [r.getMessage() for r in caplog.records] == ["server warning: v1 Thing is deprecated"]


@respx.mock
def test_post_with_429_and_retry_after_is_retried_after_that_delay(client, clock):
    route = respx.post(f"{SERVER}/api/v1/namespaces/ns/configmaps").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "3"},
                json={"kind": "Status", "code": 429, "reason": "TooManyRequests"},
            ),
            httpx.Response(201, json={"kind": "ConfigMap"}),
        ]
    )
    result = client.post().namespace("ns").resource("configmaps").body({"kind": "ConfigMap"}).do()
    assert result.status_code == 201
    assert route.call_count == 2
    assert clock.sleeps == [3.0]


@respx.mock
def test_post_cut_by_a_reset_is_not_resent(client):
    route = respx.post(f"{SERVER}/api/v1/namespaces/ns/configmaps").mock(
        side_effect=httpx.ReadError("connection reset by peer")
    )
    with pytest.raises(rawkube.TransportError, match="connection reset"):
        client.post().namespace("ns").resource("configmaps").body({}).do()
    assert route.call_count == 1


@respx.mock
def test_get_cut_by_a_reset_is_retried(client, clock):
    route = respx.get(POD_URL).mock(
        side_effect=[httpx.RemoteProtocolError("Server disconnected"), recorded_response("pod_get")]
    )
    assert get_pod(client).do().into(Pod).metadata.name == "pod-1"
    assert route.call_count == 2
    assert clock.sleeps == [1.0]


@respx.mock
def test_504_without_retry_after_is_not_resent(client):
    route = respx.get(POD_URL).mock(return_value=httpx.Response(504, content=b"gateway timeout"))
    with pytest.raises(rawkube.GatewayTimeoutError):
        get_pod(client).do()
    assert route.call_count == 1


@respx.mock
def test_retries_stop_after_ten(client, clock):
    route = respx.get(POD_URL).mock(return_value=httpx.Response(503, headers={"Retry-After": "1"}))
    with pytest.raises(rawkube.ServiceUnavailableError) as info:
        get_pod(client).do()
    assert route.call_count == 11
    assert info.value.retry_after == 1
    assert clock.sleeps == [1.0] * 10


@respx.mock
def test_transport_failures_are_wrapped(client):
    respx.get(POD_URL).mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(rawkube.ConnectError, match="connection refused") as info:
        get_pod(client).do()
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    respx.get(POD_URL).mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(rawkube.RequestTimeoutError):
        get_pod(client).do()


@respx.mock
def test_stream_yields_chunks_as_they_arrive(client):
    class Chunks(httpx.SyncByteStream):
        def __iter__(self):
            yield b"line one\n"
            yield b"line two\n"

    route = respx.get(f"{SERVER}/api/v1/namespaces/ns/pods/p/log").mock(
        return_value=httpx.Response(200, stream=Chunks())
    )
    request = (
        client.get()
        .namespace("ns")
        .resource("pods")
        .name("p")
        .subresource("log")
        .param("follow", True)
    )
    with request.stream() as chunks:
        assert list(chunks) == [b"line one\n", b"line two\n"]
    assert route.calls.last.request.url.params["follow"] == "true"


@respx.mock
def test_stream_cut_mid_body_is_a_transport_error(client):
    class Broken(httpx.SyncByteStream):
        def __iter__(self):
            yield b"partial"
            raise httpx.ReadTimeout("read timed out")

    respx.get(f"{SERVER}/api/v1/namespaces/ns/pods/p/log").mock(
        return_value=httpx.Response(200, stream=Broken())
    )
    request = client.get().namespace("ns").resource("pods").name("p").subresource("log")
    with pytest.raises(rawkube.RequestTimeoutError), request.stream() as chunks:
        list(chunks)


@respx.mock
def test_stream_error_status_raises_before_any_chunk(client):
    respx.get(POD_URL).mock(return_value=recorded_response("err_403_forbidden_list_pods"))
    with pytest.raises(rawkube.ForbiddenError), get_pod(client).stream():
        pytest.fail("the body of an error must not be handed out")


@respx.mock
def test_impersonation_and_compression_headers(clock):
    route = respx.get(POD_URL).mock(return_value=httpx.Response(200, json={}))
    config = Config(
        server=SERVER,
        clock=clock,
        disable_compression=True,
        impersonation=Impersonation(
            user="jane", groups=("dev", "ops"), uid="42", extra={"scopes": ("a", "b")}
        ),
    )
    with Client(config) as client:
        get_pod(client).do()
    headers = route.calls.last.request.headers
    assert headers["impersonate-user"] == "jane"
    assert headers.get_list("impersonate-group") == ["dev", "ops"]
    assert headers["impersonate-uid"] == "42"
    assert headers.get_list("impersonate-extra-scopes") == ["a", "b"]
    assert headers["accept-encoding"] == "identity"


def test_tls_server_name_becomes_the_sni_extension(clock):
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions.get("sni_hostname"))
        return httpx.Response(200, json={})

    config = Config(
        server="https://10.0.0.1:6443", clock=clock, tls=TLSSettings(server_name="api.internal")
    )
    with Client(config, transport=httpx.MockTransport(handler)) as client:
        client.get().abs_path("/version").do()
    assert seen == ["api.internal"]


@respx.mock
def test_qps_limit_waits_on_the_clock(clock):
    respx.get(POD_URL).mock(return_value=httpx.Response(200, json={}))
    with Client(Config(server=SERVER, clock=clock, qps=2.0, burst=2)) as client:
        for _ in range(4):
            get_pod(client).do()
    assert clock.sleeps == [0.5, 0.5]


class RotatingCertificate(Credentials):
    """A credential flow handing out a new client certificate after each invalidate()."""

    def __init__(self) -> None:
        self.generation = 0
        self._current = self._make()
        self.invalidations = 0

    def _make(self) -> ClientCertificate:
        self.generation += 1
        return ClientCertificate(b"cert-%d" % self.generation, b"key")

    def client_certificate(self) -> ClientCertificate:
        return self._current

    async def aclient_certificate(self) -> ClientCertificate:
        return self._current

    def invalidate(self) -> None:
        self.invalidations += 1
        self._current = self._make()


@respx.mock
def test_401_with_a_plugin_certificate_refreshes_it_and_rebuilds_the_pool(clock):
    route = respx.get(POD_URL).mock(
        side_effect=[recorded_response("err_401_bad_token"), recorded_response("pod_get")]
    )
    auth = RotatingCertificate()
    with Client(Config(server=SERVER, clock=clock, auth=auth)) as client:
        first_pool = client._transport._http
        assert get_pod(client).do().into(Pod).metadata.name == "pod-1"
        assert auth.invalidations == 1
        assert client._transport._certificate is auth.client_certificate()
        assert client._transport._http is not first_pool
    assert route.call_count == 2


@respx.mock
def test_pools_older_than_the_last_certificate_change_are_closed(clock):
    respx.get(POD_URL).mock(return_value=recorded_response("pod_get"))
    auth = RotatingCertificate()
    with Client(Config(server=SERVER, clock=clock, auth=auth)) as client:
        pools = []
        for _ in range(3):
            get_pod(client).do()
            pools.append(client._transport._http)
            auth.invalidate()
        get_pod(client).do()
        assert [pool.is_closed for pool in pools] == [True, True, False]
    assert all(pool.is_closed for pool in pools)


@respx.mock
def test_a_second_401_is_raised(clock):
    respx.get(POD_URL).mock(return_value=recorded_response("err_401_bad_token"))
    auth = RotatingCertificate()
    with (
        Client(Config(server=SERVER, clock=clock, auth=auth)) as client,
        pytest.raises(rawkube.UnauthorizedError),
    ):
        get_pod(client).do()
    assert auth.invalidations == 1


def test_a_server_that_is_not_a_url_is_a_config_error(clock):
    with pytest.raises(rawkube.ConfigError, match="server must be an http"):
        Client(Config(server="k8s.test:6443", clock=clock))


def test_repr_names_the_server(client):
    assert (
        repr(client)
        == f"<Client Config(server='{SERVER}', namespace='default', context=None, auth=None, source='explicit settings')>"
    )


# --- async: the same behaviour, awaited -------------------------------------------------------


@pytest.mark.anyio
@respx.mock
async def test_async_get_matches_sync(config):
    respx.get(POD_URL).mock(return_value=recorded_response("pod_get"))
    async with AsyncClient(config) as aclient:
        result = await aclient.get().namespace("lab-fixtures").resource("pods").name("pod-1").do()
        raw = await aclient.get().namespace("lab-fixtures").resource("pods").name("pod-1").do_raw()
    with Client(config) as client:
        sync_result = get_pod(client).do()
    assert result.into(Pod) == sync_result.into(Pod)
    assert raw == sync_result.raw()
    assert result.status_code == sync_result.status_code


@pytest.mark.anyio
@respx.mock
async def test_async_retry_after_and_errors(config, clock):
    route = respx.get(POD_URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            recorded_response("err_404_pod_not_found"),
        ]
    )
    async with AsyncClient(config) as aclient:
        with pytest.raises(rawkube.NotFoundError):
            await aclient.get().namespace("lab-fixtures").resource("pods").name("pod-1").do()
    assert route.call_count == 2
    assert clock.sleeps == [2.0]


@pytest.mark.anyio
@respx.mock
async def test_async_stream(config):
    class Chunks(httpx.AsyncByteStream):
        async def __aiter__(self):
            yield b"a\n"
            yield b"b\n"

    respx.get(f"{SERVER}/api/v1/namespaces/ns/pods/p/log").mock(
        return_value=httpx.Response(200, stream=Chunks())
    )
    async with AsyncClient(config) as aclient:
        request = aclient.get().namespace("ns").resource("pods").name("p").subresource("log")
        async with request.stream() as chunks:
            assert [chunk async for chunk in chunks] == [b"a\n", b"b\n"]


@pytest.mark.anyio
@respx.mock
async def test_async_plugin_certificate_refresh(clock):
    respx.get(POD_URL).mock(
        side_effect=[recorded_response("err_401_bad_token"), recorded_response("pod_get")]
    )
    auth = RotatingCertificate()
    async with AsyncClient(Config(server=SERVER, clock=clock, auth=auth)) as aclient:
        result = await aclient.get().namespace("lab-fixtures").resource("pods").name("pod-1").do()
    assert result.into(Pod).metadata.name == "pod-1"
    assert auth.invalidations == 1


def _public(cls: type) -> dict[str, inspect.Signature]:
    names = {n for n in dir(cls) if not n.startswith("_")}
    return {n: inspect.signature(getattr(cls, n)) for n in names if callable(getattr(cls, n))}


@pytest.mark.parametrize(
    ("sync_cls", "async_cls"),
    [
        (rawkube.Client, rawkube.AsyncClient),
        (rawkube.Request, rawkube.AsyncRequest),
        (rawkube.RESTClient, rawkube.AsyncRESTClient),
    ],
)
def test_sync_and_async_have_the_same_names_and_signatures(sync_cls, async_cls):
    sync, asynchronous = _public(sync_cls), _public(async_cls)
    sync.pop("close", None)
    asynchronous.pop("aclose", None)
    assert sorted(sync) == sorted(asynchronous)
    for name, signature in sync.items():
        other = asynchronous[name]
        assert list(signature.parameters) == list(other.parameters), name
        for param, value in signature.parameters.items():
            assert value.default == other.parameters[param].default, (name, param)
        if inspect.iscoroutinefunction(getattr(async_cls, name)):
            assert not inspect.iscoroutinefunction(getattr(sync_cls, name))


@respx.mock
def test_a_big_list_decodes_into_the_same_models_as_an_eager_validation(client):
    from rawkube.core._decode import BULK_BYTES
    from rawkube.models.core_v1 import PodList

    pod = recorded_response("pod_get").json()
    items = [
        {**pod, "metadata": {**pod["metadata"], "name": f"pod-{i}"}, "futureField": i}
        for i in range(BULK_BYTES // 1000)
    ]
    body = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "5"}}
    content = httpx.Response(200, json={**body, "items": items}).content
    assert len(content) > BULK_BYTES
    respx.get(f"{SERVER}/api/v1/namespaces/ns/pods").mock(
        return_value=httpx.Response(200, content=content)
    )
    result = client.get().namespace("ns").resource("pods").do()
    lazy = result.into(PodList)
    assert [p.metadata.name for p in lazy.items] == [f"pod-{i}" for i in range(len(items))]
    assert lazy.items[3].model_extra == {"futureField": 3}  # unknown fields kept
    assert without_filled_identity(lazy.to_dict(), result.json()) == result.json()
    assert lazy == PodList.model_validate_json(content)
