"""score_leads.py against the real service (node --import tsx src/server.ts on a free loopback
port, the built-in model): the golden rows score as XGBoost scored them, bad input is a
ScoringError with the service's code. Its retry and timeout handling run against small loopback
servers: one answers 503 or 429 with Retry-After (then passes the request on to the service),
one accepts connections and never answers.

Needs node and this checkout's node_modules; without them it skips visibly, except in CI
(CI=true), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from score_leads import ScoringError, make_client, predict, score_leads

REPO = Path(__file__).resolve().parents[2]


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "tsx").is_dir():
        unavailable("node and the checkout's node_modules are needed to run the service")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "METRICS_PORT": str(free_port()),
        "DRAIN_SECONDS": "0",
        "LOG_LEVEL": "warn",
    }
    process = subprocess.Popen(
        [str(node), "--import", "tsx", str(REPO / "src" / "server.ts")],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not become ready (exit {process.poll()})")
            time.sleep(0.25)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def golden(service: str) -> dict[str, Any]:
    """golden.json of the version the service loaded: XGBoost's own answers."""
    name = httpx.get(f"{service}/v1/models").json()["models"][0]
    version = httpx.get(f"{service}/v1/models/{name}").json()["version"]
    return json.loads((REPO / "models" / name / version / "golden.json").read_text())


Reply = Callable[[BaseHTTPRequestHandler, int], None]


class FrontServer:
    """A loopback HTTP server in front of the service; `reply(handler, count)` answers."""

    def __init__(self, reply: Reply) -> None:
        self.requests: list[tuple[float, dict[str, str]]] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                front.requests.append(
                    (time.monotonic(), {k.lower(): v for k, v in self.headers.items()})
                )
                reply(self, len(front.requests))

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]):
    handler.send_response(status)
    for key, value in {"content-type": "application/json", **headers}.items():
        handler.send_header(key, value)
    handler.send_header("content-length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def forward(handler: BaseHTTPRequestHandler, target: str) -> None:
    body = handler.rfile.read(int(handler.headers["content-length"]))
    answer = httpx.post(
        f"{target}{handler.path}",
        content=body,
        headers={"content-type": handler.headers["content-type"]},
    )
    send(handler, answer.status_code, answer.content, {})


def instances(golden: dict[str, Any], count: int) -> list[dict[str, Any]]:
    return [
        {**row["instance"], "lead_id": f"P-{i}"} for i, row in enumerate(golden["rows"][:count])
    ]


def test_scores_leads_in_batches_as_xgboost_did(service: str, golden: dict[str, Any]) -> None:
    leads = instances(golden, 5)
    with make_client(service, api_key=None) as client:
        scored = list(score_leads(client, leads, batch_size=2))  # three batches
    assert [s["lead_id"] for s in scored] == [lead["lead_id"] for lead in leads]
    for s, row in zip(scored, golden["rows"], strict=False):
        assert abs(s["probability"] - row["prediction"]) <= golden["tolerance"]


def test_bad_input_is_a_scoring_error_with_the_services_code(service: str) -> None:
    with make_client(service, api_key=None) as client, pytest.raises(ScoringError) as caught:
        predict(client, [{"shoe_size": 44}])
    error = caught.value
    assert (error.status, error.code) == (400, "INVALID_INPUT")
    assert "shoe_size" in error.message
    assert error.request_id


def test_503_with_retry_after_waits_then_succeeds(service: str, golden: dict[str, Any]) -> None:
    def reply(handler: BaseHTTPRequestHandler, count: int) -> None:
        if count > 1:
            return forward(handler, service)
        handler.rfile.read(int(handler.headers["content-length"]))
        body = json.dumps({"error": "overloaded", "code": "OVERLOADED"}).encode()
        send(handler, 503, body, {"retry-after": "1"})

    front = FrontServer(reply)
    try:
        with make_client(front.url, api_key="k-test") as client:
            answer = predict(client, instances(golden, 2))
    finally:
        front.close()
    assert len(answer["predictions"]) == 2
    (first, sent), (second, resent) = front.requests
    assert sent["authorization"] == resent["authorization"] == "Bearer k-test"
    assert sent["x-request-id"] == resent["x-request-id"], "the retry carries the same id"
    # A lower bound only: the example may never come back before Retry-After has passed.
    assert second - first >= 0.99


def test_429_beyond_the_time_budget_fails_at_once(golden: dict[str, Any]) -> None:
    def reply(handler: BaseHTTPRequestHandler, count: int) -> None:
        handler.rfile.read(int(handler.headers["content-length"]))
        body = json.dumps({"error": "over quota", "code": "RATE_LIMITED"}).encode()
        send(handler, 429, body, {"retry-after": formatdate(time.time() + 120, usegmt=True)})

    front = FrontServer(reply)
    try:
        with make_client(front.url, api_key="k-test") as client, pytest.raises(ScoringError) as c:
            predict(client, instances(golden, 1), total_seconds=10)
    finally:
        front.close()
    assert (c.value.status, c.value.code) == (429, "RATE_LIMITED")
    assert c.value.retry_after is not None and c.value.retry_after > 100
    assert len(front.requests) == 1


def test_timeout_is_retried_then_reported(golden: dict[str, Any]) -> None:
    silent = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(
        target=lambda: [accepted.append(silent.accept()[0]) for _ in range(2)], daemon=True
    ).start()
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    try:
        with (
            make_client(url, api_key=None, timeout=0.2) as client,
            pytest.raises(ScoringError) as caught,
        ):
            predict(client, instances(golden, 1), retries=1)
    finally:
        for connection in accepted:
            connection.close()
        silent.close()
    assert caught.value.code == "TIMEOUT"
    assert caught.value.request_id, "the id the attempts were sent with, to quote"
    assert len(accepted) == 2
