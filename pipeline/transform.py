"""The preprocessor's semantics in plain Python, reading nothing but preprocessor.json.

This is the reference the TypeScript service re-implements (docs/artifacts.md); the tests and
the preprocess stage's self-check prove it equals scikit-learn's ColumnTransformer bit for bit
after the float32 cast. No numpy here on purpose: every step is a double operation that any
language reproduces.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping
from typing import Any

# v1: a request string equal to a categorical fill value ("missing") took the missing column.
# v2: the fill value's column is for missing values only; such a string is an unseen category
# (the fill value is chosen to be no real category, preprocess.missing_marker).
PREPROCESSOR_FORMAT = "lead-scoring-preprocessor/v2"
PREPROCESSOR_FORMATS = ("lead-scoring-preprocessor/v1", PREPROCESSOR_FORMAT)


class InstanceError(ValueError):
    """A client error: a value of the wrong type or a key that is not a field."""


def is_missing(value: Any, missing_values: Iterable[str]) -> bool:
    """Absent/None, a non-finite number, or a sentinel string (any field kind)."""
    if value is None:
        return True
    if isinstance(value, float) and not math.isfinite(value):
        return True
    return isinstance(value, str) and value in missing_values


# Halfway between float32's largest finite value and 2**128: from here on, round-to-nearest
# (ties to even: that largest value's significand is odd) gives infinity.
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103


def to_float32(x: float) -> float:
    """Round a double to the nearest float32 (what numpy's astype(float32) does).

    A double past float32's range becomes ±infinity, as numpy, a DMatrix and the service's
    Float32Array make it; struct would refuse it (OverflowError), and a lead with a billion
    billion visits would crash the reference where the service scores it.
    """
    if abs(x) >= FLOAT32_OVERFLOW:
        return math.copysign(math.inf, x)
    return struct.unpack("<f", struct.pack("<f", x))[0]


def transform_instance(preprocessor: Mapping[str, Any], instance: Mapping[str, Any]) -> list[float]:
    """One raw instance (field name → value) → the float32 feature row, as Python floats."""
    if preprocessor.get("format") not in PREPROCESSOR_FORMATS:
        raise ValueError(
            f"preprocessor.json format {preprocessor.get('format')!r} is not one this code "
            f"reads ({', '.join(PREPROCESSOR_FORMATS)})"
        )
    reserved_fill = preprocessor["format"] != PREPROCESSOR_FORMATS[0]
    missing_values = preprocessor["missing_values"]
    fields = preprocessor["fields"]
    known = {f["name"] for f in fields}
    unknown = [k for k in instance if k not in known]
    if unknown:
        raise InstanceError(f"unknown field(s): {', '.join(sorted(unknown))}")
    out = [0.0] * preprocessor["n_outputs"]
    for f in fields:
        value = instance.get(f["name"])
        missing = is_missing(value, missing_values)
        if f["type"] == "numeric":
            if not missing and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise InstanceError(f"field {f['name']!r}: expected a number, got {value!r}")
            x = f["fill_value"] if missing else float(value)
            out[f["output_index"]] = (x - f["mean"]) / f["scale"]
        else:
            if not missing and not isinstance(value, str):
                raise InstanceError(f"field {f['name']!r}: expected a string, got {value!r}")
            c = f["fill_value"] if missing else value
            if reserved_fill and not missing and c == f["fill_value"]:
                continue  # v2: a string is never the missing marker; unseen, all zero
            # An unknown category leaves the block all zero: OneHotEncoder(handle_unknown="ignore").
            if c in f["categories"]:
                out[f["output_offset"] + f["categories"].index(c)] = 1.0
    return [to_float32(x) for x in out]
