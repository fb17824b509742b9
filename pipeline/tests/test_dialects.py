"""Reading any company's export: ';', tab and ',' files, their encodings, Parquet, and
failures that name the file, the line and what was expected there."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import DataConfig
from pipeline.errors import PipelineError
from pipeline.ingest import ingest
from pipeline.read_table import read_table_file
from pipeline.tests.foreign_data import HEADER, foreign_rows, write_foreign_csv

ROWS = foreign_rows(60)
CONFIG = DataConfig(target="y", positive_class="yes")


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "cp1252"), (",", "utf-8"), ("\t", "utf-8-sig"), ("|", "cp1252")],
)
def test_delimiter_and_encoding_are_detected(tmp_path: Path, delimiter: str, encoding: str) -> None:
    path = write_foreign_csv(tmp_path / "leads.csv", ROWS, delimiter, encoding)
    table, info = read_table_file(path)
    assert list(table.columns) == HEADER  # not one column made of the whole header
    assert table["city"].tolist() == [r[4] for r in ROWS]  # "Zürich" decoded, not mojibake
    assert info["delimiter"] == delimiter and info["format"] == "csv"
    # utf-8-sig reads plain UTF-8 too; Windows-1252 bytes are not valid UTF-8.
    assert info["encoding"] == ("cp1252" if encoding == "cp1252" else "utf-8-sig")


def test_delimiter_and_encoding_can_be_given(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_bytes(b"a b;c\n1 2;3\n")
    assert list(read_table_file(path)[0].columns) == ["a b", "c"]  # detected: ';'
    table, info = read_table_file(path, delimiter=" ", encoding="utf-8")
    assert list(table.columns) == ["a", "b;c"] and info["delimiter"] == " "
    assert table.values.tolist() == [["1", "2;3"]]
    # A header without any delimiter in it (one column) cannot be detected, only given.
    path.write_bytes(b"name\nvalue\n")
    with pytest.raises(PipelineError, match=r"one\.csv, line 1: .*--delimiter"):
        read_table_file(path)


def test_a_wrong_encoding_names_the_line_and_the_flag(tmp_path: Path) -> None:
    path = write_foreign_csv(tmp_path / "leads.csv", ROWS)  # cp1252: "ü" is byte 0xfc
    line = 2 + next(i for i, r in enumerate(ROWS) if r[4] != "Basel")
    with pytest.raises(
        PipelineError,
        match=rf"leads\.csv, line {line}: byte 0x(fc|e8) is not valid utf-8; .*--encoding",
    ):
        read_table_file(path, encoding="utf-8")
    with pytest.raises(PipelineError, match="unknown encoding 'klingon'"):
        read_table_file(path, encoding="klingon")


def test_a_short_row_names_file_line_and_expected_fields(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[6] = rows[6][:5]
    path = write_foreign_csv(tmp_path / "ragged.csv", rows)
    with pytest.raises(
        PipelineError,
        match=r"ragged\.csv, line 8: expected 8 fields separated by ';' \(as in the header\), "
        r"found 5",
    ):
        read_table_file(path)


def test_bad_headers_are_named(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("a;a;y\n1;2;yes\n")
    with pytest.raises(PipelineError, match=r"h\.csv, line 1: column name 'a' appears twice"):
        read_table_file(path)
    path.write_text("a;;y\n1;2;yes\n")
    with pytest.raises(PipelineError, match=r"h\.csv, line 1: column 2 has no name"):
        read_table_file(path)


def test_parquet_reads_as_the_same_table(tmp_path: Path) -> None:
    csv_path = write_foreign_csv(tmp_path / "leads.csv", ROWS)
    frame = pd.DataFrame(ROWS, columns=HEADER)
    # Typed columns, as a warehouse exports them: numbers, nulls, booleans.
    frame["visits"] = pd.to_numeric(frame["visits"]).astype("Int64")
    frame["home.owner"] = frame["home.owner"] == "yes"
    parquet = tmp_path / "leads.parquet"
    frame.to_parquet(parquet)
    from_parquet = ingest(str(parquet), DataConfig(target="y", positive_class="yes"))
    from_csv = ingest(str(csv_path), CONFIG)
    assert from_parquet.training_data["format"] == "parquet"
    assert from_parquet.frame["visits"].tolist() == from_csv.frame["visits"].tolist()
    assert set(from_parquet.frame["home.owner"]) == {"true", "false"}
    assert (from_parquet.target == from_csv.target).all()
    damaged = tmp_path / "bad.parquet"
    damaged.write_bytes(b"PAR1 not really")
    with pytest.raises(PipelineError, match=r"cannot read \S*bad\.parquet as Parquet"):
        read_table_file(damaged)
