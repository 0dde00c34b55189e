"""What an auditor reads: plots, the model card and the run's audit tags."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

from ecpa_pipeline.audit import code_tags, input_tags
from ecpa_pipeline.domain.metrics import REPORTED
from ecpa_pipeline.markdown import markdown_table

from .nodes import positive_words


def calibration_plot(curves: pd.DataFrame, bins: int = 10):
    """Reliability diagram: observed exit rate against predicted probability, per scorer."""
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    edges = np.linspace(0, 1, bins + 1)
    for scorer in [c for c in curves.columns if c != "label"]:
        p = curves[scorer].to_numpy(float)
        which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
        grouped = pd.DataFrame({"bin": which, "p": p, "y": curves["label"]}).groupby("bin").mean()
        ax.plot(grouped["p"], grouped["y"], marker="o", label=scorer)
    ax.set(
        xlabel="predicted exit probability", ylabel="observed exit rate", title="Calibration (test)"
    )
    ax.legend()
    fig.tight_layout()
    return fig


def roc_plot(curves: pd.DataFrame):
    """ROC curves of the model, the baselines and (simulation only) the oracle."""
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    for scorer in [c for c in curves.columns if c != "label"]:
        fpr, tpr, _ = roc_curve(curves["label"], curves[scorer])
        ax.plot(fpr, tpr, label=scorer)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (test)")
    ax.legend()
    fig.tight_layout()
    return fig


def importance_plot(importance: pd.DataFrame, top: int = 20):
    """The features with the largest total gain."""
    head = importance.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.barh(head["feature"], head["gain"])
    ax.set(xlabel="total gain", title=f"Top {top} features")
    fig.tight_layout()
    return fig


def audit_tags(model_input: pd.DataFrame, key: dict | None, params: dict) -> dict[str, str]:
    """Tags that let an auditor reproduce the run: code version, seed, input digest, and the
    fingerprint of the key that made the pseudonyms (None: a survey without pseudonyms)."""
    tags = (
        code_tags()
        | {"seed": str(params["seed"])}
        | input_tags(**{params.get("input_name", "exit_model_input"): model_input})
    )
    return tags | (key or {})


def _periods(rows: pd.DataFrame, time: str | None) -> str:
    return str(sorted(rows[time].unique().tolist())) if time else "-"


def _split_words(params: dict) -> str:
    split = params["split"]
    kind = split.get("kind", "time")
    if kind == "ids":
        return f"by the id lists of `{split['ids_file']}`"
    if kind == "random":
        return (
            f"at random within each label value (validation {split['validation_share']:.0%}, "
            f"test {split['test_share']:.0%}, seed {params['seed']})"
        )
    return (
        f"by `{params['time_column']}`: earlier periods train, the next validates, the last tests"
    )


def model_card(
    metrics: pd.DataFrame,
    fairness: pd.DataFrame,
    importance: pd.DataFrame,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    test: pd.DataFrame,
    calibrator,
    params: dict,
) -> str:
    """The model card (``model_card.md`` filled in): data window, features, metrics against
    baselines, fairness findings, known limitations."""
    time, label = params["time_column"], params["label"]
    shown = ["scorer", "n", "exit_rate", "roc_auc_low", "roc_auc_high", *REPORTED]
    shown.insert(shown.index("ece") + 1, "ece_if_calibrated")
    gaps = fairness.groupby("group").agg(
        auc_gap=("roc_auc", lambda s: s.max() - s.min()),
        calibration_gap=("calibration_gap", lambda s: s.abs().max()),
        exclusion_gap=("exclusion_error", lambda s: s.max() - s.min()),
    )
    model = metrics.set_index("scorer").loc["model"]
    training = params.get("training", {})
    trials = int((params.get("search") or {}).get("trials") or 0)
    card = params.get("model_card", "model_card.md")
    template = (Path(__file__).parent / card).read_text(encoding="utf-8")
    return template.format(
        time=time,
        label=label,
        train_periods=_periods(train, time),
        train_rows=len(train),
        validation_periods=_periods(validation, time),
        validation_rows=len(validation),
        test_periods=_periods(test, time),
        test_rows=len(test),
        test_exit_rate=test[label].mean(),
        n_features=len(importance),
        features=", ".join(f"`{f}`" for f in importance["feature"]),
        model_name=params.get("registered_model_name", "poverty_exit"),
        positive=positive_words(params)["one"],
        positives=positive_words(params)["many"],
        split=_split_words(params),
        ids=(
            "SHA-256 digests of the survey's own ids (ids: hash)"
            if params.get("ids") == "hash"
            else "keyed pseudonyms"
        ),
        offset=params.get("offset_column") or "none",
        seed=params["seed"],
        settings=(
            f"settings chosen by a {trials}-trial search on validation, `search_trials.csv`"
            if trials
            else "settings as configured"
        ),
        recency=(
            f"{training['recent_year_weight']} ** (year − latest year)"
            if training.get("recent_year_weight", 1) != 1
            else "equally"
        ),
        refit=(
            "refitted on train + validation with the early-stopped rounds"
            if training.get("refit_on_validation")
            else "not refitted"
        ),
        calibration=calibrator.method,
        anchor=(
            "each year's probabilities then shifted by one log-odds intercept to sum to its "
            f"planned share (`{params['offset_column']}`; plan_anchor)"
            if params.get("plan_anchor") and params.get("offset_column")
            else "no anchoring to a plan"
        ),
        threshold=params["operating_threshold"],
        budget=metrics["budget_k_denominator"].iloc[0].split(";")[0],
        metrics_table=markdown_table(metrics[[c for c in shown if c in metrics]]),
        auc=model["roc_auc"],
        ece=model["ece"],
        ece_floor=model["ece_if_calibrated"],
        exclusion=model["exclusion_error"],
        fairness_table=markdown_table(gaps.reset_index()),
        worst_group=gaps["auc_gap"].idxmax() if len(gaps) else "-",
        importance_table=markdown_table(importance.head(10)),
    )
