"""The retraining loop on fake-gcs-server: drifted traffic → `lead-scoring monitor` exits 3 and
writes a retrain request → `python -m pipeline retrain --if-requested` trains, publishes with
promote-if-better (promoted only when better beyond noise) and marks the request done; no request →
nothing trained; a second job backs off while the lock is held, an expired lock is taken over,
and of two jobs started at once only one publishes; a job that works longer than its lock's TTL
keeps it (the heartbeat), one whose lock was taken over does not publish; an alias moved while
publishing is recorded on the request (exit 4).

Needs the emulator and the registry CLI (node + node_modules): each skips visibly without them,
except with CI=true, where their absence is a failure. Small data, few trees: a few seconds per
training.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.cli import main
from pipeline.config import DEFAULTS, LEAD_PRESET, RunConfig, TrainConfig
from pipeline.register import RegistryCli, code_commit
from pipeline.retrain_lock import Busy, Held, acquire, release, renew
from pipeline.retrain_store import RegistryBucket
from pipeline.run import run_pipeline
from pipeline.tests import test_gcs_output
from pipeline.tests.conftest import (
    HEADER,
    LEAD_LIKE,
    REPO,
    rival_registry_cli,
    synthetic_rows,
    write_csv,
)
from pipeline.tests.test_gcs_output import objects

# The emulator and a fresh bucket per test, as the pipeline's other gs:// tests get them.
fake_gcs = test_gcs_output.fake_gcs
bucket = test_gcs_output.bucket

NAME = "synthetic"
TRAINING = ("--", "--preset", LEAD_PRESET, "--allow-missing-preset-columns")
WINDOW = ("--since", "2026-11-29T00:00:00Z", "--until", "2026-12-01T00:00:00Z")
WEAK = RunConfig(data=LEAD_LIKE, train=TrainConfig(n_estimators=1, max_depth=1))


def put(bucket: str, name: str, data: bytes) -> str:
    from google.cloud import storage

    storage.Client(project="test").bucket(bucket).blob(name).upload_from_string(data)
    return f"gs://{bucket}/{name}"


def stored_json(bucket: str, prefix: str) -> dict[str, Any]:
    return {n: json.loads(b) for n, b in objects(bucket, prefix).items() if n.endswith(".json")}


def versions(bucket: str) -> list[str]:
    return sorted({n.split("/")[0] for n in objects(bucket, f"models/{NAME}") if n[0].isdigit()})


def seed_registry(bucket: str, leads_csv: Path, config: RunConfig) -> dict[str, Any]:
    """Version 1.0.0 in gs://bucket/models, production on it; its metadata.json."""
    result = run_pipeline(
        str(leads_csv),
        config,
        name=NAME,
        registry=f"gs://{bucket}/models",
        promote_if_better=True,
        log=lambda s: None,
    )
    assert result.published is not None and result.published.promoted is True
    return json.loads(objects(bucket, f"models/{NAME}/1.0.0")["metadata.json"])


def drifted_log(bucket: str, metadata: dict[str, Any]) -> str:
    """Predictions of 1.0.0 far from its training baselines: every categorical field at its
    rarest category, every numeric one three times beyond its largest bin edge."""
    fields: dict[str, Any] = {}
    for field, baseline in metadata["baselines"].items():
        if baseline["type"] == "numeric":
            fields[field] = 3 * max(abs(e) for e in baseline["bin_edges"]) + 1
        else:
            freqs = baseline["frequencies"]
            fields[field] = min(freqs, key=freqs.get)
    records = [
        {
            "kind": "prediction",
            "time": "2026-11-30T10:00:00.000Z",
            "request_id": f"req-{i}",
            "lead_id": f"L-{i}",
            "model": NAME,
            "model_version": "1.0.0",
            "score": 0.5,
            "label": None,
            "threshold": None,
            "fields": fields,
        }
        for i in range(300)
    ]
    part = f"log/predictions/date=2026-11-30/model={NAME}/version=1.0.0/pod-a-000001.ndjson"
    put(bucket, part, "".join(json.dumps(r) + "\n" for r in records).encode())
    return f"gs://{bucket}/log"


