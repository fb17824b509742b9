"""Promote-if-better judges candidate − production on the same rows with a paired bootstrap
interval: a retrain that differs only by its seed is noise and is refused; a model of data with
a really stronger signal is promoted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.config import TrainConfig
from pipeline.evaluate import predict
from pipeline.paired_comparison import DEFAULT_MARGINS, paired_bootstrap
from pipeline.register import RegistryCli
from pipeline.tests.conftest import HEADER, LEAD_ARGS, synthetic_rows, write_csv
from pipeline.tests.test_cli import cli
from pipeline.train import train


def _leads(n: int, seed: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Leads whose conversion follows x0 + x1/2, with a share `noise` of outcomes replaced by
    coin flips (a weaker signal)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 0.7, n) > 0).astype(np.float64)
    flipped = rng.random(n) < noise
    y[flipped] = rng.integers(0, 2, int(flipped.sum()))
    return x, y


def test_another_training_seed_is_noise_and_a_stronger_signal_is_not() -> None:
    x, y = _leads(1500, seed=1, noise=0.0)
    x_test, y_test = _leads(600, seed=2, noise=0.0)
    production = predict(train(x, y, "binary", TrainConfig(seed=1)).model, x_test)
    reseeded = predict(train(x, y, "binary", TrainConfig(seed=2)).model, x_test)
    margin = DEFAULT_MARGINS["roc_auc"]
    # Either way round: the seed changed the model, but not by more than the margin: refused.
    for candidate, current in ((reseeded, production), (production, reseeded)):
        noise = paired_bootstrap(y_test, candidate, current, "roc_auc", level=0.95, seed=0)
        assert noise["difference"] != 0.0
        assert noise["interval"][0] <= margin

    x_weak, y_weak = _leads(1500, seed=1, noise=0.6)
    weak = predict(train(x_weak, y_weak, "binary", TrainConfig(seed=1)).model, x_test)
    stronger = paired_bootstrap(y_test, production, weak, "roc_auc", level=0.95, seed=0)
    assert stronger["interval"][0] > margin  # promoted


def test_paired_bootstrap_is_seeded_and_its_auc_is_sklearns() -> None:
    from sklearn.metrics import roc_auc_score

    x_test, y_test = _leads(300, seed=3, noise=0.2)
    a = x_test[:, 0]
    b = np.round(x_test[:, 0] + x_test[:, 2], 1)  # ties: average ranks, as sklearn
    result = paired_bootstrap(y_test, a, b, "roc_auc", level=0.9, seed=4, resamples=300)
    assert result["candidate"] == pytest.approx(roc_auc_score(y_test, a))
    assert result["production"] == pytest.approx(roc_auc_score(y_test, b))
    assert result == paired_bootstrap(y_test, a, b, "roc_auc", level=0.9, seed=4, resamples=300)
    same = paired_bootstrap(y_test, a, a, "roc_auc", level=0.95, seed=4, resamples=100)
    assert same["difference"] == 0.0 and same["interval"] == [0.0, 0.0]


def noisy(rows: list[list[str]], share: float, seed: int) -> list[list[str]]:
    """The same leads with a share of outcomes replaced by coin flips."""
    rng = np.random.default_rng(seed)
    return [[*r[:-1], str(int(rng.integers(0, 2)))] if rng.random() < share else r for r in rows]


def test_the_pipeline_promotes_only_beyond_noise(
    tmp_path: Path, cli_for_registry: RegistryCli
) -> None:
    weak = write_csv(tmp_path / "weak.csv", HEADER, noisy(synthetic_rows(1500), 0.7, seed=0))
    strong = write_csv(tmp_path / "strong.csv", HEADER, synthetic_rows(1500, seed=1))
    reg = tmp_path / "reg"

    def run(data: Path, *extra: str):
        args = ["run", "--data", str(data), "--name", "m", "--registry", str(reg), *LEAD_ARGS]
        return cli(*args, "--promote-if-better", "--eval-repeats", "1", *extra)

    first = run(weak)
    assert first.returncode == 0, first.stderr
    assert "promoted 1.0.0 to production: no production version yet" in first.stdout

    reseeded = run(weak, "--seed", "7")
    assert reseeded.returncode == 3, reseeded.stderr
    assert "candidate − production: roc_auc " in reseeded.stdout
    assert "kept production at 1.0.0: not significantly better: roc_auc " in reseeded.stdout
    assert "95% paired bootstrap, percentile interval" in reseeded.stdout

    better = run(strong)
    assert better.returncode == 0, better.stderr + better.stdout
    assert "promoted 1.0.2 to production: better beyond noise: roc_auc +" in better.stdout
