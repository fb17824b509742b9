"""Register publishes through the service's CLI, end to end into a temporary local registry.

Numbering, immutability and promotion are the TypeScript registry's (and tested there); these
tests check that the pipeline hands the folder over, passes its options on and reports the
outcome: published, promoted or kept, or one line saying what failed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
from pathlib import Path

import pytest

from pipeline import artifacts as a
from pipeline import register as r
from pipeline.config import UNPUBLISHED_VERSION
from pipeline.errors import PipelineError
from pipeline.register import RegistryCli, publish, registry_cli
from pipeline.run import RunResult, run_pipeline
from pipeline.tests.test_cli import cli

NAME = "synthetic"  # the name synthetic_run exported: the registry checks metadata.name


@pytest.fixture
def source(synthetic_run: RunResult) -> Path:
    assert synthetic_run.version_dir is not None
    return synthetic_run.version_dir


def worse_copy(source: Path, dest: Path) -> Path:
    """The same model claiming a lower ROC-AUC (only metadata.json differs)."""
    shutil.copytree(source, dest)
    metadata = a.read_json(dest / a.METADATA_JSON)
    metadata["metrics"]["roc_auc"] -= 0.1
    metadata["primary_metric"]["value"] = metadata["metrics"]["roc_auc"]
    a.write_metadata(dest, metadata)
    return dest


def versions(registry: Path) -> list[str]:
    return sorted(p.name for p in (registry / NAME).iterdir() if p.name != "aliases")


def test_first_publish_is_1_0_0_and_the_same_schema_a_patch(
    source: Path, tmp_path: Path, cli_for_registry: RegistryCli
) -> None:
    reg = tmp_path / "reg"
    first = publish(source, reg, NAME, cli=cli_for_registry)
    assert (first.version, first.promoted) == ("1.0.0", None)
    assert Path(first.location) == reg / NAME / "1.0.0"
    assert first.output == f"published {NAME} 1.0.0 to {reg / NAME / '1.0.0'}"
    metadata = a.verify_version_dir(reg / NAME / "1.0.0")  # digests match what was published
    assert metadata["version"] == "1.0.0"  # restamped by the registry, not by the pipeline
    golden = a.read_json(reg / NAME / "1.0.0" / a.GOLDEN_JSON)
    assert golden["model_version"] == "1.0.0"  # the one payload file that records the version
    for f in a.PAYLOAD_FILES:  # everything else is published as exported
        if f != a.GOLDEN_JSON:
            assert (reg / NAME / "1.0.0" / f).read_bytes() == (source / f).read_bytes()
    assert a.read_json(source / a.METADATA_JSON)["version"] == UNPUBLISHED_VERSION

    assert publish(source, reg, NAME, cli=cli_for_registry).version == "1.0.1"
    assert publish(source, reg, NAME, major=True, cli=cli_for_registry).version == "2.0.0"
    assert versions(reg) == ["1.0.0", "1.0.1", "2.0.0"]


def test_promote_if_better_keeps_the_alias_for_a_worse_model(
    source: Path, tmp_path: Path, cli_for_registry: RegistryCli
) -> None:
    reg = tmp_path / "reg"
    first = publish(source, reg, NAME, promote_if_better=True, cli=cli_for_registry)
    assert first.promoted is True and "promoted 1.0.0 to production" in first.output

    worse = worse_copy(source, tmp_path / "worse")
    kept = publish(worse, reg, NAME, promote_if_better=True, cli=cli_for_registry)
    assert (kept.version, kept.promoted) == ("1.0.1", False)  # exit code 3: published, kept
    assert "kept production at 1.0.0: not strictly better" in kept.output
    assert str(kept) == "; ".join(kept.output.splitlines())  # one line for the run's log
    assert a.read_json(reg / NAME / "aliases" / "production.json")["version"] == "1.0.0"

    # --alias is passed on: another alias with no version yet takes the worse model.
    staged = publish(
        worse, reg, NAME, alias="staging", promote_if_better=True, cli=cli_for_registry
    )
    assert staged.promoted is True
    assert a.read_json(reg / NAME / "aliases" / "staging.json")["version"] == staged.version


def test_a_failed_publish_is_one_line(
    source: Path, tmp_path: Path, cli_for_registry: RegistryCli
) -> None:
    reg = tmp_path / "reg"
    with pytest.raises(PipelineError, match=r"registry publish failed: .*metadata\.json") as bad:
        publish(tmp_path / "no-such-dir", reg, NAME, cli=cli_for_registry)
    assert "\n" not in str(bad.value) and "(exit code 1)" in str(bad.value)
    with pytest.raises(PipelineError, match='holds model "synthetic", not "other"') as wrong:
        publish(source, reg, "other", cli=cli_for_registry)
    assert "\n" not in str(wrong.value)
    assert not (reg / NAME).exists() and not (reg / "other" / "1.0.0").exists()


def test_register_command_reports_the_outcome(
    source: Path, tmp_path: Path, cli_for_registry: RegistryCli
) -> None:
    args = ["register", str(source), "--name", NAME, "--registry", str(tmp_path / "reg")]
    done = cli(*args, "--promote-if-better")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"published {NAME} 1.0.0 to ")
    kept = cli(*args, "--promote-if-better")  # equal is not strictly better
    assert kept.returncode == 3, kept.stderr
    assert "kept production at 1.0.0" in kept.stdout
    bad = cli("register", str(tmp_path / "nope"), *args[2:])
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr


def fake_cli(tmp_path: Path, stdout: str, code: int, stderr: str = "") -> str:
    """A stand-in for the registry CLI that records its arguments: no node needed."""
    script = tmp_path / "fake-lead-scoring"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > {shlex.quote(str(tmp_path / "args"))}\n'
        f"printf %s {shlex.quote(stdout)}\n"
        f"printf %s {shlex.quote(stderr)} >&2\n"
        f"exit {code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return f"{shlex.quote(str(script))} --flag-of-the-command-line"


def test_lead_scoring_cli_variable_is_split_and_its_output_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = "published m 9.9.9 to gs://b/models/m/9.9.9\nkept production at 9.9.8: not better\n"
    monkeypatch.setenv(r.CLI_ENV, fake_cli(tmp_path, out, 3, "warning: retrying\n"))
    published = publish("v", "gs://b/models", "m", alias="candidate", promote_if_better=True)
    assert published.version == "9.9.9" and published.location == "gs://b/models/m/9.9.9"
    assert published.promoted is False
    passed = (tmp_path / "args").read_text().splitlines()
    assert passed == [
        "--flag-of-the-command-line",
        "registry",
        "publish",
        os.path.abspath("v"),  # local paths absolute, URIs as given
        "--registry",
        "gs://b/models",
        "--model",
        "m",
        "--alias",
        "candidate",
        "--promote-if-better",
    ]


def test_usage_errors_and_odd_output_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = "error: unknown option '--x'\n\nUsage: lead-scoring registry <command>\n..."
    monkeypatch.setenv(r.CLI_ENV, fake_cli(tmp_path, "", 2, usage))
    with pytest.raises(PipelineError, match=r"failed: unknown option '--x' \(usage error\)$"):
        publish("v", "reg", "m")
    monkeypatch.setenv(r.CLI_ENV, fake_cli(tmp_path, "done\n", 0))
    with pytest.raises(PipelineError, match=r"unexpected output .*'done'"):
        publish("v", "reg", "m")


def test_a_missing_cli_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(r.CLI_ENV, str(tmp_path / "lead-scoring"))
    with pytest.raises(PipelineError, match=r"LEAD_SCORING_CLI=.*lead-scoring not found"):
        registry_cli()

    monkeypatch.delenv(r.CLI_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))  # no node, no lead-scoring
    with pytest.raises(PipelineError, match=r"install Node\.js .* run `npm ci` in ") as checkout:
        registry_cli()
    monkeypatch.setattr(r, "REPO", tmp_path)  # not a checkout, e.g. the pipeline's own image
    with pytest.raises(PipelineError, match="`lead-scoring` on PATH") as installed:
        registry_cli()
    for e in (checkout, installed):
        assert "\n" not in str(e.value) and "LEAD_SCORING_CLI" in str(e.value)


def test_a_run_without_the_cli_fails_before_training(
    leads_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_config
) -> None:
    monkeypatch.delenv(r.CLI_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    logged: list[str] = []
    with pytest.raises(PipelineError, match="registry CLI `lead-scoring` was not found"):
        run_pipeline(
            str(leads_csv), run_config, name=NAME, registry=tmp_path / "reg", log=logged.append
        )
    assert logged == []  # no stage ran
