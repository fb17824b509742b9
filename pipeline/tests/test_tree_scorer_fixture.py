"""XGBoost's own predictions on a stress set for the committed model, written to
test/fixtures/tree-scorer-stress.json, which the service's TypeScript test reads
(test/model/tree-scorer.test.ts) to prove the compiled tree scorer equals XGBoost bit for bit.
This test fails when the committed fixture differs from what XGBoost computes now (a new model,
another XGBoost); regenerate it with UPDATE_FIXTURES=1.

The cases are the ones where a re-implementation of XGBoost's predictor goes wrong:
- feature rows (a golden row with some columns replaced by doubles, as a V2 FP32 tensor sends
  them; XGBoost reads them as float32): every split threshold exactly, one float32 ulp either
  side, doubles that round to the threshold in float32 from below and from above, the exact
  midpoints between the threshold and its neighbours (ties to even), and NaN (missing) in every
  column, everywhere, and at random; values beyond float32's range in every column (±Infinity
  once read as float32); the rows with missing values again on the same trees with default_left
  set at every even-numbered node (`default_left_rows`);
- trees of every depth from 0 (a single leaf) to the model's own in one booster (`shaped`: the
  committed trees cut short, its trees in the fixture), on the golden rows, the rows with missing
  values and the ones beyond float32's range;
- raw instances (a golden row's instance with fields `set` or `unset`) through the preprocessor
  (pipeline/transform.py, the service's reference): numeric values whose scaled float32 lands on
  a split threshold or an ulp beside it, numbers whose scaled float32 is ±Infinity, unseen
  categories, the missing sentinels, null and absent keys.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from typing import Any

import numpy as np
import xgboost as xgb

from pipeline.tests.conftest import REPO
from pipeline.transform import transform_instance

FIXTURE = REPO / "test" / "fixtures" / "tree-scorer-stress.json"
MODEL_DIR = REPO / "models" / "lead-scoring" / "1.0.0"
SEED = 15
# What the service reads of a tree (src/model/explain/xgboost-json.ts).
TREE_KEYS = (
    "left_children",
    "right_children",
    "split_indices",
    "split_conditions",
    "default_left",
    "sum_hessian",
)


def load(name: str) -> Any:
    return json.loads((MODEL_DIR / name).read_text())


def splits(model: dict[str, Any]) -> list[tuple[int, float]]:
    """Every distinct (feature, float32 threshold) the trees split on, sorted."""
    found: set[tuple[int, float]] = set()
    for tree in model["learner"]["gradient_booster"]["model"]["trees"]:
        for node, left in enumerate(tree["left_children"]):
            if left != -1:
                threshold = float(np.float32(tree["split_conditions"][node]))
                found.add((tree["split_indices"][node], threshold))
    return sorted(found)


def around(threshold: float) -> list[tuple[str, float]]:
    """The threshold, its float32 neighbours, and doubles that round to it (or tie) in float32."""
    t = np.float32(threshold)
    below = float(np.nextafter(t, np.float32(-np.inf)))
    above = float(np.nextafter(t, np.float32(np.inf)))
    t = float(t)
    return [
        ("threshold", t),
        ("ulp below", below),
        ("ulp above", above),
        ("double rounding up to threshold", t - (t - below) / 4),
        ("double rounding down to threshold", t + (above - t) / 4),
        ("midpoint below", t - (t - below) / 2),
        ("midpoint above", t + (above - t) / 2),
    ]


def feature_rows(golden: dict[str, Any], model: dict[str, Any]) -> list[dict[str, Any]]:
    """Each row: a golden row (`base`) with `set` columns replaced; null = NaN (missing)."""
    width = len(golden["columns"])
    n_base = len(golden["rows"])
    rows: list[dict[str, Any]] = []
    for i, (feature, threshold) in enumerate(splits(model)):
        for case, value in around(threshold):
            rows.append({"case": case, "base": i % n_base, "set": [[feature, value]]})
    for feature in range(width):
        rows.append({"case": "missing column", "base": feature % n_base, "set": [[feature, None]]})
    rows.append({"case": "all missing", "base": 0, "set": [[f, None] for f in range(width)]})
    for feature in range(width):
        for case, value in (("beyond float32 max", 1e39), ("beyond float32 min", -1e39)):
            rows.append({"case": case, "base": feature % n_base, "set": [[feature, value]]})
    rng = np.random.default_rng(SEED)
    for _ in range(100):
        mask = rng.random(width) < 0.3
        rows.append(
            {
                "case": "random missing",
                "base": int(rng.integers(n_base)),
                "set": [[int(f), None] for f in np.flatnonzero(mask)],
            }
        )
    return rows


def matrix(golden: dict[str, Any], rows: list[dict[str, Any]]) -> np.ndarray:
    """The rows as float64, as a client sends them; DMatrix casts to float32 like the service."""
    x = np.array([golden["rows"][row["base"]]["features"] for row in rows], dtype=np.float64)
    for r, row in enumerate(rows):
        for feature, value in row["set"]:
            x[r, feature] = np.nan if value is None else value
    return x


def numeric_instances(
    golden: dict[str, Any], preprocessor: dict[str, Any], model: dict[str, Any]
) -> list[dict[str, Any]]:
    """Raw numbers whose scaled float32 is a split threshold or a float32 ulp beside it."""
    fields = {f["output_index"]: f for f in preprocessor["fields"] if f["type"] == "numeric"}
    cases: list[dict[str, Any]] = []
    for i, (feature, threshold) in enumerate(splits(model)):
        field = fields.get(feature)
        if field is None:
            continue
        base = i % len(golden["rows"])
        for case, target in around(threshold)[:3]:
            raw = target * field["scale"] + field["mean"]
            for nudge, value in (("", raw), (", raw -1 ulp", math.nextafter(raw, -math.inf))):
                cases.append(
                    {
                        "case": f"numeric at {case}{nudge}",
                        "base": base,
                        "set": {field["name"]: value},
                    }
                )
    return cases


def overflowing_instances(preprocessor: dict[str, Any]) -> list[dict[str, Any]]:
    """Raw numbers whose scaled value is past float32's range: ±Infinity once read as float32."""
    numeric = [f["name"] for f in preprocessor["fields"] if f["type"] == "numeric"]
    return [
        {"case": f"numeric scaled to {sign}Infinity", "base": i, "set": {name: value}}
        for i, name in enumerate(numeric)
        for sign, value in (("+", 1e300), ("-", -1e300))
    ]


