"""The pipeline reading its data from and writing to gs://, against fake-gcs-server (a Cloud
Storage JSON API emulator).

Two real user paths: `run --out gs://…` uploads the exported, unpublished version folder with
google-cloud-storage (no Node.js needed), and `run --registry gs://…` publishes through the
registry CLI, which then also records the lineage; `register gs://…` publishes a folder that was
uploaded earlier. The emulator is a Go binary outside PyPI: without it these tests skip with the
reason shown, except with CI=true, where they fail.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import artifacts as a
from pipeline.config import UNPUBLISHED_VERSION, DataConfig, RunConfig
from pipeline.errors import PipelineError
from pipeline.gcs_output import upload_version_dir
from pipeline.ingest import ingest
from pipeline.register import RegistryCli, code_commit, publish
from pipeline.run import RunResult, run_pipeline
from pipeline.tests.foreign_data import foreign_rows, write_foreign_csv
from pipeline.tests.test_cli import cli

FAKE_GCS_INSTALL = "go install github.com/fsouza/fake-gcs-server@v1.56.1"
NAME = "synthetic"
FILES = {*a.PAYLOAD_FILES, a.METADATA_JSON}
_buckets = itertools.count(1)


def _fake_gcs_binary() -> str | None:
    found = shutil.which("fake-gcs-server")
    if found:
        return found
    gopaths = [p for p in os.environ.get("GOPATH", "").split(os.pathsep) if p]
    dirs = [os.environ.get("GOBIN", ""), *(str(Path(p) / "bin") for p in gopaths)]
    dirs.append(str(Path.home() / "go" / "bin"))
    for d in filter(None, dirs):
        candidate = Path(d) / "fake-gcs-server"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def fake_gcs() -> Iterator[str]:
    """The emulator's endpoint on 127.0.0.1, for STORAGE_EMULATOR_HOST."""
    binary = _fake_gcs_binary()
    if binary is None:
        reason = f"fake-gcs-server not found in PATH or ~/go/bin (install: {FAKE_GCS_INSTALL})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    port = free_port()
    host = f"127.0.0.1:{port}"
    args = ["-backend", "memory", "-scheme", "http", "-host", "127.0.0.1", "-port", str(port)]
    args += ["-public-host", host, "-log-level", "warn"]
    proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://{host}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/storage/v1/b", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"fake-gcs-server did not answer on {endpoint}")
                time.sleep(0.05)
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def bucket(fake_gcs: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty bucket; the pipeline and the registry CLI both see the emulator."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", fake_gcs)
    from google.cloud import storage

    name = f"pipeline-test-{next(_buckets)}"
    storage.Client(project="test").create_bucket(name)
    return name


def objects(bucket: str, prefix: str) -> dict[str, bytes]:
    """Every object under gs://bucket/prefix/, by its name relative to the prefix."""
    from google.cloud import storage

    blobs = storage.Client(project="test").bucket(bucket).list_blobs(prefix=f"{prefix}/")
    return {b.name.removeprefix(f"{prefix}/"): b.download_as_bytes() for b in blobs}


