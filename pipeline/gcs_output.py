"""`--out gs://bucket/prefix`: write the exported version folder to Cloud Storage; and
`--data gs://bucket/file.csv`: read the training data from it (read_gcs_object).

The folder is exported and verified locally first, then uploaded with the registry's two rules:
every object is created only if absent (`if_generation_match=0`, so nothing is ever
overwritten) and metadata.json goes last, so a reader never sees an incomplete folder as
complete. What is uploaded is the unpublished folder (version 0.0.0): publishing stays the
registry CLI's (`lead-scoring registry publish gs://…` reads such a folder), so a machine
without Node.js, e.g. the pipeline's own image, can still hand its model over through gs://.

The client is google-cloud-storage with Application Default Credentials (Workload Identity on
GKE, `gcloud auth application-default login` on a workstation); with STORAGE_EMULATOR_HOST set
it talks to that emulator without credentials, as the service's client does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from . import artifacts as a
from .errors import PipelineError

SCHEME = "gs://"
# Cloud Storage bucket names: 3-63 lowercase letters, digits, "-", "_" and ".", starting and
# ending with a letter or digit (the same check as the service's src/storage/gcs-uri.ts).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")


def is_gcs_uri(location: str | Path) -> bool:
    return str(location).startswith(SCHEME)


def parse_gcs_uri(uri: str) -> tuple[str, str]:
    """`gs://bucket/a/b` → ("bucket", "a/b"); a PipelineError naming the URI when malformed."""
    bucket, _, prefix = uri.removeprefix(SCHEME).partition("/")
    prefix = prefix.rstrip("/")
    segments = prefix.split("/") if prefix else []
    if not _BUCKET.match(bucket) or not segments or any(s in ("", ".", "..") for s in segments):
        raise PipelineError(
            f"invalid Cloud Storage URI {uri!r}: expected gs://<bucket>/<prefix> (a folder, not "
            'the bucket root) with a lowercase bucket name and no empty, "." or ".." segments'
        )
    return bucket, prefix


def _client() -> Any:
    try:
        from google.cloud import storage
    except ImportError:
        raise PipelineError(
            "gs:// needs google-cloud-storage: pip install -r pipeline/requirements.txt"
        ) from None
    try:
        return storage.Client()
    except Exception as e:  # no credentials, no project: say so in one line
        raise PipelineError(f"cannot create a Cloud Storage client: {e}".splitlines()[0]) from e


def _call(what: str, uri: str, operation: Any, *args: Any, **kwargs: Any) -> Any:
    """Runs one Cloud Storage operation; its failure becomes one line naming the object."""
    from google.api_core import exceptions

    try:
        return operation(*args, **kwargs)
    except exceptions.PreconditionFailed as e:
        raise PipelineError(f"{uri} already exists: versions are never overwritten") from e
    except exceptions.GoogleAPIError as e:
        raise PipelineError(f"cannot {what} {uri}: {e}".splitlines()[0]) from e


def read_gcs_object(uri: str) -> bytes:
    """The bytes of one object, e.g. a CSV or Parquet export; one line naming it on failure."""
    data = read_gcs_object_if_exists(uri)
    if data is None:
        raise PipelineError(f"data file not found: {uri}")
    return data


def read_gcs_object_if_exists(uri: str) -> bytes | None:
    """The bytes of one object, or None when there is no such object (e.g. an unset alias)."""
    from google.api_core import exceptions

    bucket_name, name = parse_gcs_uri(uri)
    blob = _client().bucket(bucket_name).blob(name)
    try:
        return _call("read", uri, blob.download_as_bytes)
    except PipelineError as e:
        if isinstance(e.__cause__, exceptions.NotFound):
            return None
        raise


def check_gcs_output(uri: str) -> None:
    """Like a local --out: a new or empty prefix. Checked before training, not after."""
    bucket_name, prefix = parse_gcs_uri(uri)
    bucket = _client().bucket(bucket_name)
    found = _call("list", uri, lambda: list(bucket.list_blobs(prefix=f"{prefix}/", max_results=1)))
    if found:
        raise PipelineError(f"export location {uri} is not empty")


def upload_version_dir(version_dir: Path, uri: str) -> list[str]:
    """Uploads a verified version folder under `uri`, metadata.json last; returns the URIs."""
    a.verify_version_dir(version_dir)
    bucket_name, prefix = parse_gcs_uri(uri)
    bucket = _client().bucket(bucket_name)
    written = []
    for name in (*a.payload_files(version_dir), a.METADATA_JSON):
        target = f"{SCHEME}{bucket_name}/{prefix}/{name}"
        blob = bucket.blob(f"{prefix}/{name}")
        _call(
            "write",
            target,
            blob.upload_from_filename,
            str(version_dir / name),
            if_generation_match=0,
        )
        written.append(target)
    return written
