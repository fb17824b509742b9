"""The calibrator's answers on edge inputs, written to test/fixtures/calibration-parity.json,
which the service's TypeScript test reads (test/model/calibrator.test.ts) to prove that its
calibrator is the pipeline's: isotonic bit for bit (sklearn's IsotonicRegression.predict), Platt
within float64 rounding (log and exp of two math libraries). This test fails when the committed
fixture differs from what sklearn computes now; regenerate it with UPDATE_FIXTURES=1.

Inputs: below the first threshold, above the last, 0 and 1, exactly on every threshold, one
float64 ulp either side of each, midpoints, float32 values (what the trees give), on tables
fitted to scores with ties (repeated values) and flat stretches, and a one-threshold table.
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression

from pipeline import calibrator as cal
from pipeline.tests.conftest import REPO

FIXTURE = REPO / "test" / "fixtures" / "calibration-parity.json"


def inputs(table: dict[str, Any], seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    probe = [0.0, 1.0, 1e-9, 1 - 1e-9, 0.5]
    if table["method"] == "isotonic":
        x = np.asarray(table["x"])
        probe += [float(x[0]) / 2, (1 + float(x[-1])) / 2]
        probe += x.tolist() + np.nextafter(x, 0).tolist() + np.nextafter(x, 1).tolist()
        probe += ((x[:-1] + x[1:]) / 2).tolist()
    probe += rng.random(50).astype(np.float32).astype(np.float64).tolist()
    return [float(v) for v in probe]


def expected(table: dict[str, Any], probe: list[float], sk: IsotonicRegression | None) -> list:
    v = np.asarray(probe)
    # Isotonic: sklearn's own predict is the reference, not our restatement of it.
    out = sk.predict(v) if sk is not None else cal.apply(table, v)
    return [float(o) for o in out]


def fixture() -> dict[str, Any]:
    rng = np.random.default_rng(20)
    cases = []
    # Scores with ties: 300 distinct values drawn 2,000 times, outcome rate score².
    p = rng.choice(np.round(rng.random(300), 3), 2000)
    y = (rng.random(2000) < p**2).astype(np.float64)
    constant = (np.array([0.3, 0.3, 0.3]), np.array([0.0, 1.0, 1.0]))
    for name, (yy, pp) in {"isotonic with ties": (y, p), "one threshold": constant[::-1]}.items():
        table = cal.fit_isotonic(yy, pp)
        sk = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(pp, yy)
        probe = inputs(table, len(cases))
        cases.append(
            {"name": name, "table": table, "inputs": probe, "expected": expected(table, probe, sk)}
        )
    platt = cal.fit_platt(y, p)
    assert platt is not None
    probe = inputs(platt, len(cases))
    cases.append(
        {"name": "platt", "table": platt, "inputs": probe, "expected": expected(platt, probe, None)}
    )
    return {"cases": cases}


def test_committed_fixture_is_what_sklearn_computes() -> None:
    now = json.loads(json.dumps(fixture()))
    if os.environ.get("UPDATE_FIXTURES") == "1":
        FIXTURE.write_text(json.dumps(now) + "\n")
    assert json.loads(FIXTURE.read_text()) == now, f"{FIXTURE} is stale: UPDATE_FIXTURES=1"


def test_fixture_tables_exercise_ties_and_flat_stretches() -> None:
    table = fixture()["cases"][0]["table"]
    assert len(table["x"]) > 3
    y = table["y"]
    assert any(a == b for a, b in itertools.pairwise(y)), "a flat stretch"