def download(bucket: str, prefix: str, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name, content in objects(bucket, prefix).items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_bytes(content)
    return dest


def test_run_out_gs_uploads_the_verified_version_folder(
    leads_csv: Path, run_config: RunConfig, bucket: str, tmp_path: Path
) -> None:
    logged: list[str] = []
    uri = f"gs://{bucket}/runs/first"
    result = run_pipeline(str(leads_csv), run_config, name=NAME, out=uri, log=logged.append)
    assert result.uploaded_to == uri and result.version_dir is None
    assert set(objects(bucket, "runs/first")) == {*result.metadata["files"], a.METADATA_JSON}
    assert set(result.metadata["files"]) >= FILES - {a.METADATA_JSON}
    # Byte for byte what the export verified: every digest matches, still unpublished.
    metadata = a.verify_version_dir(download(bucket, "runs/first", tmp_path / "copy"))
    assert metadata["version"] == UNPUBLISHED_VERSION
    assert any(line.startswith("[5/6] export") and line.endswith(")") for line in logged)
    assert any(f"→ {uri}" in line for line in logged)


def test_run_out_gs_refuses_a_folder_that_exists_before_training(
    leads_csv: Path, run_config: RunConfig, bucket: str, synthetic_run: RunResult
) -> None:
    assert synthetic_run.version_dir is not None
    uri = f"gs://{bucket}/runs/taken"
    upload_version_dir(synthetic_run.version_dir, uri)
    logged: list[str] = []
    with pytest.raises(PipelineError, match=f"export location {uri} is not empty"):
        run_pipeline(str(leads_csv), run_config, name=NAME, out=uri, log=logged.append)
    assert logged == []  # no stage ran
    # And an upload never overwrites: each object is created only if absent.
    with pytest.raises(PipelineError, match=r"gs://.*/runs/taken/model\.onnx already exists"):
        upload_version_dir(synthetic_run.version_dir, uri)


def test_a_bad_gs_uri_is_one_line(leads_csv: Path, tmp_path: Path) -> None:
    done = cli("run", "--data", str(leads_csv), "--name", NAME, "--out", "gs://Not_A_Bucket/x")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: invalid Cloud Storage URI 'gs://Not_A_Bucket/x': expected gs://<bucket>/<prefix> "
        '(a folder, not the bucket root) with a lowercase bucket name and no empty, "." or ".." '
        "segments"
    )


def test_run_registry_gs_publishes_and_records_the_lineage(
    leads_csv: Path, run_config: RunConfig, bucket: str, cli_for_registry: RegistryCli
) -> None:
    registry = f"gs://{bucket}/models"
    result = run_pipeline(
        str(leads_csv),
        run_config,
        name=NAME,
        registry=registry,
        promote_if_better=True,
        log=lambda s: None,
    )
    assert result.published is not None
    assert result.published.location == f"{registry}/{NAME}/1.0.0"
    assert result.published.promoted is True
    stored = objects(bucket, f"models/{NAME}")
    metadata = json.loads(stored["1.0.0/metadata.json"])
    assert {n.removeprefix("1.0.0/") for n in stored if n.startswith("1.0.0/")} == {
        *metadata["files"],
        a.METADATA_JSON,
    }
    assert set(metadata["files"]) >= FILES - {a.METADATA_JSON}
    lineage = metadata["lineage"]
    assert lineage["git_commit"] == code_commit()
    assert lineage["training_data_sha256"] == metadata["training_data"]["sha256"]
    assert lineage["training_run_id"] is None  # no MLflow in this run
    alias = json.loads(stored["aliases/production.json"])
    assert alias["version"] == "1.0.0"
    assert [c["action"] for c in alias["history"]] == ["promote-if-better"]


def test_register_publishes_a_folder_uploaded_to_gs(
    bucket: str, synthetic_run: RunResult, cli_for_registry: RegistryCli
) -> None:
    assert synthetic_run.version_dir is not None
    uri = f"gs://{bucket}/runs/uploaded"
    upload_version_dir(synthetic_run.version_dir, uri)
    published = publish(uri, f"gs://{bucket}/models", NAME, cli=cli_for_registry)
    assert published.version == "1.0.0"
    metadata = json.loads(objects(bucket, f"models/{NAME}/1.0.0")[a.METADATA_JSON])
    assert metadata["lineage"]["source"] == uri


def test_data_is_read_from_gs(bucket: str, tmp_path: Path) -> None:
    """`--data gs://bucket/file.csv` (or .parquet) reads the object as the local file reads."""
    from google.cloud import storage

    local = write_foreign_csv(tmp_path / "crm.csv", foreign_rows(40))
    blobs = storage.Client(project="test").bucket(bucket)
    blobs.blob("exports/crm.csv").upload_from_filename(str(local))
    config = DataConfig(target="y", positive_class="yes")
    remote = ingest(f"gs://{bucket}/exports/crm.csv", config)
    here = ingest(str(local), config)
    assert remote.frame.equals(here.frame) and (remote.target == here.target).all()
    assert remote.training_data["source"] == f"gs://{bucket}/exports/crm.csv"
    assert remote.training_data["sha256"] == here.training_data["sha256"]
    assert remote.training_data["delimiter"] == ";"
    with pytest.raises(PipelineError, match=rf"data file not found: gs://{bucket}/exports/no\.csv"):
        ingest(f"gs://{bucket}/exports/no.csv", config)
