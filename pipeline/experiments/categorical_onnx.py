"""Can the two serving paths express XGBoost's native categorical splits? The evidence behind
the "native categorical" row of the model search.

    .venv/bin/python -m pipeline.experiments.categorical_onnx \\
        --data ../shared/datasets/leads-x-education.csv

Trains the search's "native categorical" recipe (one column of category codes per field,
enable_categorical) on the training part, converts it with the pinned onnxmltools exactly as
export.py does, and compares onnxruntime with XGBoost on the held-out rows and on edge rows: a
missing code (NaN) and a code no training row had (what an unseen category would become). It
prints how many rows differ beyond the golden tolerance and the conversion's split modes. The
service's own tree scorer (src/model/explain/xgboost-json.ts) refuses any split_type other than
0 today; that needs no experiment.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import numpy as np
import onnx.helper
import onnxruntime as ort
import xgboost as xgb

from ..config import LEAD_PRESET, data_config_from_preset
from ..export import ONNX_INPUT, onnx_output, onnx_predict, to_onnx
from ..golden import TOLERANCE
from ..ingest import ingest
from ..preprocess import preprocess
from .recipes import categorical_types, category_codes, default_params


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.experiments.categorical_onnx")
    parser.add_argument("--data", required=True)
    args = parser.parse_args(argv)
    prep = preprocess(ingest(args.data, data_config_from_preset(LEAD_PRESET)), 0.2, 42)
    x_train = category_codes(prep.preprocessor, prep.x_train)
    x_test = category_codes(prep.preprocessor, prep.x_test)
    model = xgb.XGBClassifier(**default_params(), **categorical_types(prep))
    model.fit(x_train, prep.y_train)

    trees = json.loads(model.get_booster().save_raw("json"))["learner"]["gradient_booster"]
    split_types = [t for tree in trees["model"]["trees"] for t in tree["split_type"]]
    print(f"XGBoost: {sum(split_types)} categorical splits of {len(split_types)} nodes")

    first_categorical = 3  # the three numeric columns come first
    edges = np.repeat(x_test[:1], 2, axis=0)
    edges[0, first_categorical:] = np.nan  # every categorical field missing
    edges[1, first_categorical:] = 9999.0  # a code no training row had: an unseen category
    rows = np.vstack([x_test, edges])
    expected = model.get_booster().predict(
        xgb.DMatrix(rows, feature_types=model.feature_types, enable_categorical=True)
    )
    proto = to_onnx(model, rows.shape[1], "categorical-probe")
    modes = [a for n in proto.graph.node for a in n.attribute if a.name == "nodes_modes"] or [None]
    names = onnx.helper.get_attribute_value(modes[0]) if modes[0] is not None else []
    print(
        "ONNX: "
        + ", ".join(f"{m.decode()} {names.count(m)}" for m in sorted(set(names)))
        + " nodes (the converter expands each category set into a chain of BRANCH_EQ)"
    )
    session = ort.InferenceSession(proto.SerializeToString())
    got = onnx_predict(session, rows.astype(np.float32), *onnx_output(session, "binary"))
    gap = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    print(
        f"onnxruntime vs XGBoost on {len(x_test)} held-out rows: "
        f"{int((gap[:-2] > TOLERANCE).sum())} beyond {TOLERANCE:g}, largest {gap[:-2].max():.2e}; "
        f"all categorical fields missing: {gap[-2]:.2e}; unseen code: {gap[-1]:.2e} "
        f"(ONNX input name {ONNX_INPUT!r})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
