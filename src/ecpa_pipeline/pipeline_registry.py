"""Project pipelines.

- ``simulation``: writes a simulated county's raw exports (and ``_truth/``) to ``data/01_raw``.
- ``cleaning``: raw exports → validated primary tables, quarantine, data-quality report.
- ``features``: primary tables → the exit model's input (household-years, label at t+1).
- ``exit_model``: trains, calibrates, evaluates and explains the poverty-exit model and logs
  its inference pipeline to MLflow, registered as ``poverty_exit``. Run it on its own
  (kedro-mlflow logs a model only for a training pipeline run by itself).
- ``monitoring_risk``: the exit model's nodes under the namespace ``monitoring_risk`` on the
  monitoring system's households (2021 onwards): the probability of being identified as a
  monitoring object next year, registered as ``monitoring_risk``. Run it on its own.
- ``monitoring_lists``: from the registered ``monitoring_risk`` model, the officials' early
  warning list (households not yet monitored, by risk, with reasons and suggested measures)
  and the risk-elimination check of monitored households; run after ``monitoring_risk``.
- ``monitoring_visits_model``: the monthly visit model from the departments' clues (alerts/),
  the monitoring exports and the registered ``monitoring_risk`` model as a prior; evaluated
  month by month on the held-out year against the yearly list, the official rule and the
  truth, registered as ``monitoring_visits``. Run it on its own, after ``monitoring_risk``.
- ``monitoring_visits``: one month's visit lists per township (``--params month=YYYYMM``,
  default the latest month pushed) from the registered ``monitoring_visits`` model.
- ``measure_effects``: each development measure's effect on next year's market income from
  the cleaned records (econml's orthogonal causal forest with LightGBM nuisance models):
  the assessment table, a placebo, each held-out household's expected gains, and on a
  simulated world the comparison with the causal truth. Run after ``features``.
- ``product_recommendation``: ranks characteristic products per village (一村一品) with
  LightGBM LambdaRank, logs metrics against baselines, registers the ranker as
  ``village_products`` and writes per-village recommendations with reasons.
- ``household_ranking``: officials' lists from the registered ``poverty_exit`` model: ranked
  households with reasons and measures (措施到户), village and county readiness, an Excel
  workbook and an HTML report per county, a CSV; run after ``exit_model`` (and, for
  product-based measures, ``product_recommendation``).
- ``province_summary`` (``--env=province``): every county's readiness from its own lists,
  each prefecture's and the province's.
- ``spark`` (``--env=spark``): a province's counties folder by folder on Spark executors
  (``spark_counties``: their ``cleaning`` and ``features``), then the registered exit
  model's scores over every county through ``mlflow.pyfunc.spark_udf`` (``spark_scores``).
- ``__default__``: ``cleaning`` + ``features`` (what ``kedro run`` does). ``make run`` then
  runs ``exit_model``, ``product_recommendation`` and ``household_ranking``.
"""

from __future__ import annotations

from pathlib import Path

from kedro.pipeline import Pipeline, pipeline
from kedro_mlflow.pipeline import pipeline_ml_factory

from ecpa_pipeline.pipelines import (
    cleaning,
    exit_model,
    features,
    household_ranking,
    measure_effects,
    monitoring_lists,
    monitoring_visits,
    product_recommendation,
    simulation,
    spark_province,
)

PACKAGE_DIR = Path(__file__).resolve().parent


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    pipelines = {
        "simulation": simulation.create_pipeline(),
        "cleaning": cleaning.create_pipeline(),
        "features": features.create_pipeline(),
        "product_recommendation": product_recommendation.create_pipeline(),
        "household_ranking": household_ranking.create_pipeline(),
        "monitoring_lists": monitoring_lists.create_pipeline(),
        "monitoring_visits_model": monitoring_visits.create_training_pipeline(),
        "monitoring_visits": monitoring_visits.create_pipeline(),
        "measure_effects": measure_effects.create_pipeline(),
        "province_summary": household_ranking.pipeline.create_province_pipeline(),
        "spark": spark_province.create_pipeline(),
        "spark_counties": spark_province.pipeline.create_counties_pipeline(),
        "spark_scores": spark_province.pipeline.create_scores_pipeline(),
    }
    pipelines["exit_model"] = _logged_model(
        exit_model.create_pipeline(), exit_model.create_inference_pipeline(), "poverty_exit"
    )
    # The same nodes on the monitoring system's households (2021 onwards), under a namespace.
    model_params = {"params:exit_model": "params:monitoring_risk"}
    pipelines["monitoring_risk"] = _logged_model(
        pipeline(
            exit_model.create_pipeline(),
            namespace="monitoring_risk",
            inputs={
                "exit_model_input": "monitoring_model_input",
                "truth_exit_by_household_key": "truth_monitoring_by_household_key",
                "pseudonym_key_if_keyed": "pseudonym_key_if_keyed",
            },
            parameters={**model_params, "params:poverty_line": "params:monitoring_line"},
        ),
        pipeline(
            exit_model.create_inference_pipeline(),
            namespace="monitoring_risk",
            parameters=model_params,
        ),
        "monitoring_risk",
        input_name="monitoring_risk.exit_model_features",
    )
    pipelines["__default__"] = pipelines["cleaning"] + pipelines["features"]
    return pipelines


def _logged_model(
    training: Pipeline, inference: Pipeline, name: str, input_name: str = "exit_model_features"
) -> Pipeline:
    """A training pipeline that logs its inference pipeline to MLflow as the model ``name``
    (registered under the same name)."""
    return pipeline_ml_factory(
        training=training,
        inference=inference,
        input_name=input_name,
        log_model_kwargs={
            "name": name,
            "registered_model_name": name,
            # The package travels with the model: it loads where the project is not installed.
            "code_paths": [str(PACKAGE_DIR)],
            "signature": "auto",
        },
    )
