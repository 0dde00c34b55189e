"""The product potential model's two solvers on one data folder's village-product candidates:
Newton-Cholesky (the baseline, exact; dense in villages + products columns) against L-BFGS
(the solver above ``newton_max_columns``), both measured in this run on the same shrinkage
setting — fit time (3 cross-validation folds and the final fit), cross-validated deviance and
how many villages get the same top 3 products.

    .venv/bin/python benchmarks/potential_solver.py --data-dir data/province
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.update(
    {"KEDRO_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "true", "MLFLOW_DISABLE_TELEMETRY": "true"}
)

import numpy as np
import pandas as pd
from kedro.config import OmegaConfigLoader

from ecpa_pipeline.pipelines.product_recommendation.nodes import fit_potential_model
from ecpa_pipeline.settings import CONFIG_LOADER_ARGS

ROOT = Path(__file__).resolve().parents[1]
SOLVERS = {"newton-cholesky": 10**9, "lbfgs": 0}  # newton_max_columns forcing each


def solver_params(setting: dict, newton_max_columns: int) -> dict:
    """The project's product_recommendation parameters, the grid narrowed to ``setting``."""
    conf = OmegaConfigLoader(str(ROOT / "conf"), **CONFIG_LOADER_ARGS)
    params = conf["parameters"]["product_recommendation"]
    model = params["potential_model"]
    grid = {**model["selection"], **{k: [v] for k, v in setting.items()}}
    model = {**model, "selection": grid, "newton_max_columns": newton_max_columns}
    return {**params, "potential_model": model}


def top3(latest: pd.DataFrame, predicted: np.ndarray) -> pd.Series:
    ranked = latest.assign(p=predicted).sort_values(["village_code", "p"], ascending=False)
    return (
        ranked.groupby("village_code")
        .head(3)
        .groupby("village_code")["product_code"]
        .agg(frozenset)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data")
    parser.add_argument("--alpha", type=float, default=0.3)
    parser.add_argument("--product-effect-scale", type=float, default=0.3)
    parser.add_argument("--village-effect-scale", type=float, default=0.3)
    args = parser.parse_args()
    setting = {
        "alpha": args.alpha,
        "product_effect_scale": args.product_effect_scale,
        "village_effect_scale": args.village_effect_scale,
    }
    pairs = pd.read_parquet(args.data_dir / "05_model_input" / "village_product_candidates.parquet")
    latest = pairs[pairs["year"] == pairs["year"].max()]
    result, tops = {"villages": int(pairs["village_code"].nunique())}, {}
    for solver, columns in SOLVERS.items():
        model = fit_potential_model(pairs, solver_params(setting, columns))
        seconds = model.training_seconds_
        tops[solver] = top3(latest, model.predict(latest)["expected_revenue_yuan"].to_numpy())
        result[solver] = {
            "seconds": round(seconds, 1),
            "cv_deviance": round(float(model.selection_["deviance"].iloc[0]), 4),
            "produced_pair_years": model.rows_,
        }
    newton, lbfgs = tops["newton-cholesky"], tops["lbfgs"]
    result["lbfgs_speedup"] = round(
        result["newton-cholesky"]["seconds"] / max(result["lbfgs"]["seconds"], 0.01), 2
    )
    result["same_top3_share"] = round(float((newton == lbfgs.reindex(newton.index)).mean()), 4)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
