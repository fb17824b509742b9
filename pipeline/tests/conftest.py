"""Small synthetic lead data (made here, no ../shared needed) and one shared pipeline run."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import DEFAULTS, LEAD_PRESET, RunConfig, data_config_from_preset
from pipeline.errors import PipelineError
from pipeline.register import RegistryCli, registry_cli
from pipeline.run import RunResult, run_pipeline

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

# The shape of the real file, shrunk: ids, two numerics (one with blanks), categoricals with
# "Select" and blanks, a Yes/No flag, a leakage column, and the target.
HEADER = [
    "Prospect ID",
    "Lead Number",
    "Lead Origin",
    "TotalVisits",
    "Total Time Spent on Website",
    "City",
    "Do Not Email",
    "Tags",
    "Converted",
]


def synthetic_rows(n: int, seed: int = 0, target: str = "binary") -> list[list[str]]:
    rng = np.random.default_rng(seed)
    origins = np.array(["API", "Landing Page Submission", "Lead Add Form", "Lead Import"])
    cities = np.array(["Mumbai", "Thane & Outskirts", "Other Cities", "Select", ""])
    rows = []
    for i in range(n):
        origin = rng.choice(origins, p=[0.4, 0.45, 0.1, 0.05])
        visits = "" if rng.random() < 0.05 else str(int(rng.poisson(3)))
        seconds = float(rng.gamma(1.5, 300.0))
        city = rng.choice(cities)
        email = "Yes" if rng.random() < 0.1 else "No"
        score = 0.004 * seconds - 1.5 + (1.5 if origin == "Lead Add Form" else 0.0)
        score += -1.0 if email == "Yes" else 0.0
        p = 1.0 / (1.0 + np.exp(-score))
        if target == "binary":
            y = str(int(rng.random() < p))
        else:
            y = f"{100.0 * p + rng.normal(0, 5):.3f}"
        rows.append(
            [
                f"id-{i}",
                str(600000 + i),
                origin,
                visits,
                f"{seconds:.0f}",
                city,
                email,
                "Ringing",
                y,
            ]
        )
    return rows


# The synthetic file is the lead data shrunk: the lead-scoring preset fits it, except for the
# leakage columns it leaves out.
LEAD_LIKE = data_config_from_preset(LEAD_PRESET, allow_missing_columns=True)
LEAD_ARGS = ("--preset", LEAD_PRESET, "--allow-missing-preset-columns")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="session")
def leads_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("data")
    return write_csv(d / "leads.csv", HEADER, synthetic_rows(1200))


@pytest.fixture(scope="session")
def run_config() -> RunConfig:
    return RunConfig(data=LEAD_LIKE, train=DEFAULTS.train)


@pytest.fixture(scope="session")
def synthetic_run(
    leads_csv: Path, run_config: RunConfig, tmp_path_factory: pytest.TempPathFactory
) -> RunResult:
    """The whole pipeline once on synthetic data, exported into a version folder (not
    published: that needs the registry CLI); export/golden/register tests read its output."""
    out = tmp_path_factory.mktemp("export") / "synthetic"
    return run_pipeline(str(leads_csv), run_config, name="synthetic", out=out, log=lambda s: None)


@pytest.fixture(scope="session")
def cli_for_registry() -> RegistryCli:
    """The service's registry CLI (node + node_modules, or $LEAD_SCORING_CLI). Tests that publish
    skip visibly without it, except in CI (CI=true), where its absence is a failure."""
    try:
        return registry_cli()
    except PipelineError as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the registry CLI is unavailable: {e}")
        pytest.skip(f"registry CLI unavailable ({e})")


def rival_registry_cli(cli: RegistryCli) -> RegistryCli:
    """The checkout's registry CLI with test/support/rival-promotion.ts preloaded (as
    test/cli/registry-cli.test.ts does): the first time it reads an alias, another operator
    promotes $RIVAL_PROMOTES. It needs the CLI run through tsx from this checkout."""
    if cli.cwd is None or "tsx" not in cli.argv:
        reason = f"the rival needs this checkout's CLI run through tsx, not {cli}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    node, *rest = cli.argv
    hook = ("--import", str(REPO / "test" / "support" / "rival-promotion.ts"))
    return RegistryCli((node, *rest[:2], *hook, *rest[2:]), cli.cwd)
