"""Stage 6, register (local): copy a version directory into <registry>/<name>/<semver>/.

Versioning: first 1.0.0; same request schema as the highest version → patch; a field added,
removed or retyped → minor; --major → major. A version is never overwritten: the final
directory is reserved with an exclusive os.mkdir, the files are written into a temporary
sibling (metadata.json last) and that is renamed over the reserved empty directory, so no
reader ever sees a half-written version.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import artifacts as a
from .errors import PipelineError

SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def existing_versions(registry: Path, name: str) -> list[tuple[int, int, int]]:
    """Complete versions (with metadata.json), ascending."""
    root = registry / name
    if not root.is_dir():
        return []
    found = []
    for p in root.iterdir():
        m = SEMVER.match(p.name)
        if m and (p / a.METADATA_JSON).is_file():
            found.append((int(m[1]), int(m[2]), int(m[3])))
    return sorted(found)


def _field_types(schema: Mapping[str, Any]) -> dict[str, str]:
    # Keyed by name: requests are JSON objects, so order and category lists are not schema.
    return {f["name"]: f["type"] for f in schema["fields"]}


def plan_version(
    registry: str | Path, name: str, schema: Mapping[str, Any], major: bool = False
) -> tuple[str, str]:
    """(next version, why) for a model with `schema` (metadata.json's `schema`)."""
    registry = Path(registry)
    versions = existing_versions(registry, name)
    if not versions:
        return "1.0.0", "first version"
    hi = versions[-1]
    hi_str = ".".join(map(str, hi))
    if major:
        return f"{hi[0] + 1}.0.0", f"--major after {hi_str}"
    previous = a.read_json(registry / name / hi_str / a.METADATA_JSON)
    if _field_types(previous["schema"]) != _field_types(schema):
        return f"{hi[0]}.{hi[1] + 1}.0", f"request schema changed since {hi_str}"
    return f"{hi[0]}.{hi[1]}.{hi[2] + 1}", f"same request schema as {hi_str}"


def register(
    version_dir: str | Path, registry: str | Path, name: str, major: bool = False
) -> tuple[Path, str]:
    """Copy a verified version directory into the registry; returns (final path, reason)."""
    source = Path(version_dir)
    metadata = a.verify_version_dir(source)
    registry = Path(registry)
    version, why = plan_version(registry, name, metadata["schema"], major)
    parent = registry / name
    parent.mkdir(parents=True, exist_ok=True)
    final = parent / version
    try:
        os.mkdir(final)  # the reservation: fails if any process already has this version
    except FileExistsError:
        raise PipelineError(f"{final} already exists; refusing to overwrite a version") from None
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}.", suffix=".tmp", dir=parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a version is read by the service's user
    try:
        _write_version(source, tmp, metadata, name, version)
        os.rename(tmp, final)  # atomic; replaces the reserved *empty* directory
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        os.rmdir(final)
        raise
    return final, why


def _write_version(
    source: Path, dest: Path, metadata: Mapping[str, Any], name: str, version: str
) -> None:
    """Copy the payload, restamping the version where it is recorded; metadata.json last."""
    for f in a.PAYLOAD_FILES:
        if f == a.GOLDEN_JSON:
            golden = a.read_json(source / f)
            if golden.get("model_version") != version:
                a.write_json(dest / f, {**golden, "model_version": version}, indent=None)
                continue
        shutil.copyfile(source / f, dest / f)
    a.write_metadata(dest, {**metadata, "name": name, "version": version})
