"""Another company's columns: a text target, dotted names kept, the lead-scoring preset refused
on data it does not fit, and the data profile's warnings (id, constant, leakage, other target)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipeline.config import LEAD_PRESET, NO_PRESET, DataConfig, data_config_from_preset
from pipeline.errors import PipelineError
from pipeline.ingest import build_table, ingest
from pipeline.profile import profile
from pipeline.run import check_profile
from pipeline.tests.foreign_data import HEADER, foreign_rows, write_foreign_csv


@pytest.fixture(scope="module")
def foreign_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_foreign_csv(tmp_path_factory.mktemp("foreign") / "crm.csv", foreign_rows(300))


def config(**flags: Any) -> DataConfig:
    """No preset, target y, and the flags as the CLI passes them."""
    return data_config_from_preset(NO_PRESET, target="y", **flags)


def test_a_two_valued_text_target_asks_for_the_positive_class(foreign_csv: Path) -> None:
    with pytest.raises(
        PipelineError,
        match=r"target column 'y' has two text values, 'no' and 'yes': name the one to predict "
        r"with --positive-class \(e\.g\. --positive-class yes\)",
    ):
        ingest(str(foreign_csv), config())


def test_a_text_target_with_more_values_names_the_first_row_that_is_no_number() -> None:
    table = pd.DataFrame({"x": ["a", "b", "c", "d"], "y": ["1", "0", "won", "lost"]}, dtype=object)
    with pytest.raises(
        PipelineError,
        match=r"target column 'y' must be numeric .*--positive-class .*data row 3 has 'won' "
        r"\(4 distinct values\)",
    ):
        build_table(table, DataConfig(target="y"), {})


def test_the_positive_class_is_1_and_the_task_binary(foreign_csv: Path) -> None:
    data = ingest(str(foreign_csv), config(positive_class="yes"))
    labels = [r[-1] for r in foreign_rows(300)]
    assert data.task == "binary"
    assert data.target.tolist() == [1.0 if y == "yes" else 0.0 for y in labels]
    assert data.training_data["positive_class"] == "yes"
    flipped = ingest(str(foreign_csv), config(positive_class="no"))
    assert (flipped.target == 1.0 - data.target).all()
    with pytest.raises(PipelineError, match=r"--positive-class 'Yes' is not a value .*'no', 'yes'"):
        ingest(str(foreign_csv), config(positive_class="Yes"))
    with pytest.raises(PipelineError, match="--positive-class makes the task binary"):
        ingest(str(foreign_csv), config(positive_class="yes"), task="regression")


def test_column_names_are_field_names_unless_snake_case_is_asked(foreign_csv: Path) -> None:
    as_is = ingest(str(foreign_csv), config(positive_class="yes"))
    assert [f.name for f in as_is.fields] == HEADER[:-1]  # "home.owner" stays "home.owner"
    snake = ingest(str(foreign_csv), config(positive_class="yes", snake_case_fields=True))
    assert [f.name for f in snake.fields][:3] == ["customer_id", "home_owner", "stage"]
    assert [f.source_column for f in snake.fields] == HEADER[:-1]
    renamed = ingest(str(foreign_csv), config(positive_class="yes", renames={"y": "x"}))
    assert "x" not in [f.name for f in renamed.fields]  # the target is no field


def test_the_lead_preset_on_other_data_lists_what_it_misses(foreign_csv: Path) -> None:
    lead = data_config_from_preset(LEAD_PRESET, target="y", positive_class="yes")
    with pytest.raises(PipelineError) as missing:
        ingest(str(foreign_csv), lead)
    message = str(missing.value)
    assert message.startswith("columns named by the preset or flags are not in the data: ")
    assert "Prospect ID, Lead Number, Tags" in message and "Asymmetrique Profile Score" in message
    assert "--allow-missing-preset-columns" in message
    with pytest.raises(PipelineError, match=r"not in the data: Customer ID \("):
        ingest(str(foreign_csv), config(positive_class="yes", id_columns=["Customer ID"]))
    allowed = data_config_from_preset(
        LEAD_PRESET, target="y", positive_class="yes", allow_missing_columns=True
    )
    assert ingest(str(foreign_csv), allowed).fields[1].name == "home_owner"


def test_the_profile_flags_id_constant_leaky_and_outcome_columns(foreign_csv: Path) -> None:
    data = ingest(str(foreign_csv), config(positive_class="yes"))
    found = profile(data)
    by_column = {f.spec.source_column: f for f in found.fields}
    assert by_column["deal_value"].strength == 1.0  # non-zero exactly for the won leads
    assert by_column["stage"].distinct == 3  # new, contacted, and the real "missing"
    warned = {w.split("'")[1]: w for w in found.warnings}
    assert set(warned) == {"customer.id", "region", "deal_value"}
    assert "looks like an id (300 distinct values in 300 rows)" in warned["customer.id"]
    assert "is constant" in warned["region"]
    leaks = [w for w in found.warnings if "deal_value" in w]
    assert any("possible leakage" in w and "ROC-AUC 1.000" in w for w in leaks)
    assert any("named like an outcome" in w for w in leaks)

    logged: list[str] = []
    check_profile(data, strict=False, log=logged.append)
    assert logged[0].startswith("profile: 300 rows, target 'y' (task binary, ")
    assert any(line.split()[:3] == ["home.owner", "→", "(same)"] for line in logged)
    assert sum(line.startswith("warning: ") for line in logged) == len(found.warnings)
    with pytest.raises(PipelineError, match=r"--strict: 4 data warning\(s\), first: column"):
        check_profile(data, strict=True, log=lambda s: None)


def test_a_clean_table_has_no_warnings(foreign_csv: Path) -> None:
    drop = config(
        positive_class="yes",
        id_columns=["customer.id"],
        exclude_columns=["deal_value", "region"],
    )
    data = ingest(str(foreign_csv), drop)
    assert profile(data).warnings == []
    check_profile(data, strict=True, log=lambda s: None)  # nothing to refuse


def test_a_regression_target_is_profiled_by_correlation() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    table = pd.DataFrame(
        {
            "row": [str(i) for i in range(200)],  # whole numbers, one per row: an id
            "noise": [f"{v:.4f}" for v in rng.normal(size=200)],  # unique too, but measured
            "echo": [f"{2 * v + 1:.4f}" for v in y],
            "amount": [f"{v:.4f}" for v in y],
        },
        dtype=object,
    )
    data = build_table(table, DataConfig(target="amount"), {"rows": 200})
    assert data.task == "regression"
    warnings = profile(data).warnings
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("column 'row' looks like an id")
    assert warnings[1].startswith("column 'echo' alone predicts the target with |correlation| 1.0")
