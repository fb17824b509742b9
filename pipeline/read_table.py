"""Reading a table file as a client's CRM exports it: any CSV dialect, or Parquet; from a path or
from bytes (a gs:// object).

Every cell comes back as a string ("" for a null) and nothing is guessed about values: which
strings mean missing is the config's decision. The delimiter and the encoding are detected
unless given; what was used is returned, so the run can print it. A malformed file fails with
its name, the line and what was expected there.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import PipelineError

DELIMITERS = (",", ";", "\t", "|")
# Tried in order: UTF-8 (a BOM is dropped), then Windows-1252, which Excel writes in Western
# locales. Latin-1 decodes any byte, so it is the last resort rather than an error.
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
PARQUET_SUFFIXES = (".parquet", ".pq")
_SNIFF_BYTES = 64 * 1024


def describe_delimiter(d: str) -> str:
    return {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}.get(d, repr(d))


def read_table_file(
    path: Path, delimiter: str | None = None, encoding: str | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """(all-strings table, training_data info: source, rows, sha256, and the dialect used)."""
    if not path.is_file():
        raise PipelineError(f"data file not found: {path}")
    return read_table_bytes(path.read_bytes(), str(path), path.name, delimiter, encoding)


def read_table_bytes(
    raw: bytes,
    where: str,
    source: str,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A file's bytes read as read_table_file does; `where` names it in errors (a path or a
    gs:// URI), `source` in the training data's record."""
    info: dict[str, Any] = {"source": source, "sha256": hashlib.sha256(raw).hexdigest()}
    if where.lower().endswith(PARQUET_SUFFIXES):
        table = _read_parquet(raw, where)
        info["format"] = "parquet"
    else:
        if not raw.strip():
            raise PipelineError(f"data file is empty: {where}")
        text, used_encoding = _decode(raw, where, encoding)
        used_delimiter = delimiter or _detect_delimiter(text, where)
        table = _parse_csv(text, where, used_delimiter)
        info.update(format="csv", delimiter=used_delimiter, encoding=used_encoding)
    info["rows"] = len(table)
    return table, info


def _decode(raw: bytes, path: str, encoding: str | None) -> tuple[str, str]:
    for candidate in (encoding,) if encoding else ENCODINGS:
        try:
            return raw.decode(candidate), candidate
        except LookupError:
            raise PipelineError(f"unknown encoding {candidate!r} (--encoding)") from None
        except UnicodeDecodeError as e:
            if encoding:
                line = raw[: e.start].count(b"\n") + 1
                raise PipelineError(
                    f"{path}, line {line}: byte 0x{raw[e.start]:02x} is not valid {encoding}; "
                    "give the file's encoding with --encoding (e.g. cp1252)"
                ) from None
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _detect_delimiter(text: str, path: str) -> str:
    """The delimiter that splits the header and the first rows into the same number of fields
    (csv.Sniffer's test); of those, the one giving the most fields."""
    sample = text[:_SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    header = sample.splitlines()[0] if sample.splitlines() else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        raise PipelineError(
            f"{path}, line 1: expected a header of column names separated by ',', ';', tab or "
            f"'|', found none of them; give the delimiter with --delimiter"
        )
    return best


def _parse_csv(text: str, path: str, delimiter: str) -> pd.DataFrame:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
        rows = []
        for row in reader:
            if not row:  # a blank line (e.g. at the end of the file)
                continue
            if len(row) != len(header):
                raise PipelineError(
                    f"{path}, line {reader.line_num}: expected {len(header)} fields separated "
                    f"by {describe_delimiter(delimiter)} (as in the header), found {len(row)}"
                )
            rows.append(row)
    except csv.Error as e:
        raise PipelineError(f"{path}, line {reader.line_num}: {e}") from None
    _check_header(header, path)
    return pd.DataFrame(rows, columns=header, dtype=object)


def _check_header(header: list[str], path: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if not name.strip():
            raise PipelineError(f"{path}, line 1: column {i} has no name; expected a header row")
        if name in seen:
            raise PipelineError(f"{path}, line 1: column name {name!r} appears twice")
        seen.add(name)


def _read_parquet(raw: bytes, path: str) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(io.BytesIO(raw)).to_pandas()
    except Exception as e:  # pyarrow's errors: a damaged or non-Parquet file
        raise PipelineError(f"cannot read {path} as Parquet: {e}".splitlines()[0]) from None
    return strings_table(frame)


def strings_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A typed table (Parquet, BigQuery) in a CSV's representation: strings, "" for null, so one
    code path types the columns of every source."""
    return frame.astype(object).map(lambda v: "" if _is_null(v) else _text(v))


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _is_null(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # arrays and other non-scalars are values
        return False
