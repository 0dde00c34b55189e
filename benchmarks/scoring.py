"""Scoring throughput of the registered exit model: households per second through the
logged MLflow pyfunc (the whole inference pipeline) against raw LightGBM ``predict`` on the
same, already encoded rows — both measured in this run.

    .venv/bin/python benchmarks/scoring.py --data-dir data --rows 100000
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import time
from pathlib import Path

os.environ.update(
    {"KEDRO_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "true", "MLFLOW_DISABLE_TELEMETRY": "true"}
)

import mlflow
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI", f"sqlite:///{ROOT}/mlflow.db"),
    )
    args = parser.parse_args()

    mlflow.set_tracking_uri(args.tracking_uri)
    features = pd.read_parquet(args.data_dir / "05_model_input" / "exit_model_features.parquet")
    rows = pd.concat([features] * (args.rows // len(features) + 1), ignore_index=True).head(
        args.rows
    )
    model = mlflow.pyfunc.load_model("models:/poverty_exit/latest")
    models = args.data_dir / "06_models"
    encoder = pickle.loads((models / "exit_encoder.pkl").read_bytes())  # noqa: S301 - our own artifact
    booster = pickle.loads((models / "exit_booster.pkl").read_bytes())  # noqa: S301
    encoded = encoder.transform(rows)

    pyfunc_s = best_of(3, lambda: model.predict(rows))
    raw_s = best_of(3, lambda: booster.predict(encoded, num_iteration=booster.best_iteration))
    result = {
        "rows": len(rows),
        "pyfunc_households_per_s": round(len(rows) / pyfunc_s),
        "raw_lightgbm_households_per_s": round(len(rows) / raw_s),
        "pyfunc_over_raw_time_ratio": round(pyfunc_s / raw_s, 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
