"""Score a CRM's leads with the lead-scoring service, in batches, from a Python back-end.

A short example to copy, not a library: batch predict (`POST /predict`, the Vertex AI body) with
an API key, retries on 429 and 503 that honour `Retry-After`, timeouts, and the error body's
stable `code` to decide what to do.

    pip install -r requirements.txt
    LEAD_SCORING_API_KEY=... python score_leads.py https://scoring.example.com leads.jsonl

`leads.jsonl` holds one lead per line (raw field name → value, plus an optional `lead_id`); the
output is one `{"lead_id", "probability"}` line per lead, in order.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

RETRYABLE = {429, 503}  # over the key's quota; overloaded, not ready or draining


@dataclass
class ScoringError(Exception):
    """The call failed: `code` is the service's (INVALID_INPUT, RATE_LIMITED, …), or TIMEOUT /
    NETWORK_ERROR / UNEXPECTED_RESPONSE when the service did not answer with its error body."""

    code: str
    message: str
    status: int | None = None
    request_id: str | None = None
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"{self.code} ({self.status}): {self.message} [request id {self.request_id}]"


def make_client(base_url: str, api_key: str | None, timeout: float = 10.0) -> httpx.Client:
    """One client per process: it keeps connections open between batches."""
    # `x-api-key: <key>` works as well; the service accepts either.
    headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=timeout)


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: delay-seconds or an HTTP date (RFC 9110)."""
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def error_from(response: httpx.Response) -> ScoringError:
    request_id = response.headers.get("x-request-id")
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    try:
        body = response.json()
        code, message = body["code"], body["error"]
    except (ValueError, KeyError, TypeError):
        code, message = "UNEXPECTED_RESPONSE", response.text[:200]
    return ScoringError(code, message, response.status_code, request_id, retry_after)


def predict(
    client: httpx.Client,
    instances: list[dict[str, Any]],
    *,
    retries: int = 3,
    total_seconds: float = 30.0,
) -> dict[str, Any]:
    """`POST /predict` for one batch. Scoring is idempotent, so timeouts and dropped connections
    are retried as well as 429 and 503; each wait is `Retry-After` when the service sends it,
    else exponential backoff with full jitter, and all of it ends within `total_seconds`. Every
    attempt sends the same X-Request-Id, which ties them together in the service's logs."""
    request_id = str(uuid.uuid4())
    deadline = time.monotonic() + total_seconds
    for attempt in range(retries + 1):
        try:
            response = client.post(
                "/predict", json={"instances": instances}, headers={"x-request-id": request_id}
            )
        except httpx.TimeoutException as exc:
            error = ScoringError("TIMEOUT", str(exc) or "no answer in time", None, request_id)
        except httpx.TransportError as exc:
            error = ScoringError("NETWORK_ERROR", str(exc), None, request_id)
        else:
            if response.is_success:
                return response.json()
            error = error_from(response)
            if response.status_code not in RETRYABLE:
                raise error  # 4xx: fix the request (error.code says what), do not repeat it
        wait = error.retry_after
        if wait is None:
            wait = random.uniform(0, min(8.0, 0.25 * 2**attempt))
        if attempt == retries or time.monotonic() + wait >= deadline:
            raise error
        time.sleep(wait)
    raise AssertionError("unreachable")


def batches(leads: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for lead in leads:
        batch.append(lead)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def score_leads(
    client: httpx.Client, leads: Iterable[dict[str, Any]], batch_size: int = 500
) -> Iterator[dict[str, Any]]:
    """Each lead's probability, in order, batch by batch (at most MAX_BATCH_SIZE, default 1000)."""
    for batch in batches(leads, batch_size):
        answer = predict(client, batch)
        for lead, prediction in zip(batch, answer["predictions"], strict=True):
            yield {"lead_id": lead.get("lead_id"), "probability": prediction}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(f"usage: {argv[0]} BASE_URL LEADS.jsonl", file=sys.stderr)
        return 2
    with (
        open(argv[2], encoding="utf-8") as lines,
        make_client(argv[1], os.environ.get("LEAD_SCORING_API_KEY")) as client,
    ):
        leads = (json.loads(line) for line in lines if line.strip())
        try:
            for scored in score_leads(client, leads):
                print(json.dumps(scored))
        except ScoringError as error:
            print(error, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
