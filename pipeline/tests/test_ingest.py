from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import PRESETS, data_config_from_preset, snake_case
from pipeline.errors import PipelineError
from pipeline.ingest import IngestResult, ingest
from pipeline.tests.conftest import HEADER, LEAD_LIKE, synthetic_rows, write_csv

# The 37 columns of leads-x-education.csv, so the preset is tested without the file.
LEAD_COLUMNS = [
    "Prospect ID", "Lead Number", "Lead Origin", "Lead Source", "Do Not Email", "Do Not Call",
    "Converted", "TotalVisits", "Total Time Spent on Website", "Page Views Per Visit",
    "Last Activity", "Country", "Specialization", "How did you hear about X Education",
    "What is your current occupation", "What matters most to you in choosing a course", "Search",
    "Magazine", "Newspaper Article", "X Education Forums", "Newspaper", "Digital Advertisement",
    "Through Recommendations", "Receive More Updates About Our Courses", "Tags", "Lead Quality",
    "Update me on Supply Chain Content", "Get updates on DM Content", "Lead Profile", "City",
    "Asymmetrique Activity Index", "Asymmetrique Profile Index", "Asymmetrique Activity Score",
    "Asymmetrique Profile Score", "I agree to pay the amount through cheque",
    "A free copy of Mastering The Interview", "Last Notable Activity",
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("TotalVisits", "total_visits"),
        ("Total Time Spent on Website", "total_time_spent_on_website"),
        ("Page Views Per Visit", "page_views_per_visit"),
        ("What is your current occupation", "what_is_your_current_occupation"),
        ("X Education Forums", "x_education_forums"),
        ("A free copy of Mastering The Interview", "a_free_copy_of_mastering_the_interview"),
        ("HTTPRequest", "http_request"),
    ],
)
def test_snake_case(raw: str, expected: str) -> None:
    assert snake_case(raw) == expected


def test_lead_preset_keeps_the_25_leak_free_fields(tmp_path: Path) -> None:
    row = ["x"] * len(LEAD_COLUMNS)
    numeric = {"Lead Number", "TotalVisits", "Total Time Spent on Website", "Page Views Per Visit"}
    rows = []
    for y in ("0", "1"):
        r = [("1" if c in numeric else v) for c, v in zip(LEAD_COLUMNS, row, strict=True)]
        r[LEAD_COLUMNS.index("Converted")] = y
        rows.append(r)
    data = ingest(str(write_csv(tmp_path / "l.csv", LEAD_COLUMNS, rows)), PRESETS["lead-scoring"])
    names = [f.name for f in data.fields]
    assert len(names) == 25
    assert "tags" not in names and "lead_quality" not in names and "prospect_id" not in names
    assert not any(n.startswith("asymmetrique") for n in names)
    assert "last_activity" not in names and "last_notable_activity" not in names
    assert names[:3] == ["lead_origin", "lead_source", "do_not_email"]
    types = {f.name: f.type for f in data.fields}
    assert types["total_visits"] == "numeric" and types["lead_origin"] == "categorical"


def test_values_stay_as_a_client_sends_them(leads_csv: Path) -> None:
    data = ingest(str(leads_csv), LEAD_LIKE)
    assert [f.name for f in data.fields] == [
        "lead_origin",
        "total_visits",
        "total_time_spent_on_website",
        "city",
        "do_not_email",
    ]
    assert data.task == "binary" and set(data.target.tolist()) == {0.0, 1.0}
    city = data.frame["city"].tolist()
    assert "Select" in city  # the sentinel is kept verbatim for golden rows
    assert None in city  # an empty cell is a null
    visits = data.frame["total_visits"].tolist()
    assert None in visits and all(v is None or isinstance(v, float) for v in visits)
    assert data.training_data["rows"] == 1200 and len(data.training_data["sha256"]) == 64


def test_flags_replace_the_preset_lists(leads_csv: Path) -> None:
    config = data_config_from_preset(
        "lead-scoring", exclude_columns=["City"], renames={"TotalVisits": "visits"}
    )
    names = [f.name for f in ingest(str(leads_csv), config).fields]
    assert "city" not in names and "visits" in names
    assert "tags" in names  # the preset's exclusions were replaced, not extended


def test_regression_target_is_inferred(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", HEADER, synthetic_rows(50, target="value"))
    assert ingest(str(path), LEAD_LIKE).task == "regression"


def test_save_load_round_trip(leads_csv: Path, tmp_path: Path) -> None:
    data = ingest(str(leads_csv), LEAD_LIKE)
    data.save(tmp_path)
    back = IngestResult.load(tmp_path)
    assert back.fields == data.fields and back.task == data.task
    assert back.frame.equals(data.frame) and (back.target == data.target).all()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "data file not found"),
        ("", "data file is empty"),
        (",".join(HEADER) + "\n", "no rows"),
        ("a,b\n1,2\n", "target column 'Converted' not in data"),
        ("Lead Origin,Converted\nAPI,1\nAPI,1\n", "single value"),
        ("Lead Origin,City,Converted\nAPI,Select,1\nAPI,,0\n", "column 'City' is entirely missing"),
    ],
)
def test_bad_input_raises_a_clear_error(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(PipelineError, match=message):
        ingest(str(path), LEAD_LIKE)


def test_bigquery_uri_is_validated() -> None:
    with pytest.raises(PipelineError, match=r"project\.dataset\.table"):
        ingest("bq://only-a-table", LEAD_LIKE)


def test_bigquery_without_the_client_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "google.cloud.bigquery", None)  # makes the import fail
    with pytest.raises(PipelineError, match="pip install google-cloud-bigquery"):
        ingest("bq://p.d.t", LEAD_LIKE)
