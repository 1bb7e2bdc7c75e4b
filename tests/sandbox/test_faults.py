"""Fault injection and the request log, for real: a tiny Starlette app under uvicorn on a loopback port,
wrapped the way the sandbox wraps its app (request log outside, faults inside), hit with httpx."""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from synq_desktop.sandbox.faults import FaultConfig, FaultInjector, FaultMiddleware
from synq_desktop.sandbox.requestlog import RequestLog, RequestLogMiddleware


class _Store:
    """What the tiny app committed: the proof that a dropped answer still changed something."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.lock = threading.Lock()


def _tiny_app(store: _Store) -> Starlette:
    async def create(request: Request) -> Response:
        body = await request.json()
        with store.lock:
            store.items.append(body)
            count = len(store.items)
        return JSONResponse({"id": count, **body, "padding": "x" * 200}, status_code=201)

    async def listing(_request: Request) -> Response:
        with store.lock:
            return JSONResponse(list(store.items))

    async def remove(_request: Request) -> Response:
        return Response(status_code=204)

    async def admin(_request: Request) -> Response:
        return JSONResponse({"admin": True})

    async def demo_file(_request: Request) -> Response:
        return Response(b"\x89PNG fake", media_type="image/png")

    return Starlette(routes=[
        Route("/api/items", create, methods=["POST"]),
        Route("/api/items", listing, methods=["GET"]),
        Route("/api/items/1", remove, methods=["DELETE"]),
        Route("/_admin/ping", admin),
        Route("/files/demo/x.png", demo_file),
    ])


class _Served:
    def __init__(self) -> None:
        self.store = _Store()
        self.injector = FaultInjector()
        self.log = RequestLog(maxlen=1000)
        app = RequestLogMiddleware(FaultMiddleware(_tiny_app(self.store), self.injector), self.log)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="critical", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        self._sock = sock

    def logged(self, count: int) -> list[dict]:
        """The log once it holds `count` entries: a dropped answer is logged when the server side of the
        request ends, which can come after the client has seen the connection cut."""
        deadline = time.monotonic() + 10
        while len(self.log.entries()) < count:
            assert time.monotonic() < deadline, self.log.entries()
            time.sleep(0.005)
        return self.log.entries()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self._sock.close()


@pytest.fixture(scope="module")
def served() -> Iterator[_Served]:
    running = _Served()
    yield running
    running.stop()


@pytest.fixture
def srv(served: _Served) -> Iterator[_Served]:
    served.injector.reset()
    assert served.log.wait_quiet(10), "an earlier test's request never ended"  # its entry would land here
    served.log.clear()
    with served.store.lock:
        served.store.items.clear()
    yield served
    served.injector.reset()


def _client(srv: _Served) -> httpx.Client:
    return httpx.Client(base_url=srv.url, timeout=10.0)


# ---- the config ----

def test_config_defaults_are_all_off():
    config = FaultConfig()
    assert not config.active
    assert config.error_codes == [500, 502, 503] and config.retry_after_s == 1


@pytest.mark.parametrize("fields", [
    {"error_rate": 1.5}, {"error_rate": -0.1}, {"truncate_rate": 2}, {"garbage_rate": -1},
    {"drop_after_commit_rate": 1.01}, {"error_codes": [404]}, {"error_codes": []}, {"latency_ms": -1},
    {"throttle_burst": -2}, {"paths": "(unclosed"}, {"no_such_field": 1}, {"error_rate": "often"},
])
def test_config_refuses_bad_values(fields):
    with pytest.raises(ValidationError):
        FaultConfig(**fields)


def test_injector_update_keeps_other_fields_and_validates():
    injector = FaultInjector(FaultConfig(latency_ms=5))
    assert injector.update(error_rate=0.5).latency_ms == 5
    with pytest.raises(ValidationError):
        injector.update(error_rate=7)
    assert injector.config.error_rate == 0.5  # a refused update changes nothing
    assert injector.reset() == FaultConfig()


def test_same_seed_same_sequence_of_faults():
    def sequence() -> list[str | None]:
        injector = FaultInjector(FaultConfig(error_rate=0.3, truncate_rate=0.3, garbage_rate=0.2, seed=42))
        return [injector.plan("/api/x", "POST").kind for _ in range(200)]

    first = sequence()
    assert first == sequence()
    assert {"error", "truncate", "garbage", None} <= set(first)


def test_paths_and_exclusions():
    injector = FaultInjector(FaultConfig(error_rate=1.0))
    assert injector.applies_to("/api/v1/pim/products")
    assert not injector.applies_to("/_admin/faults") and not injector.applies_to("/files/demo/a.png")
    assert not injector.applies_to("/openapi.json")
    injector.update(paths=r"/variants$")
    assert injector.applies_to("/api/v1/pim/products/1/variants")
    assert not injector.applies_to("/api/v1/pim/products")
    injector.update(paths=r".*")
    assert not injector.applies_to("/_admin/requests"), "admin routes are never faulted, whatever paths says"


def test_injector_is_safe_to_replace_while_requests_plan():
    injector = FaultInjector(FaultConfig(error_rate=0.5, seed=1))
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            for _ in range(2000):
                injector.plan("/api/x", "POST")
        except Exception as exc:  # noqa: BLE001 - collected and asserted empty below
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for rate in (0.1, 0.9, 0.0, 1.0) * 25:
        injector.update(error_rate=rate)
    for thread in threads:
        thread.join()
    assert errors == []


# ---- the middleware, over real HTTP ----

def test_no_faults_pass_through_and_are_logged(srv):
    with _client(srv) as client:
        made = client.post("/api/items", json={"name": "a"}, headers={
            "Idempotency-Key": "k-1", "If-Match": '"v1"', "X-Tenant-ID": "t-1"})
        assert made.status_code == 201 and made.json()["name"] == "a"
        assert client.get("/api/items", params={"limit": 5}).json() == [{"name": "a"}]
        assert client.get("/_admin/ping").status_code == 200
    entries = srv.log.entries()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/api/items", 201), ("GET", "/api/items", 200)]  # /_admin is not logged
    first, second = entries
    assert first["idempotency_key"] == "k-1" and first["if_match"] == '"v1"' and first["tenant_id"] == "t-1"
    assert second["query"] == "limit=5" and second["idempotency_key"] is None
    assert first["seq"] < second["seq"] and first["time"].endswith("Z")
    assert first["fault"] is None and first["app_status"] == 201


def test_latency_delays_every_api_request(srv):
    srv.injector.configure(FaultConfig(latency_ms=600))
    with _client(srv) as client:
        started = time.perf_counter()
        assert client.get("/api/items").status_code == 200
        assert time.perf_counter() - started >= 0.6
        # Admin routes are never delayed: under a minute of latency one still answers within the
        # client's deadline (a delayed one would time out).
        srv.injector.configure(FaultConfig(latency_ms=60_000))
        assert client.get("/_admin/ping", timeout=20).status_code == 200


def test_error_rate_answers_before_the_app_runs(srv):
    srv.injector.configure(FaultConfig(error_rate=1.0, error_codes=[502, 503], seed=3))
    with _client(srv) as client:
        statuses = set()
        for n in range(12):
            answer = client.post("/api/items", json={"n": n})
            statuses.add(answer.status_code)
            assert "error" in answer.json()
        assert statuses == {502, 503}
        assert client.get("/files/demo/x.png").status_code == 200, "/files is never faulted"
    assert srv.store.items == [], "an injected error never reaches the app"
    entries = srv.log.entries()
    assert len(entries) == 12 and all(e["fault"] == "error" and e["app_status"] is None for e in entries)


def test_throttle_burst_answers_429_with_retry_after_then_stops(srv):
    srv.injector.configure(FaultConfig(throttle_burst=3, retry_after_s=7))
    with _client(srv) as client:
        answers = [client.get("/api/items") for _ in range(5)]
    assert [a.status_code for a in answers] == [429, 429, 429, 200, 200]
    assert answers[0].headers["Retry-After"] == "7" and "error" in answers[0].json()
    assert srv.injector.throttle_remaining == 0
    assert [e["status"] for e in srv.log.entries()] == [429, 429, 429, 200, 200]


def test_drop_after_commit_commits_then_cuts_the_connection(srv):
    srv.injector.configure(FaultConfig(drop_after_commit_rate=1.0))
    with _client(srv) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post("/api/items", json={"name": "lost answer"})
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.delete("/api/items/1")  # a 204 is dropped visibly too
    assert srv.store.items == [{"name": "lost answer"}], "the change was committed before the drop"
    post, delete = srv.logged(2)
    assert post["status"] == "dropped" and post["fault"] == "drop" and post["app_status"] == 201
    assert delete["status"] == "dropped" and delete["app_status"] == 204


def test_truncate_cuts_a_2xx_body(srv):
    srv.injector.configure(FaultConfig(truncate_rate=1.0))
    with _client(srv) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/api/items", json={"name": "t"})
        # Streaming shows that part of the body arrived before the cut.
        received = b""
        with pytest.raises(httpx.RemoteProtocolError), client.stream("GET", "/api/items") as answer:
            assert answer.status_code == 200
            for chunk in answer.iter_raw():
                received += chunk
        assert received and received.startswith(b"[") and not received.endswith(b"]")
    assert srv.store.items == [{"name": "t"}]
    assert [e["status"] for e in srv.log.entries()] == ["dropped", "dropped"]


def test_garbage_gives_a_2xx_that_is_not_json(srv):
    srv.injector.configure(FaultConfig(garbage_rate=1.0, seed=11))
    kinds = set()
    with _client(srv) as client:
        for n in range(16):
            answer = client.post("/api/items", json={"n": n})
            assert answer.status_code == 201
            with pytest.raises(ValueError):
                json.loads(answer.content)
            kinds.add((answer.headers["content-type"].split(";")[0],
                       b"<html>" in answer.content))
    assert len(srv.store.items) == 16
    assert ("application/json", True) in kinds and ("text/html", True) in kinds
    assert any(not is_html for _kind, is_html in kinds), "random bytes too"


def test_paths_regex_restricts_the_faults(srv):
    srv.injector.configure(FaultConfig(error_rate=1.0, paths=r"^/api/items$"))
    with _client(srv) as client:
        assert client.get("/api/items").status_code in (500, 502, 503)
        assert client.delete("/api/items/1").status_code == 204


def test_methods_restrict_the_faults_to_those_methods_on_the_same_paths(srv):
    srv.injector.configure(FaultConfig(drop_after_commit_rate=1.0, paths=r"^/api/items", methods=["delete"]))
    assert srv.injector.config.methods == ["DELETE"]
    with _client(srv) as client:
        assert client.get("/api/items").json() == []  # answered in full: GET is not among the methods
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.delete("/api/items/1")
    assert [(e["method"], e["fault"]) for e in srv.logged(2)] == [("GET", None), ("DELETE", "drop")]


def test_replacing_the_config_at_run_time_takes_effect_at_once(srv):
    with _client(srv) as client:
        srv.injector.configure(FaultConfig(error_rate=1.0))
        assert client.get("/api/items").status_code >= 500
        srv.injector.reset()
        assert client.get("/api/items").status_code == 200


# ---- the request log on its own ----

def test_request_log_is_bounded_and_seq_keeps_rising():
    log = RequestLog(maxlen=3)
    for n in range(5):
        log.append({"path": f"/api/{n}"})
    assert [e["seq"] for e in log.entries()] == [3, 4, 5]
    assert [e["path"] for e in log.entries(since=4)] == ["/api/4"]
    log.clear()
    assert log.entries() == [] and len(log) == 0
    assert log.append({"path": "/api/x"}) == 6
    assert log.since(5)[0]["path"] == "/api/x"


def test_request_log_is_thread_safe():
    log = RequestLog(maxlen=100_000)

    def add() -> None:
        for _ in range(2000):
            log.append({"path": "/api"})

    threads = [threading.Thread(target=add) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = [e["seq"] for e in log.entries()]
    assert seqs == list(range(1, 8001))


def test_request_log_stays_small_and_a_tail_read_copies_only_the_tail():
    """100,000 entries (the agreed bound) must stay cheap: a `since` read builds only the tail's entries
    (its speed is bench/sandbox_parts.py's business)."""
    import tracemalloc

    tracemalloc.start()
    log = RequestLog()
    for n in range(100_000):
        log.append({"method": "GET", "path": f"/api/v1/pim/products/{n:036d}", "query": f"limit=100&offset={n}",
                    "status": 200, "tenant_id": "c2f3980a-efb4-482f-9dc1-28f3bbaa2958", "time": 1_764_215_144.5})
    size, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert size < 60_000_000, f"{size / 1e6:.0f} MB"
    tracemalloc.start()
    tail = log.entries(since=99_995)
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [e["seq"] for e in tail] == [99_996, 99_997, 99_998, 99_999, 100_000]
    assert tail[0]["time"] == "2025-11-27T03:45:44.500000Z"
    assert peak < 100_000, f"a tail read allocated {peak} bytes: it copied more than the tail"


def test_a_spent_throttle_burst_is_not_rearmed_by_another_change():
    injector = FaultInjector(FaultConfig(throttle_burst=2))
    assert [injector.plan("/api/x").kind for _ in range(3)] == ["throttle", "throttle", None]
    assert injector.config.throttle_burst == 0, "the config shows what is left"
    injector.update(latency_jitter_ms=1)
    assert injector.plan("/api/x").kind is None
    injector.update(throttle_burst=1)
    assert injector.plan("/api/x").kind == "throttle", "asking again arms a new burst"
