"""Which leads a version was trained on, kept as fingerprints in the version
(training-rows.json), so that a later paired comparison scores both models only on rows
neither of them trained on.

Why fingerprints of the fields and not a frozen evaluation set: a set frozen in the registry
goes stale as the leads drift, and a retrain on a newer export would be judged on last year's
leads. Worse, its failure is in the candidate's favour: a lead in the set whose fields changed a
little since is no longer recognized, so the candidate trains on a near-copy of an evaluation
row. Here every mismatch errs the other way. The comparison uses the candidate's own held-out
rows (today's leads, never seen by the candidate) minus those production trained on; a lead
production saw whose fields changed since is not recognized and stays in, which favours
production, so the error can only refuse a promotion, never grant one.

Why the fields only, not the outcome: a lead production trained on as "not converted" that has
converted since must still count as seen (production learned that exact instance).

A fingerprint is the first 16 hex digits (64 bits) of the sha256 of the row's canonical JSON:
its normalized fields (numbers as floats, missing as null) in the listed order. Two distinct
leads share one with probability ~n²/2⁶⁵, negligible at a million rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

FORMAT = "lead-scoring-training-rows/v1"
HASH = "sha256 of the fields' canonical JSON, first 16 hex digits"
_DIGITS = 16


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return None if np.isnan(value) else float(value)
    return value


def fingerprints(normalized: pd.DataFrame, fields: Sequence[str]) -> list[str]:
    """One fingerprint per row of a normalized frame (preprocess.normalize_frame), over
    `fields` in that order."""
    columns = [normalized[f].tolist() for f in fields]
    out = []
    for row in zip(*columns, strict=True):
        text = json.dumps([_canonical(v) for v in row], separators=(",", ":"), ensure_ascii=False)
        out.append(hashlib.sha256(text.encode("utf-8")).hexdigest()[:_DIGITS])
    return out


def training_rows_document(train_frame: pd.DataFrame, fields: Sequence[str]) -> dict[str, Any]:
    """training-rows.json: the sorted, distinct fingerprints of the training part."""
    prints = sorted(set(fingerprints(train_frame, fields)))
    return {
        "format": FORMAT,
        "hash": HASH,
        "fields": list(fields),
        "rows": len(train_frame),
        "fingerprints": prints,
    }


def seen_rows(document: Mapping[str, Any], normalized: pd.DataFrame) -> np.ndarray | None:
    """Which rows of a normalized frame the document's version trained on, or None when that
    cannot be told (another format, or a field it was fingerprinted on is not in the frame)."""
    if document.get("format") != FORMAT:
        return None
    fields = list(document["fields"])
    if any(f not in normalized.columns for f in fields):
        return None
    known = set(document["fingerprints"])
    return np.asarray([p in known for p in fingerprints(normalized, fields)], dtype=bool)
