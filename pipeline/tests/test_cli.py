"""The command line, run as a user runs it: one clear line and a non-zero exit on bad input."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from pipeline.cli import build_parser, run_config
from pipeline.config import DEFAULTS, NO_PRESET, PRESETS
from pipeline.tests.conftest import HEADER, LEAD_ARGS, PYTHON, REPO, synthetic_rows, write_csv


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "pipeline", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def run_args(data: Path, out: Path, *extra: str) -> list[str]:
    """Train and export only: bad input must fail the same with or without a registry."""
    return ["run", "--data", str(data), "--name", "m", "--out", str(out), *LEAD_ARGS, *extra]


def test_help() -> None:
    top = cli("--help")
    assert top.returncode == 0 and "run" in top.stdout and "compile-kfp" in top.stdout
    run = cli("run", "--help")
    assert run.returncode == 0
    for flag in ("--data", "--target", "--search", "--mlflow-uri", "--registry", "--out"):
        assert flag in run.stdout
    issue_19 = ("--delimiter", "--encoding", "--positive-class", "--snake-case-fields", "--strict")
    for flag in (*issue_19, "--allow-missing-preset-columns"):
        assert flag in run.stdout
    # Every flag of `run` is documented in the pipeline README's table.
    readme = (REPO / "pipeline" / "README.md").read_text()
    flags = set(re.findall(r"^  (--[a-z-]+)", run.stdout, re.MULTILINE)) - {"--help"}
    assert len(flags) > 30
    for flag in flags:
        assert f"`{flag}" in readme, flag
    for flag in ("--major", "--promote-if-better", "--alias"):
        assert flag in run.stdout and flag in cli("register", "--help").stdout
    assert "leakage" in run.stdout  # the preset is explained


def test_flag_defaults_are_the_config_defaults() -> None:
    """The flags' defaults come from config.DEFAULTS, not from values typed out again; no
    preset is applied unless named."""
    args = build_parser().parse_args(["run", "--data", "x.csv", "--name", "m", "--registry", "r"])
    assert run_config(args) == DEFAULTS
    assert DEFAULTS.data == PRESETS[NO_PRESET] and DEFAULTS.data.exclude_columns == ()


@pytest.mark.parametrize(("given", "expected"), [("tab", "\t"), ("\\t", "\t"), (";", ";")])
def test_delimiter_flag(given: str, expected: str) -> None:
    base = ["run", "--data", "x.csv", "--name", "m", "--registry", "r", "--delimiter"]
    assert run_config(build_parser().parse_args([*base, given])).data.delimiter == expected


def bad_inputs(tmp: Path) -> dict[str, tuple[Path, list[str], str]]:
    rows = synthetic_rows(40)
    one_class = [[*r[:-1], "1"] for r in rows]
    no_city = [[*r[:5], "Select", *r[6:]] for r in rows]
    return {
        "missing file": (tmp / "nope.csv", [], "data file not found"),
        "missing target": (write_csv(tmp / "a.csv", HEADER, rows), ["--target", "Won"], "'Won'"),
        "one class": (write_csv(tmp / "b.csv", HEADER, one_class), [], "single value"),
        "empty": (write_csv(tmp / "c.csv", HEADER, []), [], "no rows"),
        "all missing": (
            write_csv(tmp / "d.csv", HEADER, no_city),
            [],
            "'City' is entirely missing",
        ),
    }


@pytest.mark.parametrize(
    "case", ["missing file", "missing target", "one class", "empty", "all missing"]
)
def test_bad_input_exits_non_zero_with_one_line(case: str, tmp_path: Path) -> None:
    data, extra, message = bad_inputs(tmp_path)[case]
    result = cli(*run_args(data, tmp_path / "out", *extra))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_used_output_folder_is_refused_before_training(leads_csv: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "metadata.json").write_text("{}")
    result = cli(*run_args(leads_csv, tmp_path / "out"))
    assert result.returncode == 1 and "is not empty" in result.stderr
    assert "[1/6]" not in result.stdout  # nothing trained


def test_usage_error_is_argparse_exit_2(tmp_path: Path) -> None:
    result = cli("run", "--data", "x.csv")
    assert result.returncode == 2 and "--name" in result.stderr
    nowhere = cli("run", "--data", "x.csv", "--name", "m")
    assert nowhere.returncode == 2 and "--registry" in nowhere.stderr and "--out" in nowhere.stderr


def test_bad_evaluation_settings_are_refused_before_training(
    leads_csv: Path, tmp_path: Path
) -> None:
    folds = cli(*run_args(leads_csv, tmp_path / "out", "--eval-folds", "1"))
    assert folds.returncode == 1 and "--eval-folds must be at least 2" in folds.stderr
    assert "[1/6]" not in folds.stdout  # nothing trained
    level = cli(*run_args(leads_csv, tmp_path / "out", "--promotion-level", "1.5"))
    assert level.returncode == 2 and "between 0 and 1" in level.stderr
