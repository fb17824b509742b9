"""The pure-Python transform (what the service re-implements) equals sklearn bit for bit."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import PipelineError
from pipeline.ingest import IngestResult, ingest
from pipeline.preprocess import (
    PreprocessResult,
    build_column_transformer,
    edge_instances,
    instances_to_frame,
    normalize_frame,
    preprocess,
    transform,
    verify_transform,
)
from pipeline.tests.conftest import LEAD_LIKE
from pipeline.transform import FLOAT32_OVERFLOW, InstanceError, to_float32, transform_instance


@pytest.fixture(scope="module")
def data(leads_csv: Path) -> IngestResult:
    return ingest(str(leads_csv), LEAD_LIKE)


@pytest.fixture(scope="module")
def prep(data: IngestResult) -> PreprocessResult:
    return preprocess(data, 0.2, 42)


@pytest.fixture(scope="module")
def fitted(data: IngestResult, prep: PreprocessResult):
    """The same ColumnTransformer, refitted on the same training rows, for direct comparison."""
    return build_column_transformer(data.fields).fit(prep.train_frame)


def sklearn_rows(fitted, prep: PreprocessResult, instances: list[dict]) -> np.ndarray:
    frame = instances_to_frame(instances, prep.fields, prep.preprocessor["missing_values"])
    return transform(fitted, frame)


def json_rows(preprocessor: dict, instances: list[dict]) -> np.ndarray:
    # Through a JSON round trip: the file, not the in-memory dict, is the contract.
    doc = json.loads(json.dumps(preprocessor))
    return np.asarray([transform_instance(doc, i) for i in instances], dtype=np.float32)


def test_json_transform_equals_sklearn_on_held_out_rows(fitted, prep: PreprocessResult) -> None:
    expected = sklearn_rows(fitted, prep, prep.test_instances)
    assert np.array_equal(expected, prep.x_test)
    assert np.array_equal(json_rows(prep.preprocessor, prep.test_instances), expected)


def test_json_transform_equals_sklearn_on_edge_rows(fitted, prep: PreprocessResult) -> None:
    edges = edge_instances(prep.test_instances[0], prep.fields, "Select")
    kinds = {"absent": 0, "none": 0, "nan": 0, "Select": 0, "unknown": 0}
    for e in edges:
        for f in prep.fields:
            v = e.get(f.name)
            if f.name not in e:
                kinds["absent"] += 1
            elif v is None:
                kinds["none"] += 1
            elif isinstance(v, float) and math.isnan(v):
                kinds["nan"] += 1
            elif v == "Select":
                kinds["Select"] += 1
            elif v == "never seen in training":
                kinds["unknown"] += 1
    assert all(kinds.values()), kinds  # every case really is exercised
    assert np.array_equal(json_rows(prep.preprocessor, edges), sklearn_rows(fitted, prep, edges))


def test_missing_means_fill_value_and_unknown_means_all_zero(prep: PreprocessResult) -> None:
    pre = prep.preprocessor
    by_name = {f["name"]: f for f in pre["fields"]}
    base = dict(prep.test_instances[0])
    visits = by_name["total_visits"]
    expected = np.float32((visits["fill_value"] - visits["mean"]) / visits["scale"])
    for missing in ({}, {"total_visits": None}, {"total_visits": "Select"}, {"total_visits": ""}):
        inst = {k: v for k, v in base.items() if k != "total_visits"} | missing
        assert transform_instance(pre, inst)[visits["output_index"]] == expected
    city = by_name["city"]
    block = slice(city["output_offset"], city["output_offset"] + len(city["categories"]))
    assert sum(transform_instance(pre, {**base, "city": "Atlantis"})[block]) == 0.0
    missing_row = transform_instance(pre, {**base, "city": "Select"})[block]
    assert missing_row[city["categories"].index("missing")] == 1.0 and sum(missing_row) == 1.0


def test_preprocessor_json_shape(prep: PreprocessResult) -> None:
    pre = prep.preprocessor
    assert pre["format"] == "lead-scoring-preprocessor/v2"
    assert pre["missing_values"] == ["Select", ""]
    assert [f["name"] for f in pre["fields"]] == [f.name for f in prep.fields]
    assert pre["n_outputs"] == len(pre["output_columns"]) == prep.x_train.shape[1]
    for f in pre["fields"]:
        if f["type"] == "numeric":
            assert pre["output_columns"][f["output_index"]] == f["name"] and f["scale"] > 0
        else:
            assert f["categories"] == sorted(f["categories"]) and f["fill_value"] == "missing"
            for i, c in enumerate(f["categories"]):
                assert pre["output_columns"][f["output_offset"] + i] == f"{f['name']}={c}"


def test_fitted_on_the_training_split_only(prep: PreprocessResult) -> None:
    visits = next(f for f in prep.preprocessor["fields"] if f["name"] == "total_visits")
    train = prep.train_frame["total_visits"].to_numpy()
    assert visits["fill_value"] == np.nanmedian(train)
    assert visits["mean"] == pytest.approx(
        np.where(np.isnan(train), np.nanmedian(train), train).mean()
    )


def test_split_is_seeded_and_stratified(data: IngestResult, prep: PreprocessResult) -> None:
    again = preprocess(data, 0.2, 42)
    assert np.array_equal(again.x_test, prep.x_test)
    assert len(prep.y_test) == 240
    assert abs(prep.y_test.mean() - data.target.mean()) < 0.01


@pytest.mark.parametrize(
    ("instance", "message"),
    [
        ({"total_visits": "3"}, "expected a number"),
        ({"total_visits": True}, "expected a number"),
        ({"city": 3}, "expected a string"),
        ({"no_such_field": 1}, "unknown field"),
    ],
)
def test_client_errors(prep: PreprocessResult, instance: dict, message: str) -> None:
    with pytest.raises(InstanceError, match=message):
        transform_instance(prep.preprocessor, instance)
    with pytest.raises(InstanceError, match=message):
        instances_to_frame([instance], prep.fields, ["Select", ""])


def test_self_check_catches_a_wrong_preprocessor(fitted, prep: PreprocessResult) -> None:
    broken = json.loads(json.dumps(prep.preprocessor))
    broken["fields"][1]["mean"] += 1e-9
    with pytest.raises(PipelineError, match="does not reproduce"):
        verify_transform(fitted, broken, prep.test_instances, prep.fields)


def test_save_load_round_trip(prep: PreprocessResult, tmp_path: Path) -> None:
    prep.save(tmp_path)
    back = PreprocessResult.load(tmp_path)
    assert np.array_equal(back.x_train, prep.x_train) and back.preprocessor == prep.preprocessor
    assert back.test_instances == prep.test_instances
    assert back.train_frame.equals(normalize_frame(prep.train_frame, prep.fields, ["Select", ""]))


def test_to_float32_rounds_as_numpy_does_up_to_and_past_float32s_range() -> None:
    largest = float(np.finfo(np.float32).max)
    edge = [largest, FLOAT32_OVERFLOW, 1e300, math.inf, 2.0**-149, 2.0**-150, 1 / 3, 0.1, -0.0]
    below = [math.nextafter(x, -math.inf) for x in edge if math.isfinite(x)]
    above = [math.nextafter(x, math.inf) for x in edge if math.isfinite(x)]
    rng = np.random.default_rng(3)
    rand = list(rng.standard_normal(500) * 10.0 ** rng.integers(-45, 300, 500))
    for x in [*edge, *below, *above, *rand]:
        for signed in (x, -x):
            with np.errstate(over="ignore"):
                expected = float(np.float64(signed).astype(np.float32))
            got = to_float32(signed)
            assert got == expected and math.copysign(1, got) == math.copysign(1, expected), signed
