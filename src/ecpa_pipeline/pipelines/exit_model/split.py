"""Splitting a household table for the exit model's nodes: the checks a table must pass,
the features it offers, the order its contents fix and the train / validation / test parts
(by time, by id lists or stratified at random)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.pseudonym import hash_ids
from ecpa_pipeline.errors import ProjectError

logger = logging.getLogger(__name__)


def split_transitions(model_input: pd.DataFrame, params: dict) -> tuple[pd.DataFrame, ...]:
    """Split the labelled rows (in ``canonical_order``; ids hashed when ``ids: hash``) into
    train, validation (early stopping, calibration) and test, by ``split.kind``:

    - ``time`` (default): train on earlier periods, validate on the next, test on the last;
      ``split.validation``/``split.test`` name the periods, or ``auto`` takes the last two;
    - ``ids``: ``split.ids_file``, a CSV of ``<id_column>`` and ``part`` (validation or
      test), decides; unlisted rows train (a survey's own ids are hashed like the table's);
    - ``random``: stratified by the label, ``split.validation_share`` and
      ``split.test_share`` of the rows, drawn with ``seed`` over the canonical order (so
      independent of the pseudonym key).

    Returns:
        train, validation, test, and the test rows' id + features (the model's input).
    """
    label = params["label"]
    features = feature_names(params, model_input.columns)
    check_no_label_fields(features, params.get("never_features", []))
    check_columns(model_input, features, params)
    if params.get("ids", "pseudonymous") == "hash":
        # A survey's own ids: only their digests are fitted, scored and logged.
        id_column = params["id_column"]
        model_input = model_input.assign(**{id_column: hash_ids(model_input[id_column])})
    labelled = canonical_order(model_input[model_input[label].notna()], params)
    part = split_parts(labelled, params)
    train, valid, test_rows = (
        labelled[part == name].reset_index(drop=True) for name in ("train", "validation", "test")
    )
    if min(len(train), len(valid), len(test_rows)) == 0:
        raise ProjectError(
            f"split {params['split']} leaves a part empty: train {len(train)}, validation "
            f"{len(valid)}, test {len(test_rows)} rows"
        )
    logger.info(
        "Split (%s): train %d rows, validation %d, test %d",
        params["split"].get("kind", "time"),
        len(train),
        len(valid),
        len(test_rows),
    )
    return train, valid, test_rows, model_features(test_rows, params, features)


def check_columns(table: pd.DataFrame, features: list[str], params: dict) -> None:
    """Stop with one line where the table cannot be modelled as configured: a role or feature
    column missing, a label other than 0/1, or a feature with text that is not declared
    ``categorical`` (it would silently become missing values).

    Raises:
        ProjectError: naming the columns and what was found.
    """
    roles = [params["id_column"], params["label"], params.get("time_column")]
    missing = [c for c in [*roles, *features] if c and c not in table]
    if missing:
        raise ProjectError(f"model input lacks column(s) {missing} named in the parameters")
    label = table[params["label"]].dropna()
    values = pd.to_numeric(label.astype("object"), errors="coerce")
    if values.isna().any() or not values.isin([0, 1]).all():
        found = sorted(label.astype(str).unique().tolist())[:5]
        raise ProjectError(
            f"label {params['label']!r} must be 0 or 1 (missing: not labelled); found {found}"
        )
    text = [
        c
        for c in features
        if c not in params["categorical"]
        and pd.to_numeric(table[c].dropna().astype("object"), errors="coerce").isna().any()
    ]
    if text:
        raise ProjectError(
            f"feature(s) {text} hold text: list them in categorical, or leave them out "
            "(features.all_except)"
        )


def split_parts(labelled: pd.DataFrame, params: dict) -> np.ndarray:
    """``train``, ``validation`` or ``test`` for each labelled row (see ``split_transitions``)."""
    split, kind = params["split"], params["split"].get("kind", "time")
    if kind == "time":
        time = labelled[params["time_column"]]
        periods = sorted(time.unique())
        if split.get("test", "auto") == "auto":
            if len(periods) < 3:
                raise ProjectError(
                    f"need at least 3 labelled periods for a temporal split, found {periods}"
                )
            validation, test = periods[-2], periods[-1]
        else:
            validation, test = split["validation"], split["test"]
        return np.select([time == test, time == validation, time < validation],
                         ["test", "validation", "train"], "unused")  # fmt: skip
    if kind == "ids":
        listed = pd.read_csv(split["ids_file"], dtype=str)
        ids = listed[params["id_column"]]
        if params.get("ids", "pseudonymous") == "hash":
            ids = hash_ids(ids)
        unknown = set(listed["part"]) - {"train", "validation", "test"}
        if unknown:
            raise ProjectError(f"{split['ids_file']}: part must be train, validation or test, "
                               f"found {sorted(unknown)}")  # fmt: skip
        part = labelled[params["id_column"]].astype(str).map(dict(zip(ids, listed["part"])))
        return part.fillna("train").to_numpy()
    if kind == "random":
        rng = np.random.default_rng(params["seed"])
        part = np.full(len(labelled), "train", dtype=object)
        for _, rows in labelled.groupby(params["label"]).indices.items():
            draw = rng.permutation(rows)
            n_test = round(split["test_share"] * len(rows))
            n_valid = round(split["validation_share"] * len(rows))
            part[draw[:n_test]] = "test"
            part[draw[n_test : n_test + n_valid]] = "validation"
        return part
    raise ProjectError(f"split.kind must be time, ids or random, not {kind!r}")


def feature_names(params: dict, columns) -> list[str]:
    """The model's features: ``features`` lists them (or maps each to its readable names),
    or, with an ``all_except`` entry, every column but those listed there, the id, the
    label, the time and the offset (the mapping's other entries then only name columns:
    an environment's parameters are merged into base's)."""
    features = params["features"]
    if isinstance(features, dict) and "all_except" in features:
        roles = {params["id_column"], params["label"], params.get("time_column"),
                 params.get("offset_column")}  # fmt: skip
        skip = roles | set(features["all_except"] or [])
        return [c for c in columns if c not in skip]
    return list(features)


def check_no_label_fields(features, never: list[str]) -> None:
    """Refuse a feature that encodes the label (``never_features``; ``name*`` matches a
    prefix): such a field is filled because of the outcome, and a model using it scores
    well in testing and fails in use.

    Raises:
        ProjectError: naming the offending features.
    """
    found = [
        f
        for f in features
        if any(f == n or (n.endswith("*") and f.startswith(n[:-1])) for n in never)
    ]
    if found:
        raise ProjectError(
            f"feature(s) {found} encode the label (never_features in parameters): remove them"
        )


def canonical_order(rows: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The rows in an order their contents alone fix, not their ids: with pseudonyms made
    with another key (another installation), training sees the rows in the same order and
    bags the same ones, so the same exports give the same model and scores."""
    contents = [c for c in rows.columns if c != params["id_column"]]
    return rows.sort_values(contents, kind="stable", na_position="last").reset_index(drop=True)


def model_features(rows: pd.DataFrame, params: dict, names: list[str]) -> pd.DataFrame:
    """The logged model's input for ``rows``: id, features ``names`` and offset, as its
    signature has them. Numbers travel as floats: an integer column in the signature would
    reject a missing value at scoring time."""
    offset = [params["offset_column"]] if params.get("offset_column") else []
    features = rows[[params["id_column"], *names, *offset]].reset_index(drop=True)
    numeric = [c for c in features.columns[1:] if c not in params["categorical"]]
    features[numeric] = features[numeric].astype(float)
    return features
