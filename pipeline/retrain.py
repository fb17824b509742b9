"""`python -m pipeline retrain`: the retraining loop's job, run on a schedule (the chart's
`retrain` CronJob).

With --if-requested it trains only when the monitoring job left a pending retrain request, or
--schedule-days says a full retrain is due; without it, it trains. It holds the registry's
retrain lock while it trains and publishes (retrain_lock.py), renewed by a heartbeat however
long the training takes, so two jobs never both publish,
and re-reads the requests once it holds it: a job that held it just before may have served
them. It publishes as `run --registry … --promote-if-better` does, through the registry CLI
(which records the lineage: data sha256, training run, code commit), then marks each request
it served done with the version and the promotion decision, and records the run in
`<model>/retrain/last-run.json`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .config import DEFAULT_ALIAS, RunConfig
from .errors import PipelineError
from .gcs_output import is_gcs_uri
from .register import Published, code_commit, publish, registry_cli
from .retrain_lock import Busy, Heartbeat, acquire, lock_name, release
from .retrain_requests import full_retrain_due, mark_done, pending_requests, record_run
from .retrain_store import RegistryBucket, Stored
from .run import run_pipeline


@dataclass(frozen=True)
class RetrainResult:
    trained: bool
    reason: str  # why it trained, or why not
    published: Published | None = None


def _trigger(
    store: RegistryBucket, model: str, requests: list[Stored], schedule_days: float | None
) -> str | None:
    if requests:
        return f"{len(requests)} pending retrain request(s): " + ", ".join(
            store.uri(r.name) for r in requests
        )
    if schedule_days is not None and full_retrain_due(store, model, schedule_days):
        return f"a full retrain is due (every {schedule_days:g} days)"
    return None


def retrain(
    data: str,
    config: RunConfig,
    *,
    registry: str,
    name: str,
    alias: str | None = None,
    if_requested: bool = False,
    schedule_days: float | None = None,
    lock_ttl: timedelta = timedelta(hours=3),
    major: bool = False,
    mlflow_uri: str | None = None,
    log: Callable[[str], None] = print,
) -> RetrainResult:
    if not is_gcs_uri(registry):
        raise PipelineError(
            f"retrain needs a gs:// registry, got {registry!r}: its lock and requests rely on "
            "Cloud Storage generation preconditions (publish to a local registry with `run`)"
        )
    store = RegistryBucket(registry)
    # Cheap check first: most scheduled runs find nothing and should not even lock.
    if if_requested and _trigger(store, name, pending_requests(store, name), schedule_days) is None:
        return _nothing(log)
    cli = registry_cli()  # fail before training, not after
    lock = acquire(store, name, lock_ttl)
    if isinstance(lock, Busy):
        reason = (
            f"backing off: {lock.owner} holds {store.uri(lock_name(name))} until {lock.expires_at}"
        )
        log(reason)
        return RetrainResult(trained=False, reason=reason)
    heartbeat = Heartbeat(store, lock, lock_ttl).start()
    try:
        requests = pending_requests(store, name)
        trigger = (
            _trigger(store, name, requests, schedule_days)
            if if_requested
            else "run without --if-requested"
        )
        if trigger is None:
            return _nothing(log)
        log(f"retraining {name}: {trigger}")
        with tempfile.TemporaryDirectory(prefix="lead-scoring-retrain-") as tmp:
            version_dir = Path(tmp) / name
            # Compared with production on the same rows, so the registry promotes only a
            # candidate better beyond noise (the paired rule of `run --promote-if-better`).
            trained = run_pipeline(
                data,
                config,
                name=name,
                out=version_dir,
                mlflow_uri=mlflow_uri,
                compare_registry=registry,
                alias=alias,
                log=log,
            )
            lost = heartbeat.lost()
            if lost is not None:
                raise PipelineError(f"{lost}: not publishing")
            published = publish(
                version_dir,
                registry,
                name,
                alias=alias,
                promote_if_better=True,
                major=major,
                run_id=trained.mlflow_run_id,
                git_commit=code_commit(),
                cli=cli,
            )
        log(str(published))
        if published.alias_moved:
            log(
                f"warning: {published.version} is published but not promoted: "
                f"{alias or DEFAULT_ALIAS} was moved by someone else while the registry decided; "
                "the requests are marked done with that result (exit code 4)"
            )
        result = _result(published, alias)
        changed = mark_done(store, requests, result)
        for request in changed:
            log(f"warning: {store.uri(request)} changed meanwhile; left as it is")
        record_run(
            store,
            name,
            {
                "finished_at": datetime.now(UTC).isoformat(),
                "trigger": trigger,
                "data": data,
                "requests": [store.uri(r.name) for r in requests],
                **result,
            },
        )
        return RetrainResult(trained=True, reason=trigger, published=published)
    finally:
        heartbeat.stop()
        release(store, heartbeat.held)  # a no-op when another job has taken it over


def _nothing(log: Callable[[str], None]) -> RetrainResult:
    reason = "nothing to do: no retrain request pending and no full retrain due"
    log(reason)
    return RetrainResult(trained=False, reason=reason)


def _result(published: Published, alias: str | None) -> dict[str, Any]:
    """What a served request records: the version (its registry location is the link), and the
    registry CLI's own words for the promotion decision (why the alias stayed, when it did).

    `alias_moved`: the alias changed while the registry decided, so the version was not
    promoted. The request is served all the same: a version was trained on the data it asked
    for, and whoever moved the alias chose production. If the drift persists against that
    production, the monitoring job requests again."""
    return {
        "version": published.version,
        "location": published.location,
        "alias": alias or DEFAULT_ALIAS,
        "promoted": published.promoted,
        "alias_moved": published.alias_moved,
        "decision": published.output,
    }
