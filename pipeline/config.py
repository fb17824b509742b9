"""Defaults for the lead data in one place, and the knobs every stage reads.

The CLI starts from a preset and lets flags replace any list in it, so the command line in
the README trains the leak-free lead model without repeating nine column names. Every default
of a run is written once, here: the CLI's flags and the KFP pipeline's parameters read
`DEFAULTS`, `DEFAULT_PRESET` and `DEFAULT_MODEL_NAME` instead of repeating the values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

# Filled in by the sales team after contacting a lead: a model that scores a *new* lead must
# not see them (see ../shared/datasets/README.md).
LEAD_LEAKAGE_COLUMNS: tuple[str, ...] = (
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Last Activity",
    "Last Notable Activity",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
)
LEAD_ID_COLUMNS: tuple[str, ...] = ("Prospect ID", "Lead Number")
# "Select" is an untouched web-form dropdown; an empty cell is missing everywhere.
DEFAULT_MISSING_VALUES: tuple[str, ...] = ("Select", "")


@dataclass(frozen=True)
class DataConfig:
    """How to read a table: what to predict, what to drop, what counts as missing."""

    target: str
    id_columns: tuple[str, ...] = ()
    exclude_columns: tuple[str, ...] = ()
    missing_values: tuple[str, ...] = DEFAULT_MISSING_VALUES
    # Explicit source-column → field-name renames; every other column is snake_cased.
    renames: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainConfig:
    """XGBoost defaults; a search replaces the searched ones and records its choice."""

    n_estimators: int = 100
    max_depth: int = 6
    learning_rate: float = 0.1
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    seed: int = 42
    # Fixed thread count: histogram sums are float, so the same data on a different thread
    # count may split differently; pinning it keeps metrics reproducible to 1e-6.
    n_jobs: int = 2
    search_iterations: int = 0
    search_folds: int = 5


@dataclass(frozen=True)
class RunConfig:
    """Everything `python -m pipeline run` needs besides the data source."""

    data: DataConfig
    train: TrainConfig = TrainConfig()
    task: str | None = None  # "binary" | "regression"; None = infer from the target
    test_size: float = 0.2
    threshold: float = 0.5
    golden_rows: int = 200


DEFAULT_PRESET = "lead-scoring"
DEFAULT_MODEL_NAME = "lead-scoring"
# The version an exported folder records until the registry numbers it: `lead-scoring registry
# publish` picks the real one and restamps metadata.json with it.
UNPUBLISHED_VERSION = "0.0.0"

PRESETS: dict[str, DataConfig] = {
    "lead-scoring": DataConfig(
        target="Converted",
        id_columns=LEAD_ID_COLUMNS,
        exclude_columns=LEAD_LEAKAGE_COLUMNS,
    ),
    "none": DataConfig(target="", missing_values=("",)),
}

# A run with every default: what `python -m pipeline run` and the KFP pipeline start from.
DEFAULTS = RunConfig(data=PRESETS[DEFAULT_PRESET])


def data_config_from_preset(
    preset: str,
    *,
    target: str | None = None,
    id_columns: list[str] | None = None,
    exclude_columns: list[str] | None = None,
    missing_values: list[str] | None = None,
    renames: dict[str, str] | None = None,
) -> DataConfig:
    """The preset with each given list *replacing* the preset's (None keeps the preset's)."""
    base = PRESETS[preset]
    return replace(
        base,
        target=target if target is not None else base.target,
        id_columns=tuple(id_columns) if id_columns is not None else base.id_columns,
        exclude_columns=tuple(exclude_columns)
        if exclude_columns is not None
        else base.exclude_columns,
        missing_values=tuple(missing_values) if missing_values is not None else base.missing_values,
        renames=dict(renames) if renames is not None else dict(base.renames),
    )


def snake_case(name: str) -> str:
    """'TotalVisits' → 'total_visits', 'Total Time Spent' → 'total_time_spent'."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()
    return s or "field"
