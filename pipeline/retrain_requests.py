"""Retrain requests and the schedule, as the retrain job reads and records them.

`lead-scoring monitor` writes `<model>/monitoring/retrain-requests/<time>.json` with status
"pending" and its reason when it alerts (src/monitoring/quality/retrain-request.ts is the
schema). The retrain job replaces each request it acted on, by compare-and-swap on the
generation it read, with status "done" and the result: the version it published, whether it
was promoted, and the registry's decision. `<model>/retrain/last-run.json` records the last
retrain, which `--schedule-days` measures from.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import PipelineError
from .retrain_store import RegistryBucket, Stored

# Under monitoring/: the one prefix the monitoring job's Google service account may write.
REQUESTS_DIR = "monitoring/retrain-requests"


def last_run_name(model: str) -> str:
    return f"{model}/retrain/last-run.json"


def pending_requests(store: RegistryBucket, model: str) -> list[Stored]:
    """The requests still pending, oldest first. One that cannot be read is reported and left
    alone: it must not stop the requests that can."""
    pending = []
    for name in store.list(f"{model}/{REQUESTS_DIR}"):
        try:
            request = store.read(name)
        except PipelineError as e:
            print(f"warning: retrain request skipped: {e}", file=sys.stderr)
            continue
        if request is not None and request.body.get("status") == "pending":
            pending.append(request)
    return pending


def full_retrain_due(
    store: RegistryBucket, model: str, every_days: float, now: datetime | None = None
) -> bool:
    """Whether the last retrain (last-run.json) is at least `every_days` old; True with none."""
    last = store.read(last_run_name(model))
    if last is None:
        return True
    try:
        finished = datetime.fromisoformat(str(last.body["finished_at"]))
    except (KeyError, ValueError):
        return True  # a record that does not say when: retrain rather than never again
    return (now or datetime.now(UTC)) - finished >= timedelta(days=every_days)


def mark_done(store: RegistryBucket, requests: list[Stored], result: dict[str, Any]) -> list[str]:
    """Replaces each request with status "done" and `result`; returns the ones another job
    changed meanwhile (left as that job wrote them)."""
    changed = []
    done_at = datetime.now(UTC).isoformat()
    for request in requests:
        body = {**request.body, "status": "done", "done_at": done_at, "result": result}
        if store.write(request.name, body, request.generation) is None:
            changed.append(request.name)
    return changed


def record_run(store: RegistryBucket, model: str, record: dict[str, Any]) -> None:
    """Replaces last-run.json (compare-and-swap; this job holds the lock, so it wins)."""
    name = last_run_name(model)
    current = store.read(name)
    written = store.write(name, record, current.generation if current else 0)
    if written is None:
        raise PipelineError(f"{store.uri(name)} changed while this job held the retrain lock")
