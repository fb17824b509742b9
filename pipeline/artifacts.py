"""File-level rules of a version directory: names, JSON writing, sha256, completeness.

docs/artifacts.md: a version directory is complete only when metadata.json exists, and valid
only when every file it lists matches its sha256. Export writes through here; publishing
is the registry CLI's (it verifies the folder again, as the service will).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .errors import PipelineError

MODEL_ONNX = "model.onnx"
XGBOOST_JSON = "xgboost.json"
PREPROCESSOR_JSON = "preprocessor.json"
GOLDEN_JSON = "golden.json"
METADATA_JSON = "metadata.json"
CALIBRATION_JSON = "calibration.json"
TRAINING_ROWS_JSON = "training-rows.json"
# Everything metadata.json vouches for, in the order they are written.
PAYLOAD_FILES = (MODEL_ONNX, XGBOOST_JSON, PREPROCESSOR_JSON, GOLDEN_JSON)
# Written only when the version has one (a calibrator; the fingerprints of its training rows,
# training_rows.py); listed in metadata.json's files then.
OPTIONAL_FILES = (CALIBRATION_JSON, TRAINING_ROWS_JSON)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path: Path, doc: Any, indent: int | None = 1) -> None:
    """allow_nan=False: NaN is not JSON, and the TypeScript side must be able to parse it."""
    separators = (",", ":") if indent is None else None  # compact when not for reading
    data = json.dumps(
        doc, indent=indent, separators=separators, allow_nan=False, ensure_ascii=False
    )
    data += "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def payload_files(directory: Path) -> list[str]:
    """The payload files a version directory holds: the required ones and the optional ones
    that exist."""
    return [*PAYLOAD_FILES, *(n for n in OPTIONAL_FILES if (directory / n).is_file())]


def file_entries(directory: Path) -> dict[str, dict[str, Any]]:
    return {
        name: {"sha256": sha256_file(directory / name), "bytes": (directory / name).stat().st_size}
        for name in payload_files(directory)
    }


def write_metadata(directory: Path, metadata: dict[str, Any]) -> dict[str, Any]:
    """Hash the payload files and write metadata.json: always the last file of a version."""
    doc = {**metadata, "files": file_entries(directory)}
    write_json(directory / METADATA_JSON, doc, indent=2)
    return doc


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def verify_version_dir(directory: Path) -> dict[str, Any]:
    """The metadata of a complete, valid version directory; PipelineError otherwise."""
    meta_path = directory / METADATA_JSON
    if not meta_path.is_file():
        raise PipelineError(f"{directory} is not a complete version (no {METADATA_JSON})")
    metadata = read_json(meta_path)
    for name, entry in metadata.get("files", {}).items():
        path = directory / name
        if not path.is_file():
            raise PipelineError(f"{directory}: {name} listed in metadata but missing")
        if sha256_file(path) != entry["sha256"] or path.stat().st_size != entry["bytes"]:
            raise PipelineError(f"{directory}: {name} does not match its sha256 in metadata")
    missing = set(PAYLOAD_FILES) - set(metadata.get("files", {}))
    if missing:
        raise PipelineError(f"{directory}: metadata does not list {', '.join(sorted(missing))}")
    return metadata
