"""The FastAPI design the TypeScript service replaces, as a peer in `npm run bench`.

Per request it does what that design did: validate the body with pydantic, preprocess each
instance, and score the batch with XGBoost. Preprocessing uses the pipeline's own pure-Python
reference transform (pipeline/transform.py) over preprocessor.json, and scoring XGBoost's
`inplace_predict` on the native model: the same numbers the service gives, with no pickle.

At its strongest: uvicorn with uvloop and httptools, and an `async def` handler, because a sync
one pays a thread-pool hop per request that cannot help a CPU-bound handler on one core.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
from pipeline.transform import transform_instance  # noqa: E402

VERSION_DIR = Path(os.environ["MODEL_DIR"])
PREPROCESSOR = json.loads((VERSION_DIR / "preprocessor.json").read_text())
BOOSTER = xgb.Booster()
BOOSTER.load_model(VERSION_DIR / "xgboost.json")
BOOSTER.set_param({"nthread": 1})

app = FastAPI()


class PredictRequest(BaseModel):
    instances: list[dict[str, Any]]
    parameters: dict[str, Any] | None = None


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ready"}


@app.post("/predict")
async def predict(body: PredictRequest) -> dict[str, Any]:
    rows = np.array([transform_instance(PREPROCESSOR, i) for i in body.instances], np.float32)
    return {"predictions": BOOSTER.inplace_predict(rows).tolist()}
