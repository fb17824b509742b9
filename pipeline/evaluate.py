"""Stage 4, evaluate: held-out metrics, named as metadata.json's `metrics` (docs/artifacts.md)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xgboost as xgb
from sklearn import metrics as m


def predict(model: xgb.XGBModel, x: np.ndarray) -> np.ndarray:
    """Probability of class 1 (binary) or the value (regression), as XGBoost computes it."""
    return model.get_booster().predict(xgb.DMatrix(x))


def binary_metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, Any]:
    y = y.astype(int)
    label = (p >= threshold).astype(int)
    tn, fp, fn, tp = m.confusion_matrix(y, label, labels=[0, 1]).ravel()
    return {
        "roc_auc": float(m.roc_auc_score(y, p)),
        "pr_auc": float(m.average_precision_score(y, p)),
        "log_loss": float(m.log_loss(y, p.astype(np.float64), labels=[0, 1])),
        "brier": float(m.brier_score_loss(y, p)),
        "threshold": float(threshold),
        "accuracy": float(m.accuracy_score(y, label)),
        "precision": float(m.precision_score(y, label, zero_division=0)),
        "recall": float(m.recall_score(y, label, zero_division=0)),
        "f1": float(m.f1_score(y, label, zero_division=0)),
        "confusion_matrix": [[int(tn), int(fp)], [int(fn), int(tp)]],
    }


def regression_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    return {
        "rmse": float(np.sqrt(m.mean_squared_error(y, p))),
        "mae": float(m.mean_absolute_error(y, p)),
        "r2": float(m.r2_score(y, p)),
    }


def primary_metric(task: str, metrics: dict[str, Any]) -> dict[str, Any]:
    """The one number promotion compares: ROC-AUC (higher is better) or RMSE (lower)."""
    if task == "binary":
        return {"name": "roc_auc", "value": metrics["roc_auc"], "higher_is_better": True}
    return {"name": "rmse", "value": metrics["rmse"], "higher_is_better": False}


def evaluate(
    model: xgb.XGBModel, x_test: np.ndarray, y_test: np.ndarray, task: str, threshold: float = 0.5
) -> dict[str, Any]:
    p = predict(model, x_test)
    if task == "binary":
        return binary_metrics(y_test, p, threshold)
    return regression_metrics(y_test, p)