def monitor(cli: RegistryCli, bucket: str, log: str) -> subprocess.CompletedProcess[str]:
    args = ["--log", log, "--registry", f"gs://{bucket}/models", "--model", NAME, *WINDOW]
    return subprocess.run(
        [*cli.argv, "monitor", *args],
        cwd=cli.cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def requests(bucket: str) -> dict[str, Any]:
    return stored_json(bucket, f"models/{NAME}/monitoring/retrain-requests")


def request_by_drift(bucket: str, cli: RegistryCli, metadata: dict[str, Any]) -> str:
    """Runs the monitoring job on drifted traffic: it exits 3 and leaves one pending request."""
    done = monitor(cli, bucket, drifted_log(bucket, metadata))
    assert done.returncode == 3, done.stdout + done.stderr
    assert "retrain requested: gs://" in done.stdout
    [(name, request)] = requests(bucket).items()
    assert request["status"] == "pending" and request["model"] == NAME
    assert request["reason"]["versions"][0]["version"] == "1.0.0"
    assert request["reason"]["versions"][0]["drift"]  # the drifted fields, with their figures
    assert request["reason"]["report"]["html"].startswith(f"gs://{bucket}/models/{NAME}/")
    return name


def retrain(
    bucket: str, data: str, *extra: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    capsys.readouterr()
    registry = f"gs://{bucket}/models"
    args = ["--registry", registry, "--name", NAME, "--data", data, *extra]
    code = main(["retrain", *args, *TRAINING, "--n-estimators", "40"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_drift_requests_a_retrain_that_publishes_promotes_and_marks_it_done(
    bucket: str, leads_csv: Path, cli_for_registry: RegistryCli, capsys: pytest.CaptureFixture[str]
) -> None:
    first = seed_registry(bucket, leads_csv, WEAK)  # one stump: easy to beat
    name = request_by_drift(bucket, cli_for_registry, first)
    data = put(bucket, "exports/leads.csv", leads_csv.read_bytes())

    code, out = retrain(bucket, data, "--if-requested", capsys=capsys)

    assert code == 0, out
    assert "1 pending retrain request(s)" in out
    assert versions(bucket) == ["1.0.0", "1.0.1"]
    new = json.loads(objects(bucket, f"models/{NAME}/1.0.1")["metadata.json"])
    assert new["primary_metric"]["value"] > first["primary_metric"]["value"]
    # Promoted by the paired rule: compared with production on the same rows, beyond the margin.
    comparison = new["comparison"]
    assert comparison["against"] == {"version": "1.0.0"}
    assert comparison["interval"][0] > comparison["margin"]
    stored = stored_json(bucket, f"models/{NAME}")
    assert stored["aliases/production.json"]["version"] == "1.0.1"
    # The request names what it produced; the version's lineage names what produced it.
    request = requests(bucket)[name]
    assert request["status"] == "done"
    assert request["result"]["version"] == "1.0.1" and request["result"]["promoted"] is True
    assert request["result"]["location"] == f"gs://{bucket}/models/{NAME}/1.0.1"
    lineage = new["lineage"]
    assert lineage["training_data_sha256"] == hashlib.sha256(leads_csv.read_bytes()).hexdigest()
    assert lineage["git_commit"] == code_commit()
    assert lineage["training_run_id"] is None  # no MLflow in this run
    assert stored["retrain/last-run.json"]["version"] == "1.0.1"
    assert "retrain/lock.json" not in stored  # released

    # Served: the next scheduled run trains nothing.
    code, out = retrain(bucket, data, "--if-requested", capsys=capsys)
    assert code == 0 and "nothing to do" in out
    assert versions(bucket) == ["1.0.0", "1.0.1"]


def test_a_worse_retrain_is_published_but_not_promoted_and_the_request_says_why(
    bucket: str,
    leads_csv: Path,
    tmp_path: Path,
    cli_for_registry: RegistryCli,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = seed_registry(bucket, leads_csv, RunConfig(data=LEAD_LIKE, train=DEFAULTS.train))
    name = request_by_drift(bucket, cli_for_registry, first)
    # The same leads with their outcomes shuffled: nothing left to learn.
    rows = synthetic_rows(1200)
    outcomes = np.random.default_rng(7).permutation([r[-1] for r in rows])
    shuffled = [[*row[:-1], y] for row, y in zip(rows, outcomes, strict=True)]
    noise = write_csv(tmp_path / "noise.csv", HEADER, shuffled)
    data = put(bucket, "exports/noise.csv", noise.read_bytes())

    code, out = retrain(bucket, data, "--if-requested", capsys=capsys)

    assert code == 3, out  # published, production kept
    assert versions(bucket) == ["1.0.0", "1.0.1"]
    assert stored_json(bucket, f"models/{NAME}")["aliases/production.json"]["version"] == "1.0.0"
    result = requests(bucket)[name]["result"]
    assert result["version"] == "1.0.1" and result["promoted"] is False
    assert "1.0.0" in result["decision"]  # the registry's reason names the version it kept
    assert "not significantly better" in result["decision"]


def test_no_request_trains_nothing_and_takes_no_lock(
    bucket: str, leads_csv: Path, cli_for_registry: RegistryCli, capsys: pytest.CaptureFixture[str]
) -> None:
    data = put(bucket, "exports/leads.csv", leads_csv.read_bytes())
    code, out = retrain(bucket, data, "--if-requested", capsys=capsys)
    assert code == 0 and "nothing to do" in out
    assert objects(bucket, "models") == {}


def test_the_lock_is_taken_once_and_an_expired_one_taken_over(bucket: str) -> None:
    store = RegistryBucket(f"gs://{bucket}/models")
    now = datetime.now(UTC)
    first = acquire(store, NAME, timedelta(minutes=5), now)
    assert isinstance(first, Held)
    second = acquire(store, NAME, timedelta(minutes=5), now)
    assert isinstance(second, Busy) and second.owner == first.owner
    # Past its expiry (a crashed holder): the next job takes it over, once.
    later = now + timedelta(minutes=6)
    taken = acquire(store, NAME, timedelta(minutes=5), later)
    assert isinstance(taken, Held) and taken.generation != first.generation
    assert isinstance(acquire(store, NAME, timedelta(minutes=5), later), Busy)
    release(store, first)  # the old holder's release leaves the new holder's lock alone
    assert store.read(f"{NAME}/retrain/lock.json") is not None
    release(store, taken)
    assert store.read(f"{NAME}/retrain/lock.json") is None


def test_a_renewal_moves_the_expiry_and_fails_once_the_lock_is_taken_over(bucket: str) -> None:
    store = RegistryBucket(f"gs://{bucket}/models")
    now = datetime.now(UTC)
    held = acquire(store, NAME, timedelta(minutes=5), now)
    assert isinstance(held, Held)
    renewed = renew(store, held, timedelta(minutes=5), now + timedelta(minutes=4))
    assert renewed is not None and renewed.generation != held.generation
    assert renewed.expires_at == now + timedelta(minutes=9)
    # Not expired at 6 minutes, thanks to the renewal: nobody can take it over.
    assert isinstance(acquire(store, NAME, timedelta(minutes=5), now + timedelta(minutes=6)), Busy)
    assert renew(store, held, timedelta(minutes=5)) is None  # a stale generation renews nothing
    # Past the renewed expiry another job takes it over; the old holder's renewal then fails.
    taken = acquire(store, NAME, timedelta(minutes=5), now + timedelta(minutes=10))
    assert isinstance(taken, Held)
    assert renew(store, renewed, timedelta(minutes=5)) is None


def after_training(monkeypatch: pytest.MonkeyPatch, then: Callable[[], None]) -> None:
    """Runs `then` in the retrain job right after its training, before it publishes."""
    from pipeline import retrain as job

    train = job.run_pipeline

    def train_then(*args: Any, **kwargs: Any) -> Any:
        result = train(*args, **kwargs)
        then()
        return result

    monkeypatch.setattr(job, "run_pipeline", train_then)


def test_a_job_that_works_longer_than_its_lock_ttl_keeps_the_lock(
    bucket: str,
    leads_csv: Path,
    cli_for_registry: RegistryCli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = RegistryBucket(f"gs://{bucket}/models")
    lock = f"{NAME}/retrain/lock.json"
    seen: list[tuple[datetime, dict[str, Any]]] = []

    def outlive_the_ttl() -> None:
        # Work on until the lock as first taken has expired: only renewals can have kept it.
        stored = store.read(lock)
        assert stored is not None
        first_expiry = datetime.fromisoformat(stored.body["acquired_at"]) + timedelta(seconds=3)
        while datetime.now(UTC) <= first_expiry + timedelta(seconds=1):
            time.sleep(0.2)
        seen.append((first_expiry, store.read(lock).body))  # type: ignore[union-attr]

    after_training(monkeypatch, outlive_the_ttl)
    data = put(bucket, "exports/leads.csv", leads_csv.read_bytes())
    code, out = retrain(bucket, data, "--lock-minutes", "0.05", capsys=capsys)  # a 3 s TTL

    assert code == 0, out
    assert versions(bucket) == ["1.0.0"]
    [(first_expiry, body)] = seen
    assert "renewed_at" in body
    assert datetime.fromisoformat(body["expires_at"]) > first_expiry + timedelta(seconds=1)
    assert store.read(lock) is None  # released


def test_a_job_whose_lock_was_taken_over_does_not_publish(
    bucket: str,
    leads_csv: Path,
    cli_for_registry: RegistryCli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = RegistryBucket(f"gs://{bucket}/models")
    lock = f"{NAME}/retrain/lock.json"

    def steal() -> None:
        # Another job's takeover, as acquire() does it: a compare-and-swap on the generation.
        current = store.read(lock)
        assert current is not None
        thief = {"owner": "thief", "expires_at": "2999-01-01T00:00:00+00:00"}
        assert store.write(lock, thief, current.generation) is not None

    after_training(monkeypatch, steal)
    data = put(bucket, "exports/leads.csv", leads_csv.read_bytes())
    code, out = retrain(bucket, data, capsys=capsys)

    assert code == 1, out
    assert "took the retrain lock" in out and "not publishing" in out
    assert versions(bucket) == []
    assert store.read(lock).body["owner"] == "thief"  # type: ignore[union-attr]  # left alone


def test_a_job_backs_off_while_another_holds_the_lock(
    bucket: str, leads_csv: Path, cli_for_registry: RegistryCli, capsys: pytest.CaptureFixture[str]
) -> None:
    store = RegistryBucket(f"gs://{bucket}/models")
    held = acquire(store, NAME, timedelta(minutes=5))
    assert isinstance(held, Held)
    data = put(bucket, "exports/leads.csv", leads_csv.read_bytes())
    code, out = retrain(bucket, data, capsys=capsys)
    assert code == 0 and "backing off" in out and held.owner in out
    assert versions(bucket) == []
    assert store.read(f"{NAME}/retrain/lock.json").generation == held.generation  # type: ignore[union-attr]


def test_of_two_jobs_started_at_once_only_one_publishes(
    bucket: str, leads_csv: Path, cli_for_registry: RegistryCli
) -> None:
    data = put(bucket, "exports/leads.csv", leads_csv.read_bytes())
    # No retrain yet, so a full one is due for both; whichever locks first trains, the other
    # backs off or, locking after it, finds the retrain done.
    argv = [sys.executable, "-m", "pipeline", "retrain", "--registry", f"gs://{bucket}/models"]
    argv += ["--name", NAME, "--data", data, "--if-requested", "--schedule-days", "7", *TRAINING]
    argv += ["--n-estimators", "10"]
    jobs = [
        subprocess.Popen(argv, cwd=REPO, env=os.environ.copy(), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [job.communicate(timeout=300)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], outputs
    assert versions(bucket) == ["1.0.0"]
    trained = [out for out in outputs if "retraining" in out]
    assert len(trained) == 1, outputs
    other = next(out for out in outputs if out is not trained[0])
    assert "backing off" in other or "nothing to do" in other


def rival_cli(cli: RegistryCli, version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes the retrain job's registry CLI lose the promotion race: the first time it reads the
    alias, another operator promotes `version` (test/support/rival-promotion.ts, preloaded
    into the real CLI, as test/cli/registry-cli.test.ts does)."""
    rival = rival_registry_cli(cli)
    monkeypatch.chdir(rival.cwd)  # `--import tsx` resolves from the working directory
    monkeypatch.setenv("LEAD_SCORING_CLI", str(rival))
    monkeypatch.setenv("RIVAL_PROMOTES", version)


def test_an_alias_moved_while_publishing_serves_the_request_and_exits_4(
    bucket: str,
    leads_csv: Path,
    cli_for_registry: RegistryCli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = seed_registry(bucket, leads_csv, WEAK)  # 1.0.0, production
    run_pipeline(  # 1.0.1, published only: the version an operator promotes meanwhile
        str(leads_csv), WEAK, name=NAME, registry=f"gs://{bucket}/models", log=lambda s: None
    )
    name = request_by_drift(bucket, cli_for_registry, first)
    data = put(bucket, "exports/leads.csv", leads_csv.read_bytes())
    rival_cli(cli_for_registry, "1.0.1", monkeypatch)

    code, out = retrain(bucket, data, "--if-requested", capsys=capsys)

    assert code == 4, out
    assert "1.0.2 is published but not promoted" in out
    assert versions(bucket) == ["1.0.0", "1.0.1", "1.0.2"]
    stored = stored_json(bucket, f"models/{NAME}")
    production = stored["aliases/production.json"]
    assert (production["version"], production["set_by"]) == ("1.0.1", "rival")  # not undone
    # Served, and it says what happened: the next scheduled run does not retrain for it again.
    request = requests(bucket)[name]
    assert request["status"] == "done", request
    result = request["result"]
    assert result["version"] == "1.0.2" and result["promoted"] is False
    assert result["alias_moved"] is True
    assert "changed while deciding (it now names 1.0.1)" in result["decision"]
    assert stored["retrain/last-run.json"]["alias_moved"] is True
    assert "retrain/lock.json" not in stored
