"""Presets for known data in one place, and the knobs every stage reads.

A run starts from no preset: nothing about the data is assumed. `--preset lead-scoring` opts
into the X Education settings (its id and leakage columns, the "Select" sentinel, snake_case
field names) so the README trains the leak-free default model without repeating eleven column
names; flags replace any list in it. Every default of a run is written once, here: the CLI's
flags and the KFP pipeline's parameters read `DEFAULTS`, `LEAD_PRESET` and
`DEFAULT_MODEL_NAME` instead of repeating the values.
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
LEAD_MISSING_VALUES: tuple[str, ...] = ("Select", "")
# One line per X Education web-form column, for people reading a lead (the web page's form and
# reasons): metadata.json's schema carries it as each field's `description`.
LEAD_FIELD_DESCRIPTIONS: dict[str, str] = {
    "Lead Origin": "How the lead entered the CRM (a landing page form, an import, the API, ...).",
    "Lead Source": "Where the lead came from: search, a referral site, chat, social media, ...",
    "Do Not Email": "Whether the lead asked not to be emailed about the course.",
    "Do Not Call": "Whether the lead asked not to be called about the course.",
    "TotalVisits": "Number of visits the lead made to the website.",
    "Total Time Spent on Website": "Total time the lead spent on the website, in seconds.",
    "Page Views Per Visit": "Average number of pages the lead viewed per visit.",
    "Country": "The lead's country.",
    "Specialization": "The industry domain the lead worked in before.",
    "How did you hear about X Education": "Where the lead says they heard of X Education.",
    "What is your current occupation": "The lead's occupation: student, unemployed, working, ...",
    "What matters most to you in choosing a course": "The lead's main aim in taking a course.",
    "Search": "Whether the lead saw an X Education ad in search results.",
    "Magazine": "Whether the lead saw an X Education ad in a magazine.",
    "Newspaper Article": "Whether the lead saw an X Education article in a newspaper.",
    "X Education Forums": "Whether the lead saw X Education on its forums.",
    "Newspaper": "Whether the lead saw an X Education ad in a newspaper.",
    "Digital Advertisement": "Whether the lead saw an X Education digital advertisement.",
    "Through Recommendations": "Whether the lead came through a recommendation.",
    "Receive More Updates About Our Courses": "Whether the lead asked for course updates.",
    "Update me on Supply Chain Content": "Whether the lead asked for supply chain content.",
    "Get updates on DM Content": "Whether the lead asked for digital marketing content.",
    "City": "The lead's city.",
    "I agree to pay the amount through cheque": "Whether the lead agreed to pay by cheque.",
    "A free copy of Mastering The Interview": "Whether the lead asked for the free interview book.",
}


@dataclass(frozen=True)
class DataConfig:
    """How to read a table: what to predict, what to drop, what counts as missing."""

    target: str
    id_columns: tuple[str, ...] = ()
    exclude_columns: tuple[str, ...] = ()
    missing_values: tuple[str, ...] = ("",)
    # Explicit source-column → field-name renames; every other column keeps its name (or is
    # snake_cased with snake_case_fields), so a CRM row can be sent as it is exported.
    renames: dict[str, str] = field(default_factory=dict)
    snake_case_fields: bool = False
    # A text or boolean target: the value that counts as 1 (every other value is 0).
    positive_class: str | None = None
    # Named columns (ids, exclusions, renames) absent from the data are an error unless set:
    # a preset applied to the wrong data must not pass silently.
    allow_missing_columns: bool = False
    # A CSV's dialect; None = detected (read_table.py).
    delimiter: str | None = None
    encoding: str | None = None
    # Source column → a one-line description for people (metadata.json's schema); a preset's.
    field_descriptions: dict[str, str] = field(default_factory=dict)


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
    strict: bool = False  # the data profile's warnings are errors
    # Evaluation on repeated k-fold of the training part (cross_validate.py); 0 repeats = off.
    eval_folds: int = 5
    eval_repeats: int = 2
    # Promote-if-better: the confidence level of the paired interval (paired_comparison.py).
    promotion_level: float = 0.95
    # ... and the improvement its whole interval must clear (None: per metric, see
    # paired_comparison.DEFAULT_MARGINS).
    promotion_margin: float | None = None
    # The calibrator served after the trees (calibrator.py; binary only): auto = the nested rule
    # of calibration_choice.py decides, or isotonic | platt | none.
    calibration: str = "auto"


NO_PRESET = "none"
LEAD_PRESET = "lead-scoring"
DEFAULT_MODEL_NAME = "lead-scoring"
# The version an exported folder records until the registry numbers it: `lead-scoring registry
# publish` picks the real one and restamps metadata.json with it.
UNPUBLISHED_VERSION = "0.0.0"
# The alias --promote-if-better moves when none is named (the registry CLI's default too).
DEFAULT_ALIAS = "production"

PRESETS: dict[str, DataConfig] = {
    LEAD_PRESET: DataConfig(
        target="Converted",
        id_columns=LEAD_ID_COLUMNS,
        exclude_columns=LEAD_LEAKAGE_COLUMNS,
        missing_values=LEAD_MISSING_VALUES,
        # The default model's API has always been snake_case: keep it.
        snake_case_fields=True,
        field_descriptions=LEAD_FIELD_DESCRIPTIONS,
    ),
    NO_PRESET: DataConfig(target=""),
}

# A run with every default: what `python -m pipeline run` starts from (no preset).
DEFAULTS = RunConfig(data=PRESETS[NO_PRESET])


def data_config_from_preset(
    preset: str,
    *,
    target: str | None = None,
    id_columns: list[str] | None = None,
    exclude_columns: list[str] | None = None,
    missing_values: list[str] | None = None,
    renames: dict[str, str] | None = None,
    snake_case_fields: bool = False,
    positive_class: str | None = None,
    allow_missing_columns: bool = False,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> DataConfig:
    """The preset with each given list *replacing* the preset's (None keeps the preset's); a
    flag that opts in (snake_case_fields) adds to the preset, never turns its choice off."""
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
        snake_case_fields=base.snake_case_fields or snake_case_fields,
        positive_class=positive_class,
        allow_missing_columns=allow_missing_columns,
        delimiter=delimiter,
        encoding=encoding,
    )


def snake_case(name: str) -> str:
    """'TotalVisits' → 'total_visits', 'Total Time Spent' → 'total_time_spent'."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()
    return s or "field"
