"""A version keeps fingerprints of the rows it trained on (training-rows.json), and a later
promote-if-better compares candidate and production only on held-out rows neither trained on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from pipeline.config import DEFAULTS
from pipeline.ingest import FieldSpec, ingest
from pipeline.preprocess import normalize_frame
from pipeline.register import RegistryCli
from pipeline.tests.conftest import HEADER, LEAD_ARGS, LEAD_LIKE, synthetic_rows, write_csv
from pipeline.tests.test_cli import cli
from pipeline.training_rows import fingerprints, seen_rows, training_rows_document

FIELDS = [
    FieldSpec(name="visits", source_column="visits", type="numeric"),
    FieldSpec(name="city", source_column="city", type="categorical"),
]


def _normalized(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[f.name for f in FIELDS], dtype=object)
    return normalize_frame(frame, FIELDS, ["", "Select"])


def test_a_fingerprint_is_of_the_normalized_fields() -> None:
    same = _normalized(
        [
            {"visits": 3, "city": "Mumbai"},
            {"visits": 3.0, "city": "Mumbai"},  # a number is a number, int or float
            {"visits": None, "city": "Select"},  # missing, however it is written
            {"city": ""},
        ]
    )
    prints = fingerprints(same, ["visits", "city"])
    assert prints[0] == prints[1] and prints[2] == prints[3]
    assert prints[0] != prints[2]
    assert all(len(p) == 16 and int(p, 16) >= 0 for p in prints)
    other = fingerprints(_normalized([{"visits": 4, "city": "Mumbai"}]), ["visits", "city"])
    assert other[0] != prints[0]
    # Over other fields, another fingerprint: a field's value only counts where it is listed.
    assert fingerprints(same, ["city"])[0] != prints[0]


def test_seen_rows_knows_the_training_rows_and_refuses_to_guess() -> None:
    train = _normalized([{"visits": 1, "city": "Mumbai"}, {"visits": 2, "city": "Thane"}])
    doc = training_rows_document(train, ["visits", "city"])
    assert doc["rows"] == 2 and doc["fingerprints"] == sorted(doc["fingerprints"])
    later = _normalized([{"visits": 2.0, "city": "Thane"}, {"visits": 2, "city": "Pune"}])
    assert seen_rows(doc, later).tolist() == [True, False]
    assert seen_rows(doc, later.drop(columns=["city"])) is None  # a field it knew is gone
    assert seen_rows({**doc, "format": "something-else/v9"}, later) is None


def test_the_comparison_leaves_out_what_production_trained_on(
    tmp_path: Path, cli_for_registry: RegistryCli
) -> None:
    data = write_csv(tmp_path / "leads.csv", HEADER, synthetic_rows(4000, seed=3))
    reg = tmp_path / "reg"

    def run(*extra: str):
        args = ["run", "--data", str(data), "--name", "m", "--registry", str(reg), *LEAD_ARGS]
        return cli(*args, "--promote-if-better", "--eval-repeats", "1", *extra)

    first = run()
    assert first.returncode == 0, first.stderr
    production = json.loads((reg / "m" / "1.0.0" / "metadata.json").read_text())
    assert "training-rows.json" in production["files"]  # published with the version
    stored = json.loads((reg / "m" / "1.0.0" / "training-rows.json").read_text())
    assert stored["rows"] == production["training_data"]["train_rows"]

    # Another split seed: most of the candidate's held-out rows were production's training rows.
    second = run("--seed", "7")
    assert second.returncode in (0, 3), second.stderr
    comparison = json.loads((reg / "m" / "1.0.1" / "metadata.json").read_text())["comparison"]

    # Independently: the two splits, as preprocess makes them (stratified, DEFAULTS' test size),
    # and which candidate held-out leads equal, field for field, one production trained on
    # (the synthetic leads repeat a little, and a repeat is a lead production has seen).
    table = ingest(str(data), LEAD_LIKE)
    normalized = normalize_frame(table.frame, table.fields, table.missing_values)
    leads = [
        tuple(None if isinstance(v, float) and np.isnan(v) else v for v in row)
        for row in normalized.itertuples(index=False)
    ]
    index = np.arange(len(leads))

    def split(seed: int) -> tuple[np.ndarray, np.ndarray]:
        return train_test_split(
            index, test_size=DEFAULTS.test_size, random_state=seed, stratify=table.target
        )

    production_train = {leads[i] for i in split(DEFAULTS.train.seed)[0]}
    candidate_test = split(7)[1]
    seen = sum(leads[i] in production_train for i in candidate_test)
    assert 0 < seen < len(candidate_test)
    assert comparison["left_out_trained_on_by_production"] == seen
    assert comparison["rows"] == len(candidate_test) - seen
    assert comparison["rows_from"] == "the candidate's held-out rows production did not train on"
