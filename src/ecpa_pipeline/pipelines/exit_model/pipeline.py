"""The ``exit_model`` pipeline: train, calibrate, evaluate and explain the poverty-exit model.

``create_pipeline`` returns the training pipeline; ``create_inference_pipeline`` the path a
new household table takes (encode, score, calibrate). The registry wraps both with
kedro-mlflow's ``pipeline_ml_factory`` so every training run logs the inference pipeline as an
MLflow model registered as ``poverty_exit``.
"""

from kedro.pipeline import Node, Pipeline

from . import nodes, report, search, split

_P = "params:exit_model"


def create_inference_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.score_exit,
                ["exit_encoder", "exit_booster", "exit_calibrator", "exit_model_features", _P],
                "exit_scores",
                name="score_exit_node",
            )
        ],
        tags=["inference", "training"],
    )


def create_pipeline(**kwargs) -> Pipeline:
    training = Pipeline(
        [
            Node(
                split.split_transitions,
                ["exit_model_input", _P],
                ["exit_train", "exit_validation", "exit_test", "exit_model_features"],
                name="split_transitions_node",
            ),
            Node(nodes.fit_encoder, ["exit_train", _P], "exit_encoder", name="fit_encoder_node"),
            Node(
                search.search_lightgbm,
                ["exit_encoder", "exit_train", "exit_validation", _P],
                ["exit_lightgbm_settings", "exit_search_trials"],
                name="search_lightgbm_node",
            ),
            Node(
                nodes.fit_booster,
                ["exit_encoder", "exit_train", "exit_validation", "exit_lightgbm_settings", _P],
                ["exit_booster", "exit_learning_curve", "exit_validation_scores"],
                name="fit_booster_node",
            ),
            Node(
                nodes.fit_exit_calibrator,
                [
                    "exit_validation_scores",
                    "exit_train",
                    "exit_validation",
                    "exit_lightgbm_settings",
                    _P,
                ],
                "exit_calibrator",
                name="fit_calibrator_node",
            ),
        ],
        tags="training",
    )
    evaluation = Pipeline(
        [
            Node(
                nodes.evaluate_exit_model,
                [
                    "exit_scores",
                    "exit_train",
                    "exit_validation",
                    "exit_test",
                    "truth_exit_by_household_key",
                    "params:poverty_line",
                    _P,
                ],
                ["exit_metrics", "exit_metrics_table", "exit_test_curves"],
                name="evaluate_exit_model_node",
            ),
            Node(
                nodes.fairness_table,
                ["exit_scores", "exit_test", _P],
                "exit_fairness",
                name="fairness_node",
            ),
            Node(
                nodes.feature_importance,
                ["exit_encoder", "exit_booster"],
                "exit_importance",
                name="feature_importance_node",
            ),
            Node(
                report.calibration_plot,
                "exit_test_curves",
                "exit_calibration_plot",
                name="calibration_plot_node",
            ),
            Node(report.roc_plot, "exit_test_curves", "exit_roc_plot", name="roc_plot_node"),
            Node(
                report.importance_plot,
                "exit_importance",
                "exit_importance_plot",
                name="importance_plot_node",
            ),
            Node(
                report.model_card,
                [
                    "exit_metrics_table",
                    "exit_fairness",
                    "exit_importance",
                    "exit_train",
                    "exit_validation",
                    "exit_test",
                    "exit_calibrator",
                    _P,
                ],
                "exit_model_card",
                name="model_card_node",
            ),
            Node(
                report.audit_tags,
                ["exit_model_input", "pseudonym_key_if_keyed", _P],
                "exit_audit_tags",
                name="audit_tags_node",
            ),
        ],
        tags="training",
    )
    return training + create_inference_pipeline() + evaluation