def categorical_instances(
    golden: dict[str, Any], preprocessor: dict[str, Any]
) -> list[dict[str, Any]]:
    """Unseen categories, sentinels, null and absent keys in every categorical field."""
    cases: list[dict[str, Any]] = []
    fields = [f for f in preprocessor["fields"] if f["type"] == "categorical"]
    sentinels = preprocessor["missing_values"]
    for i, field in enumerate(fields):
        base = i % len(golden["rows"])
        name = field["name"]
        for case, value in (
            ("unseen category", f"never seen in {name}"),
            *((f"sentinel {s!r}", s) for s in sentinels),
            ("null", None),
        ):
            cases.append({"case": case, "base": base, "set": {name: value}})
        cases.append({"case": "absent", "base": base, "set": {}, "unset": [name]})
    everything_unseen = {f["name"]: "unseen" for f in fields}
    cases.append({"case": "every category unseen", "base": 0, "set": everything_unseen})
    return cases


def instance(golden: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    """A golden row's raw instance with `set` fields replaced and `unset` keys removed."""
    base = golden["rows"][case["base"]]["instance"]
    kept = {k: v for k, v in base.items() if k not in case.get("unset", [])}
    return {**kept, **case["set"]}


def flip_default_left(model: dict[str, Any]) -> dict[str, Any]:
    """The committed model with missing values sent left at every even-numbered node: trained
    without missing values, it sends them all right, which would leave default_left unproven."""
    flipped = copy.deepcopy(model)
    for tree in flipped["learner"]["gradient_booster"]["model"]["trees"]:
        tree["default_left"] = [
            1 if node % 2 == 0 else 0 for node in range(len(tree["left_children"]))
        ]
    return flipped


def cut_short(model: dict[str, Any]) -> dict[str, Any]:
    """The committed model with tree t cut to depth t % 8 (depth 0: a single leaf), so that one
    booster holds trees of every depth; a cut node becomes a leaf of a made-up value. Missing
    values go left at every third node. Nodes keep XGBoost's breadth-first numbering."""
    shaped = copy.deepcopy(model)
    for t, tree in enumerate(shaped["learner"]["gradient_booster"]["model"]["trees"]):
        keep, depth = [0], {0: 0}
        for node in keep:
            left = tree["left_children"][node]
            if left != -1 and depth[node] < t % 8:
                for child in (left, tree["right_children"][node]):
                    depth[child] = depth[node] + 1
                    keep.append(child)
        keep.sort()
        new_id = {old: new for new, old in enumerate(keep)}
        n = len(tree["left_children"])
        per_node = {k: v for k, v in tree.items() if isinstance(v, list) and len(v) == n}
        cut = {k: [v[node] for node in keep] for k, v in per_node.items()}
        for i, node in enumerate(keep):
            left, right = tree["left_children"][node], tree["right_children"][node]
            if left in new_id:
                cut["left_children"][i], cut["right_children"][i] = new_id[left], new_id[right]
            elif left != -1:
                cut["left_children"][i] = cut["right_children"][i] = -1
                cut["split_conditions"][i] = cut["base_weights"][i] = 0.125 * (node % 5 - 2)
                cut["split_indices"][i], cut["loss_changes"][i] = 0, 0.0
            cut["parents"][i] = new_id.get(tree["parents"][node], tree["parents"][node])
            cut["default_left"][i] = 1 if i % 3 == 0 else 0
        tree.update(cut)
        tree["tree_param"]["num_nodes"] = str(len(keep))
    return shaped


def predict(booster: xgb.Booster, x: np.ndarray) -> tuple[list[float], list[float]]:
    """inplace_predict: the same CPU predictor as a DMatrix, which refuses ±Infinity."""
    margins = booster.inplace_predict(x, predict_type="margin", missing=np.nan)
    predictions = booster.inplace_predict(x, predict_type="value", missing=np.nan)
    return [float(v) for v in margins], [float(v) for v in predictions]


def fixture() -> dict[str, Any]:
    model = load("xgboost.json")
    golden = load("golden.json")
    preprocessor = load("preprocessor.json")
    booster = xgb.Booster(model_file=str(MODEL_DIR / "xgboost.json"))
    rows = feature_rows(golden, model)
    margins, predictions = predict(booster, matrix(golden, rows))
    for row, margin, prediction in zip(rows, margins, predictions, strict=True):
        row.update(margin=margin, prediction=prediction)
    missing = [{k: v for k, v in row.items() if k in ("case", "base", "set")} for row in rows]
    missing = [row for row in missing if any(value is None for _, value in row["set"])]
    flipped = xgb.Booster()
    flipped.load_model(bytearray(json.dumps(flip_default_left(model)), "utf-8"))
    margins, predictions = predict(flipped, matrix(golden, missing))
    for row, margin, prediction in zip(missing, margins, predictions, strict=True):
        row.update(margin=margin, prediction=prediction)
    shaped_model = cut_short(model)
    shaped = xgb.Booster()
    shaped.load_model(bytearray(json.dumps(shaped_model), "utf-8"))
    shaped_rows = [{"case": "golden", "base": i, "set": []} for i in range(len(golden["rows"]))]
    shaped_rows += [
        {k: v for k, v in row.items() if k in ("case", "base", "set")}
        for row in rows
        if row["case"] in ("missing column", "all missing", "random missing")
        or row["case"].startswith("beyond float32")
    ]
    margins, predictions = predict(shaped, matrix(golden, shaped_rows))
    for row, margin, prediction in zip(shaped_rows, margins, predictions, strict=True):
        row.update(margin=margin, prediction=prediction)
    instances = (
        numeric_instances(golden, preprocessor, model)
        + categorical_instances(golden, preprocessor)
        + overflowing_instances(preprocessor)
    )
    x = np.array([transform_instance(preprocessor, instance(golden, c)) for c in instances])
    margins, predictions = predict(booster, x)
    for case, margin, prediction in zip(instances, margins, predictions, strict=True):
        case.update(margin=margin, prediction=prediction)
    return {
        "comment": "Written by pipeline/tests/test_tree_scorer_fixture.py (XGBoost): do not edit.",
        "model": str(MODEL_DIR.relative_to(REPO)),
        "xgboost_json_sha256": hashlib.sha256(
            (MODEL_DIR / "xgboost.json").read_bytes()
        ).hexdigest(),
        "xgboost_version": xgb.__version__,
        "feature_rows": rows,
        "default_left_rows": missing,
        "instances": instances,
        "shaped": {
            "trees": [
                {key: tree[key] for key in TREE_KEYS}
                for tree in shaped_model["learner"]["gradient_booster"]["model"]["trees"]
            ],
            "rows": shaped_rows,
        },
    }


def test_committed_fixture_is_what_xgboost_predicts() -> None:
    now = json.loads(json.dumps(fixture()))
    if os.environ.get("UPDATE_FIXTURES") == "1":
        FIXTURE.write_text(json.dumps(now) + "\n")
    assert json.loads(FIXTURE.read_text()) == now, f"{FIXTURE} is stale: UPDATE_FIXTURES=1"


def test_stress_cases_straddle_the_thresholds() -> None:
    """The doubles meant to round onto a threshold do, and the ulp neighbours do not."""
    for _, threshold in splits(load("xgboost.json")):
        cases = dict(around(threshold))
        t = np.float32(threshold)
        assert np.float32(cases["double rounding up to threshold"]) == t
        assert cases["double rounding up to threshold"] < float(t)
        assert np.float32(cases["double rounding down to threshold"]) == t
        assert np.float32(cases["ulp below"]) < t < np.float32(cases["ulp above"])
