"""Semver bumps, no overwrites, and never a half-written version in sight."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import artifacts as a
from pipeline.errors import PipelineError
from pipeline.register import plan_version, register
from pipeline.run import RunResult


@pytest.fixture
def source(synthetic_run: RunResult, tmp_path: Path) -> Path:
    d = tmp_path / "staged"
    shutil.copytree(synthetic_run.version_dir, d)
    return d


def with_schema_change(source: Path, dest: Path) -> Path:
    """A copy whose request schema gained a field (only metadata.json differs)."""
    shutil.copytree(source, dest)
    metadata = a.read_json(dest / a.METADATA_JSON)
    metadata["schema"]["fields"].append({"name": "new_field", "type": "number", "nullable": True})
    a.write_metadata(dest, metadata)
    return dest


def visible(registry: Path) -> list[str]:
    return sorted(p.name for p in (registry / "m").iterdir())


def test_semver_bumps(source: Path, tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    assert register(source, reg, "m")[0].name == "1.0.0"
    assert register(source, reg, "m")[0].name == "1.0.1"  # same schema → patch
    changed = with_schema_change(source, tmp_path / "changed")
    final, why = register(changed, reg, "m")
    assert final.name == "1.1.0" and "schema changed" in why  # field added → minor
    assert register(source, reg, "m")[0].name == "1.2.0"  # field removed again → minor
    assert register(source, reg, "m")[0].name == "1.2.1"
    assert register(source, reg, "m", major=True)[0].name == "2.0.0"
    assert visible(reg) == ["1.0.0", "1.0.1", "1.1.0", "1.2.0", "1.2.1", "2.0.0"]  # no temp dirs
    for v in visible(reg):
        metadata = a.verify_version_dir(reg / "m" / v)
        assert metadata["version"] == v
        assert a.read_json(reg / "m" / v / a.GOLDEN_JSON)["model_version"] == v


def test_retyped_field_is_a_minor_bump(source: Path, tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    register(source, reg, "m")
    retyped = tmp_path / "retyped"
    shutil.copytree(source, retyped)
    metadata = a.read_json(retyped / a.METADATA_JSON)
    metadata["schema"]["fields"][0]["type"] = "number"
    assert metadata["schema"]["fields"][0]["name"] == "lead_origin"
    assert plan_version(reg, "m", metadata["schema"])[0] == "1.1.0"


def test_refuses_to_overwrite(source: Path, tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    first, _ = register(source, reg, "m")
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    # Someone else holds 1.0.1 (complete or not): registering must fail, not overwrite.
    (reg / "m" / "1.0.1").mkdir()
    (reg / "m" / "1.0.1" / "partial").write_text("x")
    with pytest.raises(PipelineError, match="refusing to overwrite"):
        register(source, reg, "m")
    assert (reg / "m" / "1.0.1" / "partial").read_text() == "x"
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    assert visible(reg) == ["1.0.0", "1.0.1"]


def test_incomplete_or_tampered_source_is_refused(source: Path, tmp_path: Path) -> None:
    (source / a.GOLDEN_JSON).write_text("{}")
    with pytest.raises(PipelineError, match=r"golden\.json does not match"):
        register(source, tmp_path / "reg", "m")
    (source / a.METADATA_JSON).unlink()
    with pytest.raises(PipelineError, match="not a complete version"):
        register(source, tmp_path / "reg", "m")
    assert not (tmp_path / "reg" / "m").exists() or visible(tmp_path / "reg") == []


def test_failed_copy_leaves_nothing_visible(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.register as r

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(r.a, "write_metadata", boom)
    with pytest.raises(OSError, match="disk full"):
        register(source, tmp_path / "reg", "m")
    assert visible(tmp_path / "reg") == []  # neither the reservation nor the temp dir remain
