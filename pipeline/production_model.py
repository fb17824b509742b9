"""The model an alias names in a registry, read for a paired comparison with a candidate.

Only what scoring needs: the version, its primary metric, its preprocessor.json, its
xgboost.json and, when it has one, training-rows.json (the registry verified every sha256 when
it published the version). Read from a registry directory or gs:// prefix with the layout of
src/registry: `<registry>/<model>/aliases/<alias>.json` names the version,
`<registry>/<model>/<version>/` holds its files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from . import artifacts as a
from .errors import PipelineError
from .gcs_output import is_gcs_uri, read_gcs_object_if_exists
from .ingest import FieldSpec
from .preprocess import normalize_frame
from .training_rows import seen_rows
from .transform import InstanceError, transform_instance


def _read(registry: str | Path, *parts: str) -> bytes | None:
    """One registry object's bytes, or None when it does not exist."""
    if is_gcs_uri(registry):
        return read_gcs_object_if_exists("/".join([str(registry).rstrip("/"), *parts]))
    path = Path(registry).joinpath(*parts)
    return path.read_bytes() if path.is_file() else None


@dataclass(frozen=True)
class ProductionModel:
    version: str
    primary_metric: dict[str, Any]
    preprocessor: dict[str, Any]
    booster: xgb.Booster
    # training-rows.json: fingerprints of the rows it trained on; None for versions from before
    # it existed.
    training_rows: dict[str, Any] | None = None

    def predict(self, instances: Sequence[dict[str, Any]]) -> np.ndarray:
        """Scores raw instances through this version's own preprocessor; a field it does not
        know is left out (it never used it), one it lacks is missing, as the service does."""
        known = {f["name"] for f in self.preprocessor["fields"]}
        try:
            rows = [
                transform_instance(self.preprocessor, {k: v for k, v in i.items() if k in known})
                for i in instances
            ]
        except ValueError as e:  # another preprocessor format, or a field that changed type
            raise PipelineError(
                f"cannot score production {self.version} on the candidate's rows: {e}"
            ) from None
        return self.booster.predict(xgb.DMatrix(np.asarray(rows, dtype=np.float32)))

    def trained_on(self, instances: Sequence[dict[str, Any]]) -> np.ndarray | None:
        """Which raw instances this version trained on (normalized as its own fields were), or
        None when that cannot be told: no training-rows.json, or the fields changed."""
        if self.training_rows is None:
            return None
        fields = [
            FieldSpec(name=f["name"], source_column=f["name"], type=f["type"])
            for f in self.preprocessor["fields"]
        ]
        frame = pd.DataFrame(list(instances), columns=[f.name for f in fields], dtype=object)
        try:
            normalized = normalize_frame(frame, fields, self.preprocessor["missing_values"])
        except InstanceError:  # a field changed type since: its rows cannot be recognized
            return None
        return seen_rows(self.training_rows, normalized)


def read_production(registry: str | Path, model: str, alias: str) -> ProductionModel | None:
    """The version `alias` names, or None when the alias is not set yet."""
    record = _read(registry, model, "aliases", f"{alias}.json")
    if record is None:
        return None
    version = json.loads(record)["version"]

    def need(name: str) -> bytes:
        data = _read(registry, model, version, name)
        if data is None:
            raise PipelineError(f"{alias} names {model} {version}, which has no {name}")
        return data

    metadata = json.loads(need(a.METADATA_JSON))
    listed = a.TRAINING_ROWS_JSON in metadata.get("files", {})
    booster = xgb.Booster()
    booster.load_model(bytearray(need(a.XGBOOST_JSON)))
    return ProductionModel(
        version=version,
        primary_metric=metadata["primary_metric"],
        preprocessor=json.loads(need(a.PREPROCESSOR_JSON)),
        booster=booster,
        training_rows=json.loads(need(a.TRAINING_ROWS_JSON)) if listed else None,
    )
