"""KServe's xgbserver over the committed model, as a peer in `npm run bench`.

A `kserve.Model` that predicts exactly as KServe's own xgbserver does
(kserve/kserve, python/xgbserver/xgbserver/model.py): the V1 `instances` through
`get_predict_input`, an `xgb.DMatrix` with `nthread`, `Booster.predict`, `get_predict_response`.
Only loading differs: xgbserver finds the file through kserve_storage; here it is a local path.
The `instances` are the preprocessed float32 feature rows: KServe does no preprocessing.
"""

from __future__ import annotations

import argparse
from typing import Any

import kserve
import xgboost as xgb
from kserve import Model
from kserve.errors import InferenceError
from kserve.utils.utils import get_predict_input, get_predict_response

parser = argparse.ArgumentParser(parents=[kserve.model_server.parser])
parser.add_argument("--model_file", required=True, help="the version's xgboost.json")
parser.add_argument("--nthread", default=1, type=int, help="XGBoost threads (xgbserver's default)")
args, _ = parser.parse_known_args()


class XGBoostModel(Model):
    def __init__(self, name: str, model_file: str, nthread: int) -> None:
        super().__init__(name)
        self.model_file = model_file
        self.nthread = nthread

    def load(self) -> bool:
        with open(self.model_file, "rb") as f:
            model_bytes = f.read()
        self._booster = xgb.Booster(
            params={"nthread": self.nthread}, model_file=bytearray(model_bytes)
        )
        self.ready = True
        return self.ready

    def predict(self, payload: Any, headers: dict[str, str] | None = None) -> Any:
        try:
            instances = get_predict_input(payload)
            dmatrix = xgb.DMatrix(instances, nthread=self.nthread)
            result = self._booster.predict(dmatrix)
            return get_predict_response(payload, result, self.name)
        except Exception as e:
            raise InferenceError(str(e)) from e


if __name__ == "__main__":
    if args.configure_logging:
        kserve.logging.configure_logging(args.log_config_file)
    model = XGBoostModel(args.model_name, args.model_file, args.nthread)
    model.load()
    kserve.ModelServer().start([model])
